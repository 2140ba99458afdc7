//! The event envelope: what a caller hands to the store, and what the store records.
//!
//! A recorded event is unique by its global position, by (stream id, stream version) and by its
//! event id. The store sets the position, the version, `recorded_at` and the hash; the caller
//! supplies everything else.

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use crate::ids::{Actor, StreamId, Timestamp};

/// An event as a caller proposes it, before the store places it in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEvent {
    /// Unique id of this event. Appending an id that is already in the log is a retry: the
    /// store returns the first result and writes nothing. The API derives it from an
    /// `Idempotency-Key` header when there is one.
    pub event_id: Ulid,
    /// The event's type name, e.g. `ticket.created`.
    pub event_type: String,
    /// The schema version of `payload` for this event type.
    pub schema_version: u16,
    /// The encoded domain event (see [`crate::codec::encode_payload`]).
    pub payload: Vec<u8>,
}

/// Who asked for an append and why: shared by every event of one append.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendMeta {
    /// The user, or the system, on whose behalf the events are recorded.
    pub actor: Actor,
    /// Groups the events of one business operation across streams (one per API request).
    pub correlation_id: Ulid,
    /// The event or request that directly caused these events, when there is one.
    pub causation_id: Option<Ulid>,
}

impl AppendMeta {
    /// Metadata for an append by `actor` with a fresh correlation id and no causation.
    pub fn new(actor: Actor) -> AppendMeta {
        AppendMeta {
            actor,
            correlation_id: Ulid::new(),
            causation_id: None,
        }
    }
}

/// What the caller believes about the stream's current version; checked atomically with the
/// append.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpectedVersion {
    /// No check.
    Any,
    /// The stream must not exist yet (creation).
    NoStream,
    /// The stream must already have at least one event.
    StreamExists,
    /// The stream's last version must be exactly this.
    Exact(u64),
}

impl ExpectedVersion {
    /// Whether a stream whose last version is `current` (None: no stream) satisfies this.
    pub fn admits(self, current: Option<u64>) -> bool {
        match self {
            ExpectedVersion::Any => true,
            ExpectedVersion::NoStream => current.is_none(),
            ExpectedVersion::StreamExists => current.is_some(),
            ExpectedVersion::Exact(v) => current == Some(v),
        }
    }
}

/// Whether a unique claim takes a value or gives it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ClaimAction {
    /// Take the value for this stream; refused if another stream holds it.
    Claim,
    /// Give the value back; only its holder can.
    Release,
}

/// A value that must be unique across streams (a username, an email, a group name), taken or
/// given back atomically with the events it travels with.
///
/// Claims are recorded in the log next to the event that made them, so the uniqueness index is
/// a pure function of the log and can be rebuilt from it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UniqueClaim {
    /// The namespace of the value, e.g. `user.username`.
    pub scope: String,
    /// The value, already normalised by the caller (e.g. lowercased emails).
    pub value: String,
    /// Take or give back.
    pub action: ClaimAction,
}

/// A write to the credential store that commits together with an append.
///
/// Credentials (password hashes, token hashes, two-factor secrets) live beside the log, never in
/// it: the event says that a credential changed, this write carries the secret material. The
/// write is applied in the same atomic batch as the events, and is not part of any record.
#[derive(Clone, PartialEq, Eq)]
pub struct CredentialWrite {
    /// The credential's key inside the credential store.
    pub key: Vec<u8>,
    /// The new value, or `None` to delete it.
    pub value: Option<Vec<u8>>,
}

impl std::fmt::Debug for CredentialWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print secret material, not even in debug logs.
        f.debug_struct("CredentialWrite")
            .field("key", &String::from_utf8_lossy(&self.key))
            .field("value", &self.value.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Everything one append asks of the store.
#[derive(Debug, Clone)]
pub struct AppendRequest {
    /// The stream the events go to.
    pub stream: StreamId,
    /// The version check to apply.
    pub expected: ExpectedVersion,
    /// Actor, correlation and causation for every event.
    pub meta: AppendMeta,
    /// The events, in order; at least one.
    pub events: Vec<NewEvent>,
    /// Unique values taken or released with the first event.
    pub claims: Vec<UniqueClaim>,
    /// Credential-store writes committed in the same batch.
    pub credentials: Vec<CredentialWrite>,
    /// Only for importing an exported log into an empty store: the `recorded_at` the events
    /// had when first recorded. The store refuses a value earlier than the log's last one.
    /// Everything else leaves it `None`: the store sets the time.
    pub recorded_at: Option<Timestamp>,
}

impl AppendRequest {
    /// A plain append of `events` to `stream`.
    pub fn new(
        stream: StreamId,
        expected: ExpectedVersion,
        meta: AppendMeta,
        events: Vec<NewEvent>,
    ) -> AppendRequest {
        AppendRequest {
            stream,
            expected,
            meta,
            events,
            claims: Vec::new(),
            credentials: Vec::new(),
            recorded_at: None,
        }
    }
}

/// The outcome of a successful append (or of a retry of one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendResult {
    /// The stream appended to.
    pub stream: StreamId,
    /// Version of the first appended event.
    pub first_version: u64,
    /// Version of the last appended event: the stream's version after the append.
    pub last_version: u64,
    /// Global position of the first appended event.
    pub first_position: u64,
    /// Global position of the last appended event.
    pub last_position: u64,
    /// The stream's sequential number within its kind (tickets from 1001).
    pub stream_number: u64,
    /// True when this was a retry of an append already in the log: nothing was written.
    pub duplicate: bool,
}

/// An event as recorded in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// Global position, gap-free from 1.
    pub position: u64,
    /// The stream it belongs to.
    pub stream: StreamId,
    /// Its version within the stream, gap-free from 1.
    pub version: u64,
    /// The caller-chosen unique id.
    pub event_id: Ulid,
    /// When the store recorded it (never decreases along the log).
    pub recorded_at: Timestamp,
    /// Who caused it.
    pub actor: Actor,
    /// The business operation it belongs to.
    pub correlation_id: Ulid,
    /// What directly caused it, if known.
    pub causation_id: Option<Ulid>,
    /// The event type name.
    pub event_type: String,
    /// The payload's schema version.
    pub schema_version: u16,
    /// The encoded domain event.
    pub payload: Vec<u8>,
    /// Unique values claimed or released by this event.
    pub claims: Vec<UniqueClaim>,
    /// BLAKE3 over the previous record's hash and this record's canonical bytes.
    pub hash: [u8; 32],
}
