//! The projection runner: one task per projection, catching up in chunks, then following the
//! head; rebuilds into fresh generations with an atomic swap.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use ledgerdesk_core::{EventStore, SledEventStore};
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

mod rebuild;
mod tail;

use crate::changes::{self, Changes, ProjectionView};
use crate::overlay::{Layer, Overlay};
use crate::registry::{model_dir, tree_name, Generation, Registry};
use crate::stored::Stored;
use crate::{MemoryIndex, Projection, ProjectionError};

/// Events read per step. A live model publishes what it applied as soon as it has caught up
/// with the head, so a query waiting for its own write is not held behind a long batch.
const READ_CHUNK: usize = 2_000;
/// Events read per step while rebuilding.
const CATCH_UP_CHUNK: usize = 5_000;
/// While a live model is behind, it applies steps until their writes reach this many keys,
/// then publishes them at once (the writes of a ticket's events collapse meanwhile).
const LIVE_WINDOW_KEYS: usize = 20_000;
/// A live model publishes each step to its in-memory [`Overlay`] and stores the overlay (one
/// delta in one sled batch with its checkpoint) once the oldest unstored write is this old...
const STORE_AFTER: Duration = Duration::from_millis(100);
/// ...or once the overlay holds this many keys. Hot keys (a history block, a day's
/// counters) are written once per delta instead of once per group commit.
const STORE_KEYS: usize = 4_000;
/// A live model whose events changed nothing (a ticket event for the KB model) stores its
/// checkpoint once it is this many events past the stored one: re-applying such events after
/// a crash changes nothing either, so exactly-once holds.
const IDLE_CHECKPOINT_EVERY: u64 = 10_000;

/// How far a rebuild has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RebuildProgress {
    /// Position the new model has reached.
    pub position: u64,
    /// The head when the rebuild last looked.
    pub target: u64,
}

/// A projection's health, as `/ready` and `/metrics` report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectionStatus {
    /// The projection's name.
    pub name: &'static str,
    /// The version of the code.
    pub version: u32,
    /// The position the live model reflects.
    pub position: u64,
    /// The log's durable head.
    pub head: u64,
    /// The error that stopped it, with the position it failed at.
    pub failure: Option<(u64, String)>,
    /// A rebuild in progress.
    pub rebuilding: Option<RebuildProgress>,
    /// Its in-memory index is still being loaded: it answers no query yet.
    pub loading: bool,
}

/// A query's minimum position was not reached in time.
#[derive(Debug, Clone, thiserror::Error)]
#[error("read models have not reached position {wanted} in time: {positions:?}")]
pub struct WaitError {
    /// The position asked for.
    pub wanted: u64,
    /// Where each projection read stands.
    pub positions: Vec<(&'static str, u64)>,
}

/// A generation of a model: its stored records, the writes applied but not yet stored, and
/// the in-memory index derived from both if it has one.
#[derive(Clone)]
struct Model {
    records: Stored,
    generation: Generation,
    memory: Option<Arc<dyn MemoryIndex>>,
    /// Applied writes not yet in `records` (a live model's; a rebuild merges its windows).
    overlay: Overlay,
    /// The position applied: the overlay and the records together reflect it.
    applied: Arc<AtomicU64>,
    /// The checkpoint persisted with `records`.
    stored: Arc<AtomicU64>,
    /// A frozen layer is being stored (true from freeze to the end of the write, whatever its
    /// outcome: a failed write leaves the layer in the overlay, still read).
    writing: Arc<AtomicBool>,
}

impl Model {
    /// Opens generation `generation` of `projection` over `records`, loading its in-memory
    /// index when `indexes` (queries will be served).
    fn open(
        projection: &dyn Projection,
        records: Stored,
        generation: Generation,
        indexes: bool,
    ) -> Result<Model, ProjectionError> {
        let checkpoint = changes::checkpoint(records.tree())?;
        let model = Model::unloaded(records, generation, checkpoint);
        let memory = if indexes {
            let view = ProjectionView::of_stored(model.records.clone(), checkpoint);
            projection.open_memory(&view)?
        } else {
            None
        };
        Ok(Model { memory, ..model })
    }

