//! The key layout of the `log` tree. Everything an append writes lives in this one tree, so
//! one sled batch (atomic across a crash) covers the records and every index entry.
//!
//! | prefix | key | value |
//! |---|---|---|
//! | `L` | first position (u64 BE) | a chunk of consecutive records ([`crate::codec::encode_chunk`]) |
//! | `S` | stream (17) + page (u32 BE) | up to 512 entries of u64 BE: the position of versions `page*512+1...`, high bit set on the first event of each append |
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

/// Versions per `S` page. A page is rewritten in place on each append to its stream (an update
/// does not split sled nodes); a new key appears only every 512 events of a stream.
pub(crate) const STREAM_PAGE: u64 = 512;
const APPEND_START: u64 = 1 << 63;

pub(crate) fn stream_page(stream: StreamId, page: u32) -> [u8; 22] {
    let mut k = [0u8; 22];
    k[0] = STREAM;
    k[1..18].copy_from_slice(&stream.to_bytes());
    k[18..].copy_from_slice(&page.to_be_bytes());
    k
}

pub(crate) fn stream_prefix(stream: StreamId) -> [u8; 18] {
    let mut k = [0u8; 18];
    k[0] = STREAM;
    k[1..].copy_from_slice(&stream.to_bytes());
    k
}

/// The page number of an `S` key.
pub(crate) fn page_number(key: &[u8]) -> Option<u32> {
    (key.len() == 22).then(|| u32::from_be_bytes([key[18], key[19], key[20], key[21]]))
}

/// Where version `version` (from 1) lives: its page and its index in the page.
pub(crate) fn page_of(version: u64) -> (u32, usize) {
    let v = version.saturating_sub(1);
    ((v / STREAM_PAGE) as u32, (v % STREAM_PAGE) as usize)
}

/// One entry of an `S` page: where a version is, and whether an append started there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StreamEntry {
    pub position: u64,
    pub starts_append: bool,
}

pub(crate) fn encode_entry(position: u64, starts_append: bool) -> [u8; 8] {
    let flag = if starts_append { APPEND_START } else { 0 };
    (position | flag).to_be_bytes()
}

/// The entry at `index` of a page value, if the page has one there.
pub(crate) fn page_entry(page: &[u8], index: usize) -> Option<StreamEntry> {
    let bytes = page.get(index * 8..index * 8 + 8)?;
    let raw = be_u64(bytes);
    Some(StreamEntry {
        position: raw & !APPEND_START,
        starts_append: raw & APPEND_START != 0,
    })
}

/// How many versions a page value holds.
pub(crate) fn page_len(page: &[u8]) -> usize {
    page.len() / 8
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
