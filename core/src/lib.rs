//! ledgerdesk-core: the event envelope, the codec, and the event store.
//!
//! - [`aggregate`]: the [`aggregate::Aggregate`] trait every domain implements.
//! - [`ids`]: stream ids (kind + ULID), actors, timestamps.
//! - [`envelope`]: what a caller appends ([`NewEvent`], [`AppendRequest`]) and what the log
//!   records ([`RecordedEvent`]).
//! - [`codec`]: bincode payloads with schema versions and upcasting ([`DomainEvent`]), stored
//!   chunks with a format tag, and the canonical BLAKE3 hash chain.
//! - [`store`]: the [`EventStore`] trait and [`SledEventStore`], with group commit and durable
//!   acknowledgement.
//! - [`command`]: the command service (load, decide, append, retry).
//! - [`ticket`], [`directory`]: the domains, as pure `decide`/`evolve`.
//! - [`process`]: settings the binaries apply to their process at start.
//!
//! Errors are typed per module ([`StoreError`], [`CodecError`]); the API maps them to HTTP once.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod aggregate;
pub mod codec;
pub mod command;
pub mod directory;
pub mod envelope;
#[cfg(test)]
mod golden;
pub mod ids;
pub mod process;
pub mod store;
pub mod ticket;
pub mod timetravel;

pub use codec::{CodecError, DomainEvent};
pub use envelope::{
    AppendMeta, AppendRequest, AppendResult, ClaimAction, CredentialWrite, ExpectedVersion,
    NewEvent, RecordedEvent, UniqueClaim,
};
pub use ids::{Actor, StreamId, StreamKind, Timestamp};
pub use store::{EventStore, SledEventStore, StoreConfig, StoreError};
