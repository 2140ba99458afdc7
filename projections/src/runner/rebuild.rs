//! Rebuilds: a model folded from the log into a fresh generation, then swapped in.
//!
//! A rebuild folds in memory: its writes collect in a window of up to
//! [`REBUILD_WINDOW_BYTES`] (a ticket's many events collapse into one write per key), which is
//! then merged into the new model's records. Nothing reaches sled until the fold is done: the
//! records are then written as one image with its checkpoint (`crate::stored`), so a crash
//! leaves either no rebuilt model or a whole one. Several models rebuilt together share one
//! reader of the log: each chunk is read and decoded once and handed to every model.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ledgerdesk_core::{EventStore, RecordedEvent};
use tokio::sync::mpsc;

use super::{Entry, Model, ProjectionRunner, RebuildProgress, CATCH_UP_CHUNK};
use crate::changes::{self, Changes};
use crate::registry::{tree_name, Generation};
use crate::ProjectionError;

/// How much a rebuild's window holds before it is merged into the model's records (and told
/// to its in-memory index): until then the writes of a ticket's many events collapse into one
/// per key. Measured by what the window holds, not by how often a key was rewritten.
const REBUILD_WINDOW_BYTES: usize = 32 << 20;
/// Chunks the shared reader may be ahead of the slowest model it feeds.
const SHARED_CHUNKS_AHEAD: usize = 4;

/// A chunk of the log, shared by the models that rebuild from it.
type Chunk = Arc<Vec<RecordedEvent>>;

/// Where a rebuilding model gets its events.
enum Source {
    /// It reads the log itself.
    Own,
    /// A shared reader sends it chunks until the head it saw; an error ends the stream.
    Shared(mpsc::Receiver<Result<Chunk, ProjectionError>>),
}

impl Source {
    /// The next chunk after `applied`, or `None` when the log (as far as this source reads
    /// it) is exhausted. Shared chunks may start at or before `applied`: callers skip those.
    async fn next(
        &mut self,
        runner: &ProjectionRunner,
        applied: u64,
    ) -> Result<Option<Chunk>, ProjectionError> {
        match self {
            Source::Own => {
                let events = runner.store.read_all(applied + 1, CATCH_UP_CHUNK).await?;
                Ok((!events.is_empty()).then(|| Arc::new(events)))
            }
            Source::Shared(rx) => rx.recv().await.transpose(),
        }
    }
}

/// A model being rebuilt: its fresh generation and how far it has come.
struct Building {
    model: Model,
    target: Generation,
    applied: u64,
}

impl ProjectionRunner {
    /// Rebuilds `name` from the log into a fresh generation and swaps it in; queries read the
    /// old model meanwhile. Resumes an interrupted rebuild of the same version from its
    /// checkpoint.
    pub async fn rebuild(&self, name: &str) -> Result<(), ProjectionError> {
        let entry = self.entry(name)?.clone();
        self.rebuild_entry(&entry).await
    }

