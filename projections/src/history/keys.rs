//! The byte layout of the history model's keys, and the cursor that points into its indexes.
//!
//! Integers are big-endian so that byte order is numeric order; a `recorded_at` has its sign
//! bit flipped first, so that instants before 1970 still sort before later ones. Every part
//! between `/` separators has a fixed width, so no key is a prefix of another kind of key.

use std::fmt;
use std::str::FromStr;

use ulid::Ulid;

use ledgerdesk_core::{Actor, Timestamp};

/// `h/<ticket 16>/<page 8>` → a page of entries: the ticket's versions
/// `page * PAGE_VERSIONS + 1 ..`, each `<len u32 LE><position 8><entry>` (see [`page_entries`]).
pub(crate) const ENTRY: &[u8] = b"h/";
/// `a/<actor>/<block 8>` → the actor's [`Pointer`]s number `block * BLOCK_POSITIONS ..` of the
/// actor's own feed (counted in [`ACTOR_COUNT`]), so every block but the last is full. Blocks
/// by log position would scatter an actor's events over one block each (most actors act on a
/// small share of the log): ~300,000 keys instead of ~8,000 for a 533,000-event log.
pub(crate) const BY_ACTOR: &[u8] = b"a/";
/// `A/<actor>` → how many pointers the actor's feed holds (u64 BE).
pub(crate) const ACTOR_COUNT: &[u8] = b"A/";
/// `t/<block 8>` → every ticket event's [`Pointer`] at positions `block * BLOCK_POSITIONS ..`.
pub(crate) const BY_TIME: &[u8] = b"t/";
/// Stream versions per page of a ticket's history: a page is rewritten on each of its events,
/// so pages stay small; a rebuild writes each once.
pub(crate) const PAGE_VERSIONS: u64 = 16;
/// Pointers per block of the audit feeds: log positions for the time feed, the actor's own
/// count for an actor's feed.
pub(crate) const BLOCK_POSITIONS: u64 = 64;
/// `n/<ticket 16>` → ticket number (u64 BE).
pub(crate) const NUMBER: &[u8] = b"n/";
/// `N/<number 8>` → ticket ULID (16 bytes).
pub(crate) const TICKET_BY_NUMBER: &[u8] = b"N/";
/// `c/tickets` → the last ticket number handed out (u64 BE).
pub(crate) const LAST_NUMBER: &[u8] = b"c/tickets";
/// `f/<ticket 16>/<attachment 16>` → [`super::entry::AttachmentInfo`].
pub(crate) const ATTACHMENT: &[u8] = b"f/";

fn join(parts: &[&[u8]]) -> Vec<u8> {
    let mut key = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (i, part) in parts.iter().enumerate() {
        // The first part is a kind prefix that already ends with its `/`.
        if i > 1 {
            key.push(b'/');
        }
        key.extend_from_slice(part);
    }
    key
}

/// A `recorded_at` as 8 bytes that sort like the signed value.
pub(crate) fn time_bytes(at: Timestamp) -> [u8; 8] {
    ((at.as_micros() as u64) ^ (1 << 63)).to_be_bytes()
}

fn time_from_bytes(bytes: [u8; 8]) -> Timestamp {
    Timestamp((u64::from_be_bytes(bytes) ^ (1 << 63)) as i64)
}

/// An actor as a fixed-width key part: `0x00` for the system, `0x01` + ULID for a user.
pub(crate) fn actor_bytes(actor: Actor) -> Vec<u8> {
    match actor {
        Actor::System => vec![0],
        Actor::User(id) => {
            let mut v = Vec::with_capacity(17);
            v.push(1);
            v.extend_from_slice(&id.to_bytes());
            v
        }
    }
}

/// Every page of one ticket, in version order.
pub(crate) fn ticket_prefix(ticket: Ulid) -> Vec<u8> {
    join(&[ENTRY, &ticket.to_bytes(), b""])
}

/// The page holding stream version `version` of `ticket`.
pub(crate) fn page(ticket: Ulid, version: u64) -> Vec<u8> {
    let page = version.saturating_sub(1) / PAGE_VERSIONS;
    join(&[ENTRY, &ticket.to_bytes(), &page.to_be_bytes()])
}

/// One entry as a page holds it.
pub(crate) fn page_record(position: u64, entry: &[u8]) -> Vec<u8> {
    let len = u32::try_from(entry.len() + 8).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(entry.len() + 12);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&position.to_be_bytes());
    out.extend_from_slice(entry);
    out
}

/// The `(position, encoded entry)` records of a page, in order; `None` for a malformed page.
pub(crate) fn page_entries(page: &[u8]) -> Option<Vec<(u64, &[u8])>> {
    let mut out = Vec::new();
    let mut rest = page;
    while !rest.is_empty() {
        let len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let record = rest.get(4..4 + len)?;
        out.push((be_u64(record.get(..8)?)?, record.get(8..)?));
        rest = &rest[4 + len..];
    }
    Some(out)
}

