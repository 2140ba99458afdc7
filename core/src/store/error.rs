//! The store's typed errors, sorted by who has to act on them.

use std::sync::Arc;

use crate::codec::CodecError;
use crate::envelope::ExpectedVersion;
use crate::ids::StreamId;

/// Why an append or a read failed.
///
/// - Rule violations the caller caused ([`StoreError::Conflict`], [`StoreError::UniqueViolation`],
///   [`StoreError::InvalidAppend`], ...): nothing was written; the caller may reload and retry.
/// - [`StoreError::Unavailable`] and [`StoreError::Io`]: the store is unhealthy; nothing from the
///   failed group is in the log, and nothing is acknowledged until it is healthy again.
/// - [`StoreError::Corrupt`]: a stored record does not decode or its checks fail; an operator
///   must look (see `ledgerdesk-replay verify`).
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The stream's version is not what the caller expected.
    #[error("version conflict on {stream}: expected {expected:?}, stream is at {current:?}")]
    Conflict {
        /// The stream.
        stream: StreamId,
        /// What the caller expected.
        expected: ExpectedVersion,
        /// The actual last version (None: no stream).
        current: Option<u64>,
    },
    /// Some, but not all, of the append's event ids are already in the log, or they are there
    /// for another stream: this is not a retry of one earlier append.
    #[error("event id {event_id} is already recorded, but not as this same append")]
    IdempotencyMismatch {
        /// The first offending event id.
        event_id: ulid::Ulid,
    },
    /// A unique value is held by another stream.
    #[error("{scope} {value:?} is already taken")]
    UniqueViolation {
        /// The uniqueness namespace.
        scope: String,
        /// The value.
        value: String,
        /// The stream holding it.
        holder: StreamId,
    },
    /// A release of a unique value that this stream does not hold.
    #[error("{scope} {value:?} is not held by {stream}")]
    NotHolder {
        /// The uniqueness namespace.
        scope: String,
        /// The value.
        value: String,
        /// The stream that tried to release it.
        stream: StreamId,
    },
    /// The request itself is malformed (no events, too large, bad claim scope...).
    #[error("invalid append: {0}")]
    InvalidAppend(String),
    /// The store refuses writes after an I/O failure it has not yet recovered from.
    #[error("the store cannot accept writes: {0}")]
    Unavailable(String),
    /// An I/O operation failed; the group it belonged to is not in the log.
    #[error("I/O error while {context}: {source}")]
    Io {
        /// What the store was doing.
        context: &'static str,
        /// The underlying error.
        source: Arc<std::io::Error>,
    },
    /// A stored value fails its checks.
    #[error("corrupt store at position {position}: {detail}")]
    Corrupt {
        /// The position (or chunk key) concerned.
        position: u64,
        /// What is wrong.
        detail: String,
    },
    /// A payload or record could not be encoded.
    #[error(transparent)]
    Codec(Arc<CodecError>),
    /// The store has been closed.
    #[error("the store is closed")]
    Closed,
}

impl StoreError {
    pub(crate) fn io(context: &'static str, source: std::io::Error) -> StoreError {
        StoreError::Io {
            context,
            source: Arc::new(source),
        }
    }

    pub(crate) fn sled(context: &'static str, err: sled::Error) -> StoreError {
        match err {
            sled::Error::Io(e) => StoreError::io(context, e),
            sled::Error::Corruption { at, .. } => StoreError::Corrupt {
                position: 0,
                detail: format!("sled reports corruption at {at:?} while {context}"),
            },
            other => StoreError::io(context, std::io::Error::other(other.to_string())),
        }
    }
}

impl From<CodecError> for StoreError {
    fn from(err: CodecError) -> StoreError {
        StoreError::Codec(Arc::new(err))
    }
}
