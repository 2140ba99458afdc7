//! The projection runner: one task per projection, catching up in chunks, then following the
//! head; rebuilds into fresh trees with an atomic swap.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use ledgerdesk_core::{EventStore, SledEventStore};
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

mod rebuild;

use crate::changes::{self, Changes, ProjectionView};
use crate::registry::{tree_name, Generation, Registry};
use crate::{MemoryIndex, Projection, ProjectionError};

/// Events read per step. A live model writes what it applied as soon as it has caught up with
/// the head, so a query waiting for its own write is not held behind a long batch.
const READ_CHUNK: usize = 2_000;
/// Events read per step while rebuilding.
const CATCH_UP_CHUNK: usize = 5_000;
/// While a live model is behind, it applies steps until its pending writes reach this many
/// keys, then writes them in one batch with the checkpoint (the writes of a ticket's events
/// collapse meanwhile; one batch keeps each event applied exactly once).
const LIVE_WINDOW_KEYS: usize = 20_000;
/// A live model whose events changed nothing (a ticket event for the KB model) advances in
/// memory only, and writes its checkpoint once it is this many events past the stored one:
/// re-applying such events after a crash changes nothing either, so exactly-once holds, and
/// most models no longer write a batch for every chunk of the log.
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

/// A generation of a model: its tree, and the in-memory index derived from it if it has one.
#[derive(Clone)]
struct Model {
    tree: sled::Tree,
    generation: Generation,
    memory: Option<Arc<dyn MemoryIndex>>,
    /// The position applied: the stored checkpoint, or past it by events that wrote nothing
    /// (see [`IDLE_CHECKPOINT_EVERY`]).
    applied: Arc<AtomicU64>,
}

impl Model {
    /// Opens generation `generation` of `projection` in `tree`, loading its in-memory index
    /// when `indexes` (queries will be served).
    fn open(
        projection: &dyn Projection,
        tree: sled::Tree,
        generation: Generation,
        indexes: bool,
    ) -> Result<Model, ProjectionError> {
        let checkpoint = changes::checkpoint(&tree)?;
        let view = ProjectionView {
            position: checkpoint,
            tree: tree.clone(),
            memory: None,
        };
        let memory = if indexes {
            projection.open_memory(&view)?
        } else {
            None
        };
        Ok(Model {
            tree,
            generation,
            memory,
            applied: Arc::new(AtomicU64::new(checkpoint)),
        })
    }
}

struct Entry {
    projection: Arc<dyn Projection>,
    live: RwLock<Model>,
    /// Held while applying a chunk to the live tree and while swapping trees.
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

