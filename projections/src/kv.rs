//! Value and key encodings shared by the read models: stored values are bincode (the log's
//! payload codec), and signed integers in keys are sign-flipped big-endian so that byte order
//! is numeric order. Moved here from `views` when the `sla` model needed the same helpers.

use ledgerdesk_core::codec::{decode_payload, encode_payload};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{Changes, ProjectionError};

/// Decodes a stored value of a read model.
pub(crate) fn decode_value<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ProjectionError> {
    decode_payload(bytes).map_err(|e| ProjectionError::Inconsistent(e.to_string()))
}

/// The stored value at `key`, decoded.
pub(crate) fn load<T: DeserializeOwned>(
    changes: &Changes<'_>,
    key: &[u8],
) -> Result<Option<T>, ProjectionError> {
    changes.get(key)?.map(|v| decode_value(&v)).transpose()
}

/// Encodes a value to store.
pub(crate) fn encode_value<T: Serialize>(value: &T) -> Result<Vec<u8>, ProjectionError> {
    encode_payload(value).map_err(|e| ProjectionError::Inconsistent(e.to_string()))
}

/// Stores `value` at `key`.
pub(crate) fn save<T: Serialize>(
    changes: &mut Changes<'_>,
    key: &[u8],
    value: &T,
) -> Result<(), ProjectionError> {
    changes.insert(key, encode_value(value)?);
    Ok(())
}

/// A signed integer as 8 bytes whose byte order is the numeric order.
pub(crate) fn ordered_i64(v: i64) -> [u8; 8] {
    ((v as u64) ^ (1 << 63)).to_be_bytes()
}

/// The inverse of [`ordered_i64`].
pub(crate) fn from_ordered_i64(b: &[u8]) -> Option<i64> {
    let arr: [u8; 8] = b.try_into().ok()?;
    Some((u64::from_be_bytes(arr) ^ (1 << 63)) as i64)
}