    /// Rebuilds every projection in `names` at once, one task each, fed by one shared reader
    /// of the log (each chunk is read and decoded once for all of them). Answers how long each
    /// took, in the order of `names`; the first error is returned after every rebuild has
    /// finished.
    pub async fn rebuild_all(&self, names: &[&str]) -> Result<Vec<Duration>, ProjectionError> {
        let started = Instant::now();
        let mut builds = Vec::with_capacity(names.len());
        for name in names {
            let entry = self.entry(name)?.clone();
            let building = self.prepare(&entry)?;
            builds.push((entry, building));
        }
        let from = builds.iter().map(|(_, b)| b.applied).min().unwrap_or(0);
        let mut senders = Vec::with_capacity(builds.len());
        let mut tasks = Vec::with_capacity(builds.len());
        for (entry, building) in builds {
            let (tx, rx) = mpsc::channel(SHARED_CHUNKS_AHEAD);
            senders.push(tx);
            let runner = self.clone();
            tasks.push(tokio::spawn(async move {
                runner
                    .fold_and_swap(&entry, building, Source::Shared(rx))
                    .await
                    .map(|()| started.elapsed())
            }));
        }
        let reader = tokio::spawn(share_log(self.clone(), from, senders));
        let mut took = Vec::with_capacity(tasks.len());
        let mut first_error = None;
        for task in tasks {
            let result = task.await.unwrap_or_else(|e| {
                Err(ProjectionError::Inconsistent(format!(
                    "a rebuild task stopped: {e}"
                )))
            });
            match result {
                Ok(d) => took.push(d),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if let Err(e) = reader.await {
            first_error.get_or_insert(ProjectionError::Inconsistent(format!(
                "the rebuild reader stopped: {e}"
            )));
        }
        first_error.map_or(Ok(took), Err)
    }

    pub(super) async fn rebuild_entry(&self, entry: &Entry) -> Result<(), ProjectionError> {
        let building = self.prepare(entry)?;
        self.fold_and_swap(entry, building, Source::Own).await
    }

    /// Opens the generation to build: the one an interrupted rebuild of this version left
    /// (resumed from its checkpoint; started over when the earlier key-per-record layout left
    /// it half written), else a fresh one.
    fn prepare(&self, entry: &Entry) -> Result<Building, ProjectionError> {
        let name = entry.projection.name();
        let version = entry.projection.version();
        let db = self.store.db();
        let target = match self.registry.building(name)? {
            Some(g) if g.version == version => g,
            _ => {
                let live = entry
                    .live
                    .read()
                    .map(|g| g.generation)
                    .unwrap_or(Generation {
                        version,
                        generation: 1,
                    });
                let g = Generation {
                    version,
                    generation: live.generation + 1,
                };
                // A leftover model of that generation (an abandoned rebuild) starts over.
                super::drop_generation(&self.store, name, g.generation)?;
                self.registry.start_building(name, g)?;
                g
            }
        };
        let tree = db.open_tree(tree_name(name, target.generation))?;
        if tree.contains_key(changes::FLUSHING_KEY)? {
            // The earlier layout crashed while writing a window: the tree is ahead of its
            // checkpoint.
            tracing::warn!(
                projection = name,
                "half-written rebuild found: starting it over"
            );
            drop(tree);
            super::drop_generation(&self.store, name, target.generation)?;
        }
        let records = super::open_records(&self.store, name, target.generation)?;
        let applied = changes::checkpoint(records.tree())?;
        let model = Model::open(entry.projection.as_ref(), records, target, self.indexes)?;
        entry.set_rebuilding(Some(RebuildProgress {
            position: applied,
            target: self.store.head(),
        }));
        Ok(Building {
            model,
            target,
            applied,
        })
    }

    /// Folds the log into `building` window by window, then catches up with the head under
    /// the apply lock and swaps the new model in.
    async fn fold_and_swap(
        &self,
        entry: &Entry,
        mut building: Building,
        mut source: Source,
    ) -> Result<(), ProjectionError> {
        let result = self.fold(entry, &mut building, &mut source).await;
        // A model that stops early must not hold the shared reader back.
        drop(source);
        result?;
        self.swap(entry, building).await
    }

    async fn fold(
        &self,
        entry: &Entry,
        building: &mut Building,
        source: &mut Source,
    ) -> Result<(), ProjectionError> {
        let records = building.model.records.clone();
        let checkpointed = changes::checkpoint(records.tree())?;
        let mut window = Changes::new(&records);
        while let Some(chunk) = source.next(self, building.applied).await? {
            for event in chunk.iter().filter(|e| e.position > building.applied) {
                entry.projection.apply(&mut window, event)?;
            }
            let last = chunk.last().map_or(0, |e| e.position);
            if last <= building.applied {
                continue;
            }
            building.applied = last;
            if window.pending_bytes() >= REBUILD_WINDOW_BYTES {
                merge_window(&building.model, window, building.applied)?;
                window = Changes::new(&records);
            }
            entry.set_rebuilding(Some(RebuildProgress {
                position: building.applied,
                target: self.store.head(),
            }));
            tokio::task::yield_now().await;
        }
        if building.applied > checkpointed {
            merge_window(&building.model, window, building.applied)?;
            let model = building.model.clone();
            let position = building.applied;
            tokio::task::spawn_blocking(move || model.records.write_image(position))
                .await
                .map_err(|e| {
                    ProjectionError::Inconsistent(format!("writing a rebuilt model stopped: {e}"))
                })??;
            building
                .model
                .stored
                .store(position, std::sync::atomic::Ordering::Release);
        }
        Ok(())
    }

    /// Applies what was appended since the fold ended, under the apply lock, and makes the
    /// new model the live one; the old generation's tree is dropped.
    async fn swap(&self, entry: &Entry, building: Building) -> Result<(), ProjectionError> {
        let name = entry.projection.name();
        let Building { model, target, .. } = building;
        let model_applied = model.applied.clone();
        let _guard = entry.apply.lock().await;
        while super::apply_chunk(&self.store, &self.tail, entry.projection.as_ref(), &model)
            .await?
            .is_some()
        {}
        // The new model starts stored: nothing of it is only in memory.
        if let Some((layer, position)) = model.freeze_due(true, None) {
            model.store(layer, position).await?;
        }
        self.registry.swap(name, target)?;
        let old = match entry.live.write() {
            Ok(mut live) => std::mem::replace(&mut *live, model),
            Err(p) => std::mem::replace(&mut *p.into_inner(), model),
        };
        entry
            .position
            .send_replace(model_applied.load(std::sync::atomic::Ordering::Acquire));
        if old.generation.generation != target.generation {
            // A store or an image of the old model may still be under way: its tree and
            // files go after them.
            old.wait_idle().await;
            super::drop_generation(&self.store, name, old.generation.generation)?;
        }
        // Freeing a large in-memory index takes a while: not on the rebuild's time.
        if let Some(memory) = old.memory {
            tokio::task::spawn_blocking(move || drop(memory));
        }
        entry
            .loaded
            .store(true, std::sync::atomic::Ordering::Release);
        entry.set_rebuilding(None);
        tracing::info!(
            projection = name,
            generation = target.generation,
            "projection rebuilt and swapped in"
        );
        Ok(())
    }
}

/// Reads the log after `from` up to the head and sends each chunk to every model still
/// listening; a read error goes to all of them. Dropping the senders tells the models the
/// fold is over (they then catch up with whatever came since on their own).
async fn share_log(
    runner: ProjectionRunner,
    from: u64,
    mut senders: Vec<mpsc::Sender<Result<Chunk, ProjectionError>>>,
) {
    let mut read = from;
    while !senders.is_empty() {
        let chunk = match runner.store.read_all(read + 1, CATCH_UP_CHUNK).await {
            Ok(events) if events.is_empty() => return,
            Ok(events) => {
                read = events.last().map_or(read, |e| e.position);
                Ok(Arc::new(events))
            }
            Err(e) => Err(ProjectionError::from(e)),
        };
        let failed = chunk.is_err();
        let mut listening = Vec::with_capacity(senders.len());
        for tx in senders {
            if tx.send(chunk.clone()).await.is_ok() {
                listening.push(tx);
            }
        }
        senders = listening;
        if failed {
            return;
        }
    }
}

/// Merges a rebuild's window into the model's records (in memory) and its index: the model
/// has applied up to `position`, and stores it as an image when the fold is done.
fn merge_window(model: &Model, window: Changes<'_>, position: u64) -> Result<(), ProjectionError> {
    let writes = window.into_writes();
    if let Some(memory) = &model.memory {
        memory.committed(&writes, position)?;
    }
    model.records.merge(writes)?;
    model
        .applied
        .store(position, std::sync::atomic::Ordering::Release);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ledgerdesk_core::{RecordedEvent, SledEventStore, StoreConfig};

    use super::*;
    use crate::registry::Registry;
    use crate::Projection;

    /// One key per event, named after the model so two of them differ.
    struct PerEvent {
        name: &'static str,
        version: u32,
        /// Refuses the event at this position (a broken model).
        fails_at: Option<u64>,
    }

    impl Projection for PerEvent {
        fn name(&self) -> &'static str {
            self.name
        }
        fn version(&self) -> u32 {
            self.version
        }
        fn apply(
            &self,
            changes: &mut Changes<'_>,
            event: &RecordedEvent,
        ) -> Result<(), ProjectionError> {
            if self.fails_at == Some(event.position) {
                return Err(ProjectionError::Inconsistent("refused".to_owned()));
            }
            let key = format!("e/{:020}", event.position);
            changes.insert(key.as_bytes(), self.version.to_be_bytes().to_vec());
            Ok(())
        }
    }

    fn model(name: &'static str, version: u32, fails_at: Option<u64>) -> Arc<dyn Projection> {
        Arc::new(PerEvent {
            name,
            version,
            fails_at,
        })
    }

    /// A log of `events` events in streams of 100, so a rebuild reads several chunks.
    async fn log(events: usize) -> (tempfile::TempDir, SledEventStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SledEventStore::open(dir.path(), StoreConfig::default()).unwrap();
        for _ in 0..events.div_ceil(100) {
            crate::runner::tests::append(&store, "x", 100).await;
        }
        (dir, store)
    }

    /// The digest a model of this shape has after folding the whole log on its own.
    async fn expected_digest(name: &'static str, version: u32, events: usize) -> String {
        let (_dir, store) = log(events).await;
        let runner = ProjectionRunner::open(store, vec![model(name, version, None)]).unwrap();
        runner.catch_up().await.unwrap();
        runner.digest(name).unwrap()
    }

    /// Models rebuilt side by side from the shared reader end as a model rebuilt alone does,
    /// also when one of them fails half way (it is reported, the others are swapped in).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_shared_rebuild_gives_each_model_the_whole_log_and_isolates_a_failure() {
        let events = 3 * CATCH_UP_CHUNK + 300;
        let (_dir, store) = log(events).await;
        let runner = ProjectionRunner::open(
            store.clone(),
            vec![
                model("a", 1, None),
                model("b", 1, None),
                model("broken", 1, None),
            ],
        )
        .unwrap();
        runner.catch_up().await.unwrap();
        drop(runner);

        let runner = ProjectionRunner::open(
            store,
            vec![
                model("a", 2, None),
                model("b", 2, None),
                model("broken", 2, Some(CATCH_UP_CHUNK as u64 + 7)),
            ],
        )
        .unwrap();
        let result = runner.rebuild_all(&["a", "broken", "b"]).await;
        assert!(
            matches!(result, Err(ProjectionError::Inconsistent(ref m)) if m == "refused"),
            "{result:?}"
        );
        let expected = expected_digest("a", 2, events).await;
        assert_eq!(runner.digest("a").unwrap(), expected);
        assert_eq!(
            runner.digest("b").unwrap(),
            expected_digest("b", 2, events).await
        );
        let status = runner.status();
        let a = status.iter().find(|s| s.name == "a").unwrap();
        assert_eq!((a.position, a.rebuilding), (events as u64, None));
    }