    fn live_tree(&self) -> sled::Tree {
        self.live_model().tree
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
            let tree = db.open_tree(tree_name(name, live.generation))?;
            let position = changes::checkpoint(&tree)?;
            let stale = live.version != projection.version();
            // A stale model is rebuilt before anything reads it: do not load its index.
            let model = if stale || indexes == Indexes::Deferred {
                Model {
                    tree,
                    generation: live,
                    memory: None,
                    applied: Arc::new(AtomicU64::new(position)),
                }
            } else {
                Model::open(projection.as_ref(), tree, live, indexes == Indexes::Now)?
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
                // an index: its records may predate this code); a deferred one once loaded.
                loaded: AtomicBool::new(stale || indexes != Indexes::Deferred),
            }));
        }
        Ok(ProjectionRunner {
            store,
            registry: Arc::new(registry),
            entries: Arc::new(entries),
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
        let mut head = self.store.subscribe();
        loop {
            if *shutdown.borrow() {
                return;
            }
            let step = {
                let _guard = entry.apply.lock().await;
                let model = entry.live_model();
                apply_chunk(&self.store, entry.projection.as_ref(), &model).await
            };
            match step {
                Ok(Some(position)) => {
                    entry.position.send_replace(position);
                }
                Ok(None) => {
                    tokio::select! {
                        changed = head.changed() => if changed.is_err() { return },
                        _ = shutdown.changed() => {}
                    }
                }
                Err(e) => {
                    self.fail(&entry, e);
                    return;
                }
            }
        }
    }

    /// Loads the live model's in-memory index (a deferred open), off the async workers and
    /// under the apply lock, so that it is derived from exactly the checkpointed model.
    async fn load_index(&self, entry: &Entry) -> Result<(), ProjectionError> {
        let _guard = entry.apply.lock().await;
        let model = entry.live_model();
        let projection = entry.projection.clone();
        let started = std::time::Instant::now();
        let memory = tokio::task::spawn_blocking(move || {
            let view = ProjectionView {
                position: model.applied.load(Ordering::Acquire),
                tree: model.tree.clone(),
                memory: None,
            };
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
                apply_chunk(&self.store, entry.projection.as_ref(), &model).await?
            {
                entry.position.send_replace(position);
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
            tree: model.tree,
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
        changes::digest(&self.entry(name)?.live_tree())
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

/// Applies what follows the model's applied position, up to the head or until the pending
/// writes reach [`LIVE_WINDOW_KEYS`], writes it in one batch with the new checkpoint, then
/// tells the in-memory index; `None` when there was nothing to apply. Events that wrote
/// nothing only move the position in memory, until [`IDLE_CHECKPOINT_EVERY`].
async fn apply_chunk(
    store: &SledEventStore,
    projection: &dyn Projection,
    model: &Model,
) -> Result<Option<u64>, ProjectionError> {
    let tree = &model.tree;
    let applied = model.applied.load(Ordering::Acquire);
    let mut changes = Changes::new(tree);
    let mut last = applied;
    loop {
        let events = store.read_all(last + 1, READ_CHUNK).await?;
        for event in &events {
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
    if !writes.is_empty() || last - changes::checkpoint(tree)? >= IDLE_CHECKPOINT_EVERY {
        tree.apply_batch(changes::batch_of(&writes, Some(last)))?;
    }
    if let Some(memory) = &model.memory {
        memory.committed(&writes, last)?;
    }
    model.applied.store(last, Ordering::Release);
    Ok(Some(last))
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

    /// A crash while a rebuild wrote a window in several batches leaves the marker; the next
    /// rebuild drops what it finds and starts over, so nothing written past the checkpoint
    /// survives.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_half_written_rebuild_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledEventStore::open(dir.path(), StoreConfig::default()).unwrap();
        for _ in 0..(rebuild::WINDOW_BATCH_KEYS + 10).div_ceil(500) {
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
        half.insert(changes::data_key(b"stray"), &b"x"[..]).unwrap();
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
        assert!(!view.tree.contains_key(changes::FLUSHING_KEY).unwrap());
    }

    /// Writes only for events of type "keep".
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

    /// Events that change nothing move a live model's position without a write; the stored
    /// checkpoint follows with the next write (or after [`IDLE_CHECKPOINT_EVERY`] events), and
    /// a restart re-applies the idle events to the same model.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn events_that_change_nothing_write_no_checkpoint_until_a_write_or_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledEventStore::open(dir.path(), StoreConfig::default()).unwrap();
        append(&store, "keep", 3).await;
        let runner = ProjectionRunner::open(store.clone(), vec![Arc::new(KeepOnly)]).unwrap();
        runner.catch_up().await.unwrap();
        append(&store, "skip", 300).await;
        runner.catch_up().await.unwrap();
        let stored = |runner: &ProjectionRunner| {
            changes::checkpoint(&runner.entry("keep-only").unwrap().live_tree()).unwrap()
        };
        assert_eq!(runner.view("keep-only").unwrap().position(), 303);
        assert_eq!(stored(&runner), 3, "idle events wrote a checkpoint");
        let digest = runner.digest("keep-only").unwrap();
        drop(runner);

        // A restart resumes from the stored checkpoint and ends where the first run did.
        let runner = ProjectionRunner::open(store.clone(), vec![Arc::new(KeepOnly)]).unwrap();
        assert_eq!(runner.view("keep-only").unwrap().position(), 3);
        runner.catch_up().await.unwrap();
        assert_eq!(runner.view("keep-only").unwrap().position(), 303);
        assert_eq!(runner.digest("keep-only").unwrap(), digest);

        // The next write carries the checkpoint; so does a long idle stretch.
        append(&store, "keep", 1).await;
        runner.catch_up().await.unwrap();
        assert_eq!(stored(&runner), 304);
        for _ in 0..(IDLE_CHECKPOINT_EVERY as usize).div_ceil(1_000) {
            append(&store, "skip", 1_000).await;
        }
        runner.catch_up().await.unwrap();
        assert_eq!(stored(&runner), store.head());
        let view = runner.view("keep-only").unwrap();
        assert_eq!(view.scan(b"k/", None, false).count(), 4);
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
