//! ledgerdesk-projections: the read side.
//!
//! - [`Projection`]: a read model as a pure fold of the log. It names itself, carries a
//!   version, and applies one event at a time through [`Changes`], an overlay that sees the
//!   earlier events of the same chunk.
//! - [`ProjectionRunner`]: runs each projection in its own task: catches up from its
//!   checkpoint in chunks, then follows the head. A model's records live in memory; its
//!   changes reach its sled tree as deltas, each in one batch with the checkpoint it reaches,
//!   and as images of the whole model (`stored`), so each event is applied exactly once,
//!   across crashes too.
//!   A projection whose version changed is rebuilt into a fresh generation while queries keep reading
//!   the old one, then swapped in. A failing projection is reported and stops alone.
//! - [`ProjectionView`]: what queries read, with the position it reflects.
//!
//! Projections never read the wall clock: time comes from `recorded_at`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod approvals;
mod changes;
pub mod directory;
pub mod history;
pub mod kb;
mod kv;
pub mod news;
mod overlay;
mod registry;
mod runner;
pub mod sla;
mod stored;
#[cfg(test)]
mod testlog;
pub mod time;
pub mod views;

pub use changes::{Changes, ProjectionView, Write};
pub use runner::{ProjectionRunner, ProjectionStatus, RebuildProgress, WaitError};

use std::sync::Arc;

use ledgerdesk_core::{RecordedEvent, SledEventStore, StoreError};

/// The checkpoint of every live read model, after reading and checking its persisted records
/// (its image against the recorded length and checksum, its deltas in order), without running,
/// creating or changing anything: for `ledgerdesk-replay verify`, which checks that no model is
/// ahead of the log and none is damaged.
pub fn checkpoints(store: &SledEventStore) -> Result<Vec<(String, u64)>, ProjectionError> {
    let registry = registry::Registry::open(store.db())?;
    let mut out = Vec::new();
    for (name, g) in registry.all_live()? {
        let records = runner::open_records(store, &name, g.generation)?;
        records.check().map_err(|e| {
            ProjectionError::Inconsistent(format!("read model {name} is damaged: {e}"))
        })?;
        out.push((name, changes::checkpoint(records.tree())?));
    }
    Ok(out)
}

/// Moves a live model's checkpoint by hand. Only for tests that prove `verify` catches a model
/// ahead of its log; never called by the product.
#[doc(hidden)]
pub fn set_checkpoint_for_tests(
    db: &sled::Db,
    name: &str,
    position: u64,
) -> Result<(), ProjectionError> {
    let registry = registry::Registry::open(db)?;
    let g = registry
        .live(name)?
        .ok_or_else(|| ProjectionError::Unknown(name.to_owned()))?;
    let tree = db.open_tree(registry::tree_name(name, g.generation))?;
    tree.insert(changes::CHECKPOINT_KEY, &position.to_be_bytes()[..])?;
    tree.flush()?;
    Ok(())
}

/// Every read model of the product, as the server and the replay tool run them.
pub fn all() -> Vec<Arc<dyn Projection>> {
    vec![
        Arc::new(history::HistoryProjection),
        Arc::new(views::TicketViews),
        Arc::new(sla::SlaProjection),
        Arc::new(approvals::ApprovalsProjection),
        Arc::new(time::TimeProjection),
        Arc::new(directory::DirectoryProjection),
        Arc::new(kb::KbProjection),
        Arc::new(news::NewsProjection),
    ]
}

/// A read model: a deterministic fold of the log.
pub trait Projection: Send + Sync + 'static {
    /// Stable name: identifies the model's trees and appears in status and metrics.
    fn name(&self) -> &'static str;
    /// Bump when `apply` changes meaning: the model is then rebuilt from the log at start-up.
    fn version(&self) -> u32;
    /// Folds one event into the model. Must depend only on the event and on what `changes`
    /// holds: no clock, no randomness, no other I/O.
    fn apply(
        &self,
        changes: &mut Changes<'_>,
        event: &RecordedEvent,
    ) -> Result<(), ProjectionError>;

    /// Builds the in-memory index this model answers its queries from, out of its records
    /// (`view`), or `None` for a model queried straight from its records.
    ///
    /// Why: a model whose queries need many secondary orders (the ticket lists) keeps only
    /// its primary records, which are what is persisted and rebuilt, and derives the orders
    /// in structures made for them (bitmaps, sorted sets). The index is a pure function of the stored records: it is
    /// rebuilt from them at start-up and then told of every committed chunk, so it can never
    /// disagree with the checkpointed model.
    fn open_memory(
        &self,
        view: &ProjectionView,
    ) -> Result<Option<Arc<dyn MemoryIndex>>, ProjectionError> {
        let _ = view;
        Ok(None)
    }
}

/// An in-memory index derived from a model's stored records (see
/// [`Projection::open_memory`]).
pub trait MemoryIndex: Send + Sync + 'static {
    /// Folds in the writes of a chunk that was just committed with checkpoint `position`
    /// (in key order; `None` is a removal).
    fn committed(&self, writes: &[Write], position: u64) -> Result<(), ProjectionError>;
    /// For queries to reach the concrete index.
    fn as_any(&self) -> &dyn std::any::Any;
}

/// Why a projection could not apply an event or be maintained.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProjectionError {
    /// The event's payload does not decode for this model.
    #[error("cannot decode event at position {position}: {detail}")]
    Decode {
        /// Where.
        position: u64,
        /// The decoder's complaint.
        detail: String,
    },
    /// The model's own stored data is not what it expects.
    #[error("inconsistent read model: {0}")]
    Inconsistent(String),
    /// sled failed.
    #[error("storage error: {0}")]
    Storage(String),
    /// The event log failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No projection of that name is registered.
    #[error("no projection named {0:?}")]
    Unknown(String),
    /// The model's in-memory index is not there yet (loading just after start, or rebuilding
    /// after a version change): it answers no query that needs it. Transient: ask again.
    #[error("read model {0} is loading or rebuilding its index; ask again shortly")]
    Loading(String),
}

impl From<sled::Error> for ProjectionError {
    fn from(e: sled::Error) -> Self {
        ProjectionError::Storage(e.to_string())
    }
}
