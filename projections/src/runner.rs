//! The projection runner: one task per projection, catching up in chunks, then following the
//! head; rebuilds into fresh trees with an atomic swap.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use ledgerdesk_core::{EventStore, SledEventStore};
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::changes::{self, Changes, ProjectionView};
use crate::registry::{tree_name, Generation, Registry};
use crate::{MemoryIndex, Projection, ProjectionError};

/// Events read and applied per batch while following the head: small, so that a query
/// waiting for its own write is not held behind a long batch.
const FOLLOW_CHUNK: usize = 2_000;
/// Events per batch while rebuilding or catching up: large, so that the writes of a ticket's
/// many events collapse into one per key before they reach sled.
const CATCH_UP_CHUNK: usize = 5_000;

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
}

impl Model {
    /// Opens generation `generation` of `projection` in `tree`, loading its in-memory index.
    fn open(
        projection: &dyn Projection,
        tree: sled::Tree,
        generation: Generation,
    ) -> Result<Model, ProjectionError> {
        let view = ProjectionView {
            position: changes::checkpoint(&tree)?,
            tree: tree.clone(),
            memory: None,
        };
        let memory = projection.open_memory(&view)?;
        Ok(Model {
            tree,
            generation,
            memory,
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
}

/// Runs a set of projections over one event log.
#[derive(Clone)]
pub struct ProjectionRunner {
    store: SledEventStore,
    registry: Arc<Registry>,
    entries: Arc<Vec<Arc<Entry>>>,
}

impl ProjectionRunner {
    /// Opens every projection's live model (creating empty ones on first start). Nothing runs
    /// until [`ProjectionRunner::start`].
    pub fn open(
        store: SledEventStore,
        projections: Vec<Arc<dyn Projection>>,
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
            let model = if stale {
                Model {
                    tree,
                    generation: live,
                    memory: None,
                }
            } else {
                Model::open(projection.as_ref(), tree, live)?
            };
            entries.push(Arc::new(Entry {
                stale,
                projection,
                live: RwLock::new(model),
                apply: tokio::sync::Mutex::new(()),
                position: watch::channel(position).0,
                failure: Mutex::new(None),
                rebuilding: Mutex::new(None),
            }));
        }
        Ok(ProjectionRunner {
            store,
            registry: Arc::new(registry),
            entries: Arc::new(entries),
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
        }
        let mut head = self.store.subscribe();
        loop {
            if *shutdown.borrow() {
                return;
            }
            let step = {
                let _guard = entry.apply.lock().await;
                let model = entry.live_model();
                apply_chunk(&self.store, entry.projection.as_ref(), &model, FOLLOW_CHUNK).await
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

    fn fail(&self, entry: &Entry, error: ProjectionError) {
        let position = *entry.position.borrow() + 1;
        tracing::error!(projection = entry.projection.name(), position, error = %error, "projection stopped");
        if let Ok(mut f) = entry.failure.lock() {
            *f = Some((position, error.to_string()));
        }
    }

    /// Rebuilds `name` from the log into a fresh tree and swaps it in; queries read the old
    /// model until then. Resumes an interrupted rebuild of the same version.
    pub async fn rebuild(&self, name: &str) -> Result<(), ProjectionError> {
        let entry = self.entry(name)?.clone();
        self.rebuild_entry(&entry).await
    }

    async fn rebuild_entry(&self, entry: &Entry) -> Result<(), ProjectionError> {
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
                // A leftover tree of that generation (an abandoned rebuild) starts over.
                db.drop_tree(tree_name(name, g.generation))?;
                self.registry.start_building(name, g)?;
                g
            }
        };
        let tree = db.open_tree(tree_name(name, target.generation))?;
        let model = Model::open(entry.projection.as_ref(), tree.clone(), target)?;
        let set_progress = |p: Option<RebuildProgress>| {
            if let Ok(mut r) = entry.rebuilding.lock() {
                *r = p;
            }
        };
        set_progress(Some(RebuildProgress {
            position: changes::checkpoint(&tree)?,
            target: self.store.head(),
        }));
        while let Some(position) = apply_chunk(
            &self.store,
            entry.projection.as_ref(),
            &model,
            CATCH_UP_CHUNK,
        )
        .await?
        {
            set_progress(Some(RebuildProgress {
                position,
                target: self.store.head(),
            }));
            tokio::task::yield_now().await;
        }
        // Caught up with the head as it was: finish under the apply lock and swap.
        let _guard = entry.apply.lock().await;
        while apply_chunk(
            &self.store,
            entry.projection.as_ref(),
            &model,
            CATCH_UP_CHUNK,
        )
        .await?
        .is_some()
        {}
        self.registry.swap(name, target)?;
        let old = match entry.live.write() {
            Ok(mut live) => std::mem::replace(&mut *live, model),
            Err(p) => std::mem::replace(&mut *p.into_inner(), model),
        };
        entry.position.send_replace(changes::checkpoint(&tree)?);
        if old.generation.generation != target.generation {
            db.drop_tree(tree_name(name, old.generation.generation))?;
        }
        set_progress(None);
        tracing::info!(
            projection = name,
            generation = target.generation,
            "projection rebuilt and swapped in"
        );
        Ok(())
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
            while let Some(position) = apply_chunk(
                &self.store,
                entry.projection.as_ref(),
                &model,
                CATCH_UP_CHUNK,
            )
            .await?
            {
                entry.position.send_replace(position);
            }
        }
        Ok(self.store.head())
    }

    /// A read handle on `name`'s live model.
    pub fn view(&self, name: &str) -> Result<ProjectionView, ProjectionError> {
        let entry = self.entry(name)?;
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
            })
            .collect()
    }
}

/// Applies the next chunk (at most `chunk` events) after the model's checkpoint, then tells
/// its in-memory index; `None` when there was nothing to apply.
async fn apply_chunk(
    store: &SledEventStore,
    projection: &dyn Projection,
    model: &Model,
    chunk: usize,
) -> Result<Option<u64>, ProjectionError> {
    let tree = &model.tree;
    let checkpoint = changes::checkpoint(tree)?;
    let events = store.read_all(checkpoint + 1, chunk).await?;
    let Some(last) = events.last().map(|e| e.position) else {
        return Ok(None);
    };
    let mut changes = Changes::new(tree);
    for event in &events {
        projection.apply(&mut changes, event)?;
    }
    let writes = model.memory.as_ref().map(|_| changes.writes());
    tree.apply_batch(changes.into_batch(last))?;
    if let (Some(memory), Some(writes)) = (&model.memory, writes) {
        memory.committed(&writes, last)?;
    }
    Ok(Some(last))
}
