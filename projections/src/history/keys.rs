//! The byte layout of the history model's keys, and the cursor that points into its indexes.
//!
//! Integers are big-endian so that byte order is numeric order; a `recorded_at` has its sign
//! bit flipped first, so that instants before 1970 still sort before later ones. Every part
//! between `/` separators has a fixed width, so no key is a prefix of another kind of key.

use std::fmt;
use std::str::FromStr;

use ulid::Ulid;

use ledgerdesk_core::{Actor, Timestamp};

/// `h/<ticket 16>/<position 8>` → [`super::HistoryEntry`].
pub(crate) const ENTRY: &[u8] = b"h/";
/// `a/<actor>/<recorded_at 8>/<position 8>` → ticket ULID (16 bytes).
pub(crate) const BY_ACTOR: &[u8] = b"a/";
/// `t/<recorded_at 8>/<position 8>` → ticket ULID (16 bytes).
pub(crate) const BY_TIME: &[u8] = b"t/";
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

/// Every entry of one ticket, in position order.
pub(crate) fn ticket_prefix(ticket: Ulid) -> Vec<u8> {
    join(&[ENTRY, &ticket.to_bytes(), b""])
}

pub(crate) fn entry(ticket: Ulid, position: u64) -> Vec<u8> {
    join(&[ENTRY, &ticket.to_bytes(), &position.to_be_bytes()])
}

/// Every pointer of one actor, in time order.
pub(crate) fn actor_prefix(actor: Actor) -> Vec<u8> {
    join(&[BY_ACTOR, &actor_bytes(actor), b""])
}

pub(crate) fn by_actor(actor: Actor, at: Timestamp, position: u64) -> Vec<u8> {
    join(&[
        BY_ACTOR,
        &actor_bytes(actor),
        &time_bytes(at),
        &position.to_be_bytes(),
    ])
}

pub(crate) fn by_time(at: Timestamp, position: u64) -> Vec<u8> {
    join(&[BY_TIME, &time_bytes(at), &position.to_be_bytes()])
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

impl Cursor {
    /// The two key parts a time-ordered index is sorted by: `<recorded_at 8>/<position 8>`.
    pub(crate) fn suffix(&self) -> Vec<u8> {
        join(&[
            b"",
            &time_bytes(self.recorded_at),
            &self.position.to_be_bytes(),
        ])
    }

    /// The cursor of a time-ordered index key that ends with [`Cursor::suffix`].
    pub(crate) fn from_key_suffix(key: &[u8]) -> Option<Cursor> {
        // The last 17 bytes: `<time 8>/<position 8>`.
        let tail = key.get(key.len().checked_sub(17)?..)?;
        let time: [u8; 8] = tail[..8].try_into().ok()?;
        Some(Cursor {
            recorded_at: time_from_bytes(time),
            position: be_u64(&tail[9..])?,
        })
    }
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
