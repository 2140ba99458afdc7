//! The event log: the [`EventStore`] trait and its sled implementation.
//!
//! The trait is the seam between the domain and storage: the API and the projections only see
//! this trait, so that a PostgreSQL implementation can take the sled one's place when a
//! deployment outgrows one machine. `docs/STORE.md` describes the sled layout, the group-commit
//! protocol and the invariants that both implementations must keep.

mod error;
mod keys;
mod known_versions;
mod metrics;
mod sled_store;
mod syncer;
mod verify;
pub mod writer;

use async_trait::async_trait;
use tokio::sync::watch;

pub use error::StoreError;
pub use metrics::StoreMetrics;
pub use sled_store::{SledEventStore, StoreConfig, SyncHook};
pub use verify::{verify_log, VerifyProblem, VerifyReport};

use crate::envelope::{AppendRequest, AppendResult, RecordedEvent};
use crate::ids::{StreamId, StreamKind};

/// The event log as the rest of the system sees it.
///
/// Every read returns only events whose append was acknowledged (durable): a reader never
/// observes an event that a crash could take back.
#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Appends events to one stream atomically, after checking the expected version and the
    /// unique claims. Returns once the events are durable on disk. A retry of an append whose
    /// event ids are already recorded returns the first result, with `duplicate` set, and writes
    /// nothing.
    async fn append(&self, request: AppendRequest) -> Result<AppendResult, StoreError>;

    /// The stream's durable version (0: no events) when the store knows it without reading,
    /// else `None`. Lets a cache of aggregate states confirm a hit without a read of the
    /// stream; an answer, when given, is exact for every append acknowledged before the call.
    fn known_version(&self, stream: StreamId) -> Option<u64> {
        let _ = stream;
        None
    }

    /// Up to `max` events of `stream` with version `>= from_version`, in version order.
    async fn read_stream(
        &self,
        stream: StreamId,
        from_version: u64,
        max: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Up to `max` events of the whole log with position `>= from_position`, in order.
    async fn read_all(
        &self,
        from_position: u64,
        max: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// The position of the last durable event (0 for an empty log).
    fn head(&self) -> u64;

    /// A receiver that wakes whenever the head moves. It holds only the latest head, so a slow
    /// reader never holds the writer back.
    fn subscribe(&self) -> watch::Receiver<u64>;

    /// The durable event with this id, if the log holds one.
    async fn find_event(&self, event_id: ulid::Ulid) -> Result<Option<RecordedEvent>, StoreError>;

    /// The last version of `stream`, or `None` when it has no events.
    async fn stream_version(&self, stream: StreamId) -> Result<Option<u64>, StoreError>;

    /// The sequential number of `stream` within its kind (tickets from 1001).
    async fn stream_number(&self, stream: StreamId) -> Result<Option<u64>, StoreError>;

    /// The stream that holds sequential `number` within `kind`.
    async fn stream_by_number(
        &self,
        kind: StreamKind,
        number: u64,
    ) -> Result<Option<StreamId>, StoreError>;

    /// The stream that holds a unique value in `scope`, if any.
    async fn claim_holder(&self, scope: &str, value: &str) -> Result<Option<StreamId>, StoreError>;

    /// A value from the credential store (see [`crate::CredentialWrite`]).
    async fn credential(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
}

#[cfg(test)]
mod tests;
