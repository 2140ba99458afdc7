//! The key layout of the `log` tree. Everything an append writes lives in this one tree, so
//! one sled batch (atomic across a crash) covers the records and every index entry.
//!
//! | prefix | key | value |
//! |---|---|---|
//! | `L` | first position (u64 BE) | a chunk of consecutive records ([`crate::codec::encode_chunk`]) |
//! | `S` | stream (17) + first version (u64 BE) | first position (u64 BE) + count (u32 BE) |
//! | `E` | event id (16) | position (u64 BE) |
//! | `N` | kind (1) + number (u64 BE) | stream ULID (16) |
//! | `M` | stream (17) | number (u64 BE) |
//! | `U` | scope + 0x00 + value | holder stream (17) |
//! | `C` | credential key | credential value (never part of a record) |
//!
//! All but `L` and `C` are indexes: pure functions of the records, which `verify` re-derives.

use crate::ids::{StreamId, StreamKind};
use ulid::Ulid;

pub(crate) const LOG: u8 = b'L';
pub(crate) const STREAM: u8 = b'S';
pub(crate) const EVENT_ID: u8 = b'E';
pub(crate) const NUMBER: u8 = b'N';
pub(crate) const STREAM_NUMBER: u8 = b'M';
pub(crate) const UNIQUE: u8 = b'U';
pub(crate) const CREDENTIAL: u8 = b'C';

pub(crate) fn log(first_position: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = LOG;
    k[1..].copy_from_slice(&first_position.to_be_bytes());
    k
}

pub(crate) fn log_position(key: &[u8]) -> Option<u64> {
    (key.len() == 9 && key[0] == LOG).then(|| be_u64(&key[1..9]))
}

pub(crate) fn stream(stream: StreamId, first_version: u64) -> [u8; 26] {
    let mut k = [0u8; 26];
    k[0] = STREAM;
    k[1..18].copy_from_slice(&stream.to_bytes());
    k[18..].copy_from_slice(&first_version.to_be_bytes());
    k
}

pub(crate) fn stream_prefix(stream: StreamId) -> [u8; 18] {
    let mut k = [0u8; 18];
    k[0] = STREAM;
    k[1..].copy_from_slice(&stream.to_bytes());
    k
}

/// An `S` entry: `count` events of one append, versions from the key's, positions from `first`.
pub(crate) fn stream_value(first_position: u64, count: u32) -> [u8; 12] {
    let mut v = [0u8; 12];
    v[..8].copy_from_slice(&first_position.to_be_bytes());
    v[8..].copy_from_slice(&count.to_be_bytes());
    v
}

pub(crate) fn parse_stream_entry(key: &[u8], value: &[u8]) -> Option<(u64, u64, u32)> {
    if key.len() != 26 || value.len() != 12 {
        return None;
    }
    let first_version = be_u64(&key[18..26]);
    let first_position = be_u64(&value[..8]);
    let count = u32::from_be_bytes([value[8], value[9], value[10], value[11]]);
    Some((first_version, first_position, count))
}

pub(crate) fn event_id(id: Ulid) -> [u8; 17] {
    let mut k = [0u8; 17];
    k[0] = EVENT_ID;
    k[1..].copy_from_slice(&id.to_bytes());
    k
}

pub(crate) fn number(kind: StreamKind, number: u64) -> [u8; 10] {
    let mut k = [0u8; 10];
    k[0] = NUMBER;
    k[1] = kind.code();
    k[2..].copy_from_slice(&number.to_be_bytes());
    k
}

pub(crate) fn number_prefix(kind: StreamKind) -> [u8; 2] {
    [NUMBER, kind.code()]
}

pub(crate) fn stream_number(stream: StreamId) -> [u8; 18] {
    let mut k = [0u8; 18];
    k[0] = STREAM_NUMBER;
    k[1..].copy_from_slice(&stream.to_bytes());
    k
}

pub(crate) fn unique(scope: &str, value: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(2 + scope.len() + value.len());
    k.push(UNIQUE);
    k.extend_from_slice(scope.as_bytes());
    k.push(0);
    k.extend_from_slice(value.as_bytes());
    k
}

pub(crate) fn credential(key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + key.len());
    k.push(CREDENTIAL);
    k.extend_from_slice(key);
    k
}

pub(crate) fn be_u64(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[..8]);
    u64::from_be_bytes(b)
}