    /// A model whose rebuild was interrupted resumes from its checkpoint while another starts
    /// from scratch; the shared reader starts where the furthest-behind one stands.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_shared_rebuild_resumes_an_interrupted_model_beside_a_fresh_one() {
        let events = 2 * CATCH_UP_CHUNK + 100;
        let (_dir, store) = log(events).await;
        let runner = ProjectionRunner::open(
            store.clone(),
            vec![model("a", 1, None), model("b", 1, None)],
        )
        .unwrap();
        runner.catch_up().await.unwrap();
        drop(runner);

        // "a" at version 2 was rebuilt up to position 150 when the process stopped.
        let registry = Registry::open(store.db()).unwrap();
        let building = Generation {
            version: 2,
            generation: 2,
        };
        registry.start_building("a", building).unwrap();
        let half = crate::runner::open_records(&store, "a", 2).unwrap();
        let mut layer = crate::overlay::Layer::new();
        for position in 1..=150u64 {
            let key = format!("e/{position:020}");
            layer.insert(key.into_bytes(), Some(2u32.to_be_bytes().to_vec()));
        }
        half.persist(&layer, 150).unwrap();
        drop((half, registry));

        let runner =
            ProjectionRunner::open(store, vec![model("a", 2, None), model("b", 2, None)]).unwrap();
        runner.rebuild_all(&["a", "b"]).await.unwrap();
        assert_eq!(
            runner.digest("a").unwrap(),
            expected_digest("a", 2, events).await
        );
        assert_eq!(
            runner.digest("b").unwrap(),
            expected_digest("b", 2, events).await
        );
    }
}