    /// A model over `records` (checkpoint `checkpoint`) without its in-memory index; the
    /// records are read on first use.
    fn unloaded(records: Stored, generation: Generation, checkpoint: u64) -> Model {
        Model {
            records,
            generation,
            memory: None,
            overlay: Overlay::default(),
            applied: Arc::new(AtomicU64::new(checkpoint)),
            stored: Arc::new(AtomicU64::new(checkpoint)),
            writing: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The overlay to store now, with the position it reaches: when `force`d and anything is
    /// unstored, or when it is due ([`STORE_AFTER`] since `dirty_since`, [`STORE_KEYS`],
    /// [`IDLE_CHECKPOINT_EVERY`]). `None` while a previous one is still being written. Call
    /// under the entry's apply lock, so that the layer and the position agree.
    fn freeze_due(&self, force: bool, dirty_since: Option<Instant>) -> Option<(Arc<Layer>, u64)> {
        let applied = self.applied.load(Ordering::Acquire);
        let unstored = applied - self.stored.load(Ordering::Acquire).min(applied);
        if unstored == 0 || self.overlay.is_flushing() {
            return None;
        }
        let (keys, _) = self.overlay.active_size();
        let due = force
            || keys >= STORE_KEYS
            || unstored >= IDLE_CHECKPOINT_EVERY
            || (keys > 0 && dirty_since.is_some_and(|t| t.elapsed() >= STORE_AFTER));
        if !due {
            return None;
        }
        let layer = self.overlay.freeze()?;
        self.writing.store(true, Ordering::Release);
        Some((layer, applied))
    }

    /// Stores a frozen layer as one delta with its checkpoint, off the async workers, then
    /// drops the layer (readers find its keys in the records from then on).
    async fn store(&self, layer: Arc<Layer>, position: u64) -> Result<(), ProjectionError> {
        let model = self.clone();
        tokio::task::spawn_blocking(move || {
            let _done = WritingDone(&model.writing);
            model.records.persist(&layer, position)?;
            model.stored.store(position, Ordering::Release);
            model.overlay.release_frozen();
            Ok(())
        })
        .await
        .map_err(|e| ProjectionError::Inconsistent(format!("storing a model stopped: {e}")))?
    }

    /// Waits until no layer of this model is being stored.
    async fn wait_stored(&self) {
        while self.writing.load(Ordering::Acquire) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    /// Waits until nothing of this model is being written, its background image included
    /// (before its tree and files are dropped).
    async fn wait_idle(&self) {
        self.wait_stored().await;
        while self.records.is_compacting() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

/// Clears a model's `writing` flag when its write ends, also by an error or a panic.
struct WritingDone<'a>(&'a AtomicBool);

impl Drop for WritingDone<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

struct Entry {
    projection: Arc<dyn Projection>,
    live: RwLock<Model>,
    /// Held while applying a chunk to the live model and while swapping models.
    apply: tokio::sync::Mutex<()>,
    position: watch::Sender<u64>,
    failure: Mutex<Option<(u64, String)>>,
    rebuilding: Mutex<Option<RebuildProgress>>,
    /// The live model was built by another version of the code: rebuild before following.
    stale: bool,
    /// The live model can answer queries: its in-memory index (if it keeps one) is loaded, or
    /// it is a stale model served as it is until its rebuild is swapped in. False from a
    /// deferred open until its task has loaded the index.
    loaded: AtomicBool,
}

impl Entry {
    fn live_model(&self) -> Model {
        match self.live.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn set_rebuilding(&self, progress: Option<RebuildProgress>) {
        if let Ok(mut r) = self.rebuilding.lock() {
            *r = progress;
        }
    }
}

/// When models load their in-memory indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Indexes {
    /// At open (tests, tools that query).
    Now,
    /// In each model's task, once started (the server).
    Deferred,
    /// Never: nothing will be queried (the replay tool).
    Never,
}

/// Runs a set of projections over one event log.
#[derive(Clone)]
pub struct ProjectionRunner {
    store: SledEventStore,
    registry: Arc<Registry>,
    entries: Arc<Vec<Arc<Entry>>>,
    /// The newest events, read once for all live models.
    tail: Arc<tail::Tail>,
    /// Whether models keep their in-memory indexes (false: nothing will be queried).
    indexes: bool,
}

impl ProjectionRunner {
    /// Opens every projection's live model (creating empty ones on first start). Nothing runs
    /// until [`ProjectionRunner::start`].
    pub fn open(
        store: SledEventStore,
        projections: Vec<Arc<dyn Projection>>,
    ) -> Result<ProjectionRunner, ProjectionError> {
        Self::open_with(store, projections, Indexes::Now)
    }

    /// [`ProjectionRunner::open`] for the server: returns at once, and each model's task
    /// loads its in-memory index when started (the views index of a million tickets takes
    /// seconds to load), so the server binds and answers `/health` meanwhile. Until its index
    /// is loaded a model answers no query ([`ProjectionError::Loading`]) and reports
    /// `loading` in its status.
    pub fn open_deferred(
        store: SledEventStore,
        projections: Vec<Arc<dyn Projection>>,
    ) -> Result<ProjectionRunner, ProjectionError> {
        Self::open_with(store, projections, Indexes::Deferred)
    }

    /// [`ProjectionRunner::open`] for maintenance (the replay tool): models are rebuilt,
    /// caught up and digested but never queried, so no in-memory index is loaded or kept
    /// (loading the views index of a large desk takes seconds, keeping it up costs CPU).
    /// Queries of a model that needs its index fail with an error.
    pub fn open_offline(
        store: SledEventStore,
        projections: Vec<Arc<dyn Projection>>,
    ) -> Result<ProjectionRunner, ProjectionError> {
        Self::open_with(store, projections, Indexes::Never)
    }

    fn open_with(
        store: SledEventStore,
        projections: Vec<Arc<dyn Projection>>,
        indexes: Indexes,
    ) -> Result<ProjectionRunner, ProjectionError> {
        let db = store.db().clone();
        let registry = Registry::open(&db)?;
        let mut entries = Vec::with_capacity(projections.len());
        for projection in projections {
            let name = projection.name();
            let live = match registry.live(name)? {
                Some(g) => g,
                None => {
                    let g = Generation {
                        version: projection.version(),
                        generation: 1,
                    };
                    registry.set_live(name, g)?;
                    g
                }
            };
            let records = open_records(&store, name, live.generation)?;
            let position = changes::checkpoint(records.tree())?;
            let stale = live.version != projection.version();
            // A stale model is rebuilt before anything reads it: do not load its index.
            let model = if stale || indexes == Indexes::Deferred {
                Model::unloaded(records, live, position)
            } else {
                Model::open(projection.as_ref(), records, live, indexes == Indexes::Now)?
            };
            entries.push(Arc::new(Entry {
                stale,
                projection,
                live: RwLock::new(model),
                apply: tokio::sync::Mutex::new(()),
                position: watch::channel(position).0,
                failure: Mutex::new(None),
                rebuilding: Mutex::new(None),
                // A stale model is read as it is until its rebuild is swapped in (without
                // an index: its records may predate this code); a deferred one once its task
                // has read its records.
                loaded: AtomicBool::new(indexes != Indexes::Deferred),
            }));
        }
        Ok(ProjectionRunner {
            store,
            registry: Arc::new(registry),
            entries: Arc::new(entries),
            tail: Arc::default(),
            indexes: indexes != Indexes::Never,
        })
    }

    fn entry(&self, name: &str) -> Result<&Arc<Entry>, ProjectionError> {
        self.entries
            .iter()
            .find(|e| e.projection.name() == name)
            .ok_or_else(|| ProjectionError::Unknown(name.to_owned()))
    }

    /// Starts one task per projection; they stop when `shutdown` turns true, after finishing
    /// the chunk in hand.
    pub fn start(&self, shutdown: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
        self.entries
            .iter()
            .map(|entry| {
                let runner = self.clone();
                let entry = entry.clone();
                let shutdown = shutdown.clone();
                tokio::spawn(async move { runner.run(entry, shutdown).await })
            })
            .collect()
    }

    async fn run(&self, entry: Arc<Entry>, mut shutdown: watch::Receiver<bool>) {
        let name = entry.projection.name();
        if entry.stale {
            if !entry.loaded.load(Ordering::Acquire) {
                // Queries read the old model until the rebuild is swapped in.
                if let Err(e) = self.load_records(&entry).await {
                    self.fail(&entry, e);
                    return;
                }
                entry.loaded.store(true, Ordering::Release);
            }
            tracing::info!(projection = name, "projection version changed: rebuilding");
            if let Err(e) = self.rebuild_entry(&entry).await {
                self.fail(&entry, e);
                return;
            }
        } else if !entry.loaded.load(Ordering::Acquire) {
            if let Err(e) = self.load_index(&entry).await {
                self.fail(&entry, e);
                return;
            }
        }
        entry.loaded.store(true, Ordering::Release);
        if let Err(e) = self.follow(&entry, &mut shutdown).await {
            self.fail(&entry, e);
            return;
        }
        // A clean stop stores what is applied, so the next start has nothing to re-apply.
        if let Err(e) = self.store_entry(&entry, true).await {
            self.fail(&entry, e);
        }
    }

    /// Applies the log as it grows, publishing each step to the overlay at once and storing
    /// the overlay in the background when it is due; returns on shutdown.
    async fn follow(
        &self,
        entry: &Entry,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<(), ProjectionError> {
        let mut head = self.store.subscribe();
        let mut storing: Option<JoinHandle<Result<(), ProjectionError>>> = None;
        // When the overlay got its oldest unstored write.
        let mut dirty_since: Option<Instant> = None;
        loop {
            if *shutdown.borrow() {
                if let Some(task) = storing.take() {
                    join_store(task).await?;
                }
                return Ok(());
            }
            if storing.as_ref().is_some_and(|t| t.is_finished()) {
                if let Some(task) = storing.take() {
                    join_store(task).await?;
                }
            }
            let (step, frozen) = {
                let _guard = entry.apply.lock().await;
                let model = entry.live_model();
                let step =
                    apply_chunk(&self.store, &self.tail, entry.projection.as_ref(), &model).await?;
                let (keys, _) = model.overlay.active_size();
                if keys == 0 {
                    dirty_since = None;
                } else if dirty_since.is_none() {
                    dirty_since = Some(Instant::now());
                }
                if keys >= LIVE_WINDOW_KEYS {
                    // Far behind and the previous layer not yet stored: wait for it, so
                    // memory holds at most two layers.
                    if let Some(task) = storing.take() {
                        join_store(task).await?;
                    }
                }
                let frozen = model
                    .freeze_due(false, dirty_since)
                    .map(|(layer, position)| (model, layer, position));
                (step, frozen)
            };
            if let Some((model, layer, position)) = frozen {
                dirty_since = None;
                storing = Some(tokio::spawn(
                    async move { model.store(layer, position).await },
                ));
            }
            match step {
                Some(position) => {
                    entry.position.send_replace(position);
                }
                None => {
                    // Wake for the next append, or when the overlay is due to be stored.
                    let due = dirty_since.map(|t| t + STORE_AFTER).or_else(|| {
                        storing
                            .is_some()
                            .then(|| Instant::now() + Duration::from_millis(5))
                    });
                    let sleep = async {
                        match due {
                            Some(at) => tokio::time::sleep_until(at.into()).await,
                            None => std::future::pending().await,
                        }
                    };
                    tokio::select! {
                        changed = head.changed() => if changed.is_err() { return Ok(()) },
                        _ = shutdown.changed() => {}
                        _ = sleep => {}
                    }
                }
            }
        }
    }

    /// Stores `entry`'s overlay now if anything is unstored (`force`), or if it is due by
    /// size; waits for a store already under way first.
    async fn store_entry(&self, entry: &Entry, force: bool) -> Result<(), ProjectionError> {
        let _guard = entry.apply.lock().await;
        let model = entry.live_model();
        model.wait_stored().await;
        if let Some((layer, position)) = model.freeze_due(force, None) {
            model.store(layer, position).await?;
        }
        Ok(())
    }

    /// Stores every model's applied writes: for the replay tool and tests, after
    /// [`ProjectionRunner::catch_up`] (a running model stores its own, and on shutdown).
    pub async fn store_all(&self) -> Result<(), ProjectionError> {
        for entry in self.entries.iter() {
            self.store_entry(entry, true).await?;
        }
        Ok(())
    }

    /// Reads the live model's records (a deferred open), off the async workers.
    async fn load_records(&self, entry: &Entry) -> Result<(), ProjectionError> {
        let records = entry.live_model().records;
        tokio::task::spawn_blocking(move || records.load())
            .await
            .map_err(|e| ProjectionError::Inconsistent(format!("loading a model stopped: {e}")))?
    }

    /// Loads the live model's records and in-memory index (a deferred open), off the async workers and
    /// under the apply lock, so that it is derived from exactly the checkpointed model.
    async fn load_index(&self, entry: &Entry) -> Result<(), ProjectionError> {
        let _guard = entry.apply.lock().await;
        let model = entry.live_model();
        let projection = entry.projection.clone();
        let started = std::time::Instant::now();
        let memory = tokio::task::spawn_blocking(move || {
            let view = ProjectionView {
                overlay: Some(model.overlay.clone()),
                ..ProjectionView::of_stored(
                    model.records.clone(),
                    model.applied.load(Ordering::Acquire),
                )
            };
            model.records.load()?;
            projection.open_memory(&view)
        })
        .await
        .map_err(|e| ProjectionError::Inconsistent(format!("loading an index stopped: {e}")))??;
        if memory.is_some() {
            tracing::info!(
                projection = entry.projection.name(),
                seconds = started.elapsed().as_secs_f64(),
                "in-memory index loaded"
            );
        }
        match entry.live.write() {
            Ok(mut live) => live.memory = memory,
            Err(p) => p.into_inner().memory = memory,
        }
        Ok(())
    }

    fn fail(&self, entry: &Entry, error: ProjectionError) {
        let position = *entry.position.borrow() + 1;
        tracing::error!(projection = entry.projection.name(), position, error = %error, "projection stopped");
        if let Ok(mut f) = entry.failure.lock() {
            *f = Some((position, error.to_string()));
        }
    }

    /// Waits until every model answers queries (its index loaded, or it failed), at most
    /// `timeout`; whether they all do. The server waits a little before it binds, so that a
    /// small desk starts with every model loaded and a large one binds anyway.
    pub async fn wait_loaded(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let done = self.entries.iter().all(|e| {
                e.loaded.load(Ordering::Acquire) || e.failure.lock().map_or(true, |f| f.is_some())
            });
            if done {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Applies everything up to the current head to every projection, in this task: for the
    /// replay tool and tests, where no runner tasks run.
    pub async fn catch_up(&self) -> Result<u64, ProjectionError> {
        for entry in self.entries.iter() {
            if entry.stale {
                self.rebuild_entry(entry).await?;
            }
            let _guard = entry.apply.lock().await;
            let model = entry.live_model();
            while let Some(position) =
                apply_chunk(&self.store, &self.tail, entry.projection.as_ref(), &model).await?
            {
                entry.position.send_replace(position);
                // Bounded memory on a long catch-up: store full layers as they come.
                model.wait_stored().await;
                if let Some((layer, position)) = model.freeze_due(false, None) {
                    model.store(layer, position).await?;
                }
            }
        }
        Ok(self.store.head())
    }

    /// A read handle on `name`'s live model.
    pub fn view(&self, name: &str) -> Result<ProjectionView, ProjectionError> {
        let entry = self.entry(name)?;
        if !entry.loaded.load(Ordering::Acquire) {
            return Err(ProjectionError::Loading(name.to_owned()));
        }
        let position = *entry.position.borrow();
        let model = entry.live_model();
        Ok(ProjectionView {
            stored: model.records,
            overlay: Some(model.overlay),
            position,
            memory: model.memory,
        })
    }

    /// Waits until every projection in `names` has reached `position`, at most `timeout`.
    pub async fn wait_for(
        &self,
        names: &[&str],
        position: u64,
        timeout: Duration,
    ) -> Result<(), WaitError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut receivers = Vec::new();
        for name in names {
            if let Ok(entry) = self.entry(name) {
                receivers.push(entry.position.subscribe());
            }
        }
        for rx in &mut receivers {
            let reached = tokio::time::timeout_at(deadline, rx.wait_for(|p| *p >= position)).await;
            if !matches!(reached, Ok(Ok(_))) {
                return Err(WaitError {
                    wanted: position,
                    positions: names
                        .iter()
                        .filter_map(|n| {
                            self.entry(n)
                                .ok()
                                .map(|e| (e.projection.name(), *e.position.borrow()))
                        })
                        .collect(),
                });
            }
        }
        Ok(())
    }

    /// The content digest of `name`'s live model: a rebuild of the same log gives the same.
    pub fn digest(&self, name: &str) -> Result<String, ProjectionError> {
        let model = self.entry(name)?.live_model();
        let view = ProjectionView {
            overlay: Some(model.overlay),
            ..ProjectionView::of_stored(model.records, 0)
        };
        changes::digest(&view)
    }

    /// Every projection's position, failure and rebuild progress.
    pub fn status(&self) -> Vec<ProjectionStatus> {
        let head = self.store.head();
        self.entries
            .iter()
            .map(|e| ProjectionStatus {
                name: e.projection.name(),
                version: e.projection.version(),
                position: *e.position.borrow(),
                head,
                failure: e.failure.lock().ok().and_then(|f| f.clone()),
                rebuilding: e.rebuilding.lock().ok().and_then(|r| *r),
                loading: !e.loaded.load(Ordering::Acquire),
            })
            .collect()
    }
}

/// Applies what follows the model's applied position, up to the head or until the writes
/// reach [`LIVE_WINDOW_KEYS`], and publishes them: to the overlay (queries read it), then to
/// the in-memory index; `None` when there was nothing to apply. Storing the overlay is the
/// caller's ([`Model::freeze_due`]).
async fn apply_chunk(
    store: &SledEventStore,
    tail: &tail::Tail,
    projection: &dyn Projection,
    model: &Model,
) -> Result<Option<u64>, ProjectionError> {
    let applied = model.applied.load(Ordering::Acquire);
    let mut changes = Changes::over(&model.records, &model.overlay);
    let mut last = applied;
    loop {
        let events = tail.read(store, last + 1, READ_CHUNK).await?;
        let events = events.as_slice();
        for event in events {
            projection.apply(&mut changes, event)?;
        }
        last = events.last().map_or(last, |e| e.position);
        if events.len() < READ_CHUNK || changes.len() >= LIVE_WINDOW_KEYS {
            break;
        }
    }
    if last == applied {
        return Ok(None);
    }
    let writes = changes.into_writes();
    model.overlay.commit(&writes);
    if let Some(memory) = &model.memory {
        memory.committed(&writes, last)?;
    }
    model.applied.store(last, Ordering::Release);
    Ok(Some(last))
}

/// The stored records of generation `generation` of model `name`.
pub(crate) fn open_records(
    store: &SledEventStore,
    name: &str,
    generation: u64,
) -> Result<Stored, ProjectionError> {
    let tree = store.db().open_tree(tree_name(name, generation))?;
    Ok(Stored::new(tree, model_dir(store.path(), name, generation)))
}

/// Drops generation `generation` of model `name`: its tree and its image files.
fn drop_generation(
    store: &SledEventStore,
    name: &str,
    generation: u64,
) -> Result<(), ProjectionError> {
    store.db().drop_tree(tree_name(name, generation))?;
    crate::stored::remove_dir(&model_dir(store.path(), name, generation))
}

/// The outcome of a background store.
async fn join_store(task: JoinHandle<Result<(), ProjectionError>>) -> Result<(), ProjectionError> {
    task.await
        .map_err(|e| ProjectionError::Inconsistent(format!("storing a model stopped: {e}")))?
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ledgerdesk_core::{
        Actor, AppendMeta, AppendRequest, EventStore, ExpectedVersion, NewEvent, RecordedEvent,
        SledEventStore, StoreConfig, StreamId, StreamKind,
    };

    use super::*;

    /// One key per event (`e/<position>`), so a window of many events takes several batches.
    struct PerEvent(u32);

    impl Projection for PerEvent {
        fn name(&self) -> &'static str {
            "per-event"
        }
        fn version(&self) -> u32 {
            self.0
        }
        fn apply(
            &self,
            changes: &mut Changes<'_>,
            event: &RecordedEvent,
        ) -> Result<(), ProjectionError> {
            let key = format!("e/{:020}", event.position);
            changes.insert(key.as_bytes(), self.0.to_be_bytes().to_vec());
            Ok(())
        }
    }

    /// A crash while a rebuild of the earlier key-per-record layout wrote a window in several
    /// batches left its marker; the next rebuild drops what it finds and starts over, so
    /// nothing written past the checkpoint survives.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_half_written_rebuild_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledEventStore::open(dir.path(), StoreConfig::default()).unwrap();
        for _ in 0..5 {
            append(&store, "x", 500).await;
        }
        let v1 = ProjectionRunner::open(store.clone(), vec![Arc::new(PerEvent(1))]).unwrap();
        v1.catch_up().await.unwrap();
        drop(v1);

        // What a crash in the middle of `write_window` of a version-2 rebuild leaves behind:
        // the marker, a key written past the checkpoint, the registry saying "building".
        let registry = Registry::open(store.db()).unwrap();
        let building = Generation {
            version: 2,
            generation: 2,
        };
        registry.start_building("per-event", building).unwrap();
        let half = store.db().open_tree(tree_name("per-event", 2)).unwrap();
        half.insert(changes::FLUSHING_KEY, &7u64.to_be_bytes()[..])
            .unwrap();
        // A record in the key-per-record layout of the time.
        half.insert(&b"\x00stray"[..], &b"x"[..]).unwrap();
        half.insert(changes::CHECKPOINT_KEY, &5u64.to_be_bytes()[..])
            .unwrap();

        let v2 = ProjectionRunner::open(store.clone(), vec![Arc::new(PerEvent(2))]).unwrap();
        v2.catch_up().await.unwrap();
        let view = v2.view("per-event").unwrap();
        assert_eq!(view.get(b"stray").unwrap(), None);
        assert_eq!(view.position(), store.head());
        let all: Vec<_> = view
            .scan(b"e/", None, false)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(all.len() as u64, store.head());
        assert!(all.iter().all(|(_, v)| v == &2u32.to_be_bytes()));
        assert!(!view
            .stored
            .tree()
            .contains_key(changes::FLUSHING_KEY)
            .unwrap());
    }

    /// Writes only for events of type "keep" (and removes the first on "drop-first").
    struct KeepOnly;

    impl Projection for KeepOnly {
        fn name(&self) -> &'static str {
            "keep-only"
        }
        fn version(&self) -> u32 {
            1
        }
        fn apply(
            &self,
            changes: &mut Changes<'_>,
            event: &RecordedEvent,
        ) -> Result<(), ProjectionError> {
            if event.event_type == "keep" {
                let key = format!("k/{:020}", event.position);
                changes.insert(key.as_bytes(), Vec::new());
            }
            if event.event_type == "drop-first" {
                changes.remove(format!("k/{:020}", 1).as_bytes());
            }
            Ok(())
        }
    }

    /// Appends `count` events of `event_type` to a new stream.
    pub(super) async fn append(store: &SledEventStore, event_type: &str, count: usize) {
        let events = (0..count)
            .map(|_| NewEvent {
                event_id: ulid::Ulid::new(),
                event_type: event_type.to_owned(),
                schema_version: 1,
                payload: Vec::new(),
            })
            .collect();
        store
            .append(AppendRequest::new(
                StreamId::generate(StreamKind::Ticket),
                ExpectedVersion::Any,
                AppendMeta::new(Actor::System),
                events,
            ))
            .await
            .unwrap();
    }

    /// The checkpoint stored in `name`'s live tree.
    fn stored(runner: &ProjectionRunner, name: &str) -> u64 {
        changes::checkpoint(runner.entry(name).unwrap().live_model().records.tree()).unwrap()
    }

    /// Applied steps are answered from memory before anything is stored; a restart without a
    /// store re-applies them from the stored checkpoint to the same model, and a store makes
    /// the tree hold them with their checkpoint.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn applied_steps_are_answered_from_memory_and_a_restart_reapplies_what_was_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledEventStore::open(dir.path(), StoreConfig::default()).unwrap();
        append(&store, "keep", 3).await;
        append(&store, "skip", 300).await;
        let runner = ProjectionRunner::open(store.clone(), vec![Arc::new(KeepOnly)]).unwrap();
        runner.catch_up().await.unwrap();
        let view = runner.view("keep-only").unwrap();
        assert_eq!(view.position(), 303);
        assert_eq!(view.scan(b"k/", None, false).count(), 3);
        assert_eq!(stored(&runner, "keep-only"), 0, "nothing stored yet");
        assert!(view.stored.tree().iter().next().is_none());
        let digest = runner.digest("keep-only").unwrap();
        drop((view, runner));

        // As after a crash: the overlay is gone, the stored model is empty at 0.
        let runner = ProjectionRunner::open(store.clone(), vec![Arc::new(KeepOnly)]).unwrap();
        assert_eq!(runner.view("keep-only").unwrap().position(), 0);
        runner.catch_up().await.unwrap();
        assert_eq!(runner.digest("keep-only").unwrap(), digest);
        runner.store_all().await.unwrap();
        assert_eq!(stored(&runner, "keep-only"), 303);
        drop(runner);

        let runner = ProjectionRunner::open(store.clone(), vec![Arc::new(KeepOnly)]).unwrap();
        assert_eq!(runner.view("keep-only").unwrap().position(), 303);
        assert_eq!(runner.digest("keep-only").unwrap(), digest);

        // A long stretch of events that change nothing stores its checkpoint on its own.
        for _ in 0..(IDLE_CHECKPOINT_EVERY as usize).div_ceil(1_000) {
            append(&store, "skip", 1_000).await;
        }
        runner.catch_up().await.unwrap();
        assert!(stored(&runner, "keep-only") >= 303 + IDLE_CHECKPOINT_EVERY);
    }

    /// A running model stores its overlay shortly after a write, and on shutdown; a later
    /// write removing a stored key hides it at once, before it is stored.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_running_model_stores_what_it_applied_soon_after_and_on_shutdown() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledEventStore::open(dir.path(), StoreConfig::default()).unwrap();
        let runner = ProjectionRunner::open(store.clone(), vec![Arc::new(KeepOnly)]).unwrap();
        let (stop, shutdown) = watch::channel(false);
        let tasks = runner.start(shutdown);
        append(&store, "keep", 4).await;
        runner
            .wait_for(&["keep-only"], 4, Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(
            runner
                .view("keep-only")
                .unwrap()
                .scan(b"k/", None, false)
                .count(),
            4
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while stored(&runner, "keep-only") < 4 {
            assert!(Instant::now() < deadline, "the overlay was never stored");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }

        append(&store, "drop-first", 1).await;
        runner
            .wait_for(&["keep-only"], 5, Duration::from_secs(10))
            .await
            .unwrap();
        let view = runner.view("keep-only").unwrap();
        let keys: Vec<_> = view
            .scan(b"k/", None, false)
            .map(|r| r.unwrap().0)
            .collect();
        assert_eq!(keys.len(), 3, "the removal hides the stored key: {keys:?}");
        let back: Vec<_> = view.scan(b"k/", None, true).map(|r| r.unwrap().0).collect();
        assert_eq!(back, keys.iter().rev().cloned().collect::<Vec<_>>());
        assert_eq!(view.get(b"k/00000000000000000001").unwrap(), None);

        // Applied, not yet due to be stored: the shutdown stores it.
        append(&store, "keep", 1).await;
        runner
            .wait_for(&["keep-only"], 6, Duration::from_secs(10))
            .await
            .unwrap();
        stop.send_replace(true);
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(stored(&runner, "keep-only"), 6);
    }

    /// A deferred open answers no query and reports `loading` until the model's task has
    /// loaded it; then it answers as an eager open does.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_deferred_open_answers_queries_once_its_task_has_loaded_the_model() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledEventStore::open(dir.path(), StoreConfig::default()).unwrap();
        append(&store, "keep", 5).await;
        let runner =
            ProjectionRunner::open_deferred(store.clone(), vec![Arc::new(KeepOnly)]).unwrap();
        assert!(matches!(
            runner.view("keep-only"),
            Err(ProjectionError::Loading(name)) if name == "keep-only"
        ));
        assert!(runner.status()[0].loading);
        assert!(!runner.wait_loaded(Duration::from_millis(20)).await);

        let (stop, shutdown) = watch::channel(false);
        let tasks = runner.start(shutdown);
        assert!(runner.wait_loaded(Duration::from_secs(10)).await);
        assert!(!runner.status()[0].loading);
        runner
            .wait_for(&["keep-only"], 5, Duration::from_secs(10))
            .await
            .unwrap();
        let view = runner.view("keep-only").unwrap();
        assert_eq!(view.scan(b"k/", None, false).count(), 5);
        stop.send_replace(true);
        for task in tasks {
            task.await.unwrap();
        }
    }
}