/// Every block of one actor, in position order.
pub(crate) fn actor_prefix(actor: Actor) -> Vec<u8> {
    join(&[BY_ACTOR, &actor_bytes(actor), b""])
}

/// The block of `actor`'s feed that holds its pointer number `nth` (from 0).
pub(crate) fn actor_block(actor: Actor, nth: u64) -> Vec<u8> {
    join(&[
        BY_ACTOR,
        &actor_bytes(actor),
        &(nth / BLOCK_POSITIONS).to_be_bytes(),
    ])
}

/// Where the number of pointers in `actor`'s feed is kept.
pub(crate) fn actor_count(actor: Actor) -> Vec<u8> {
    join(&[ACTOR_COUNT, &actor_bytes(actor)])
}

/// The block of the time feed that holds `position`.
pub(crate) fn time_block(position: u64) -> Vec<u8> {
    join(&[BY_TIME, &(position / BLOCK_POSITIONS).to_be_bytes()])
}

/// Where an entry is, as the audit feeds list it: 40 bytes, `<recorded_at 8><position 8>
/// <ticket 16><version 8>`. Positions and times grow together (the store never records an
/// event earlier than the one before), so a block in position order is in time order too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pointer {
    pub(crate) recorded_at: Timestamp,
    pub(crate) position: u64,
    pub(crate) ticket: Ulid,
    pub(crate) version: u64,
}

/// The size of an encoded [`Pointer`].
pub(crate) const POINTER_LEN: usize = 40;

impl Pointer {
    pub(crate) fn encode(&self) -> [u8; POINTER_LEN] {
        let mut out = [0u8; POINTER_LEN];
        out[..8].copy_from_slice(&time_bytes(self.recorded_at));
        out[8..16].copy_from_slice(&self.position.to_be_bytes());
        out[16..32].copy_from_slice(&self.ticket.to_bytes());
        out[32..].copy_from_slice(&self.version.to_be_bytes());
        out
    }

    /// The pointers of a block; `None` if it is malformed.
    pub(crate) fn decode_block(block: &[u8]) -> Option<Vec<Pointer>> {
        if !block.len().is_multiple_of(POINTER_LEN) {
            return None;
        }
        block
            .chunks_exact(POINTER_LEN)
            .map(|p| {
                Some(Pointer {
                    recorded_at: time_from_bytes(p[..8].try_into().ok()?),
                    position: be_u64(&p[8..16])?,
                    ticket: ulid(&p[16..32])?,
                    version: be_u64(&p[32..])?,
                })
            })
            .collect()
    }

    pub(crate) fn cursor(&self) -> Cursor {
        Cursor {
            recorded_at: self.recorded_at,
            position: self.position,
        }
    }
}

pub(crate) fn number(ticket: Ulid) -> Vec<u8> {
    join(&[NUMBER, &ticket.to_bytes()])
}

pub(crate) fn ticket_by_number(number: u64) -> Vec<u8> {
    join(&[TICKET_BY_NUMBER, &number.to_be_bytes()])
}

pub(crate) fn attachment_prefix(ticket: Ulid) -> Vec<u8> {
    join(&[ATTACHMENT, &ticket.to_bytes(), b""])
}

pub(crate) fn attachment(ticket: Ulid, attachment: Ulid) -> Vec<u8> {
    join(&[ATTACHMENT, &ticket.to_bytes(), &attachment.to_bytes()])
}

pub(crate) fn be_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

pub(crate) fn ulid(bytes: &[u8]) -> Option<Ulid> {
    let raw: [u8; 16] = bytes.try_into().ok()?;
    Some(Ulid::from_bytes(raw))
}

/// Where a page ended: the last entry served, by its time and position. Text form
/// `<recorded_at micros>.<position>`, opaque to clients. One cursor type serves all three
/// feeds (the ticket feed reads only the position).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    /// The last served entry's `recorded_at`.
    pub recorded_at: Timestamp,
    /// The last served entry's log position.
    pub position: u64,
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.recorded_at.as_micros(), self.position)
    }
}

/// A cursor string that was not written by [`Cursor`]'s `Display`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed history cursor {0:?}")]
pub struct BadCursor(pub String);

impl FromStr for Cursor {
    type Err = BadCursor;

    fn from_str(s: &str) -> Result<Cursor, BadCursor> {
        let bad = || BadCursor(s.chars().take(64).collect());
        let (time, position) = s.rsplit_once('.').ok_or_else(bad)?;
        Ok(Cursor {
            recorded_at: Timestamp(time.parse().map_err(|_| bad())?),
            position: position.parse().map_err(|_| bad())?,
        })
    }
}

impl serde::Serialize for Cursor {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
