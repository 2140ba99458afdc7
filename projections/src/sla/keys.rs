//! The byte layout of the sla model's keys, and the upkeep of its two time-ordered indexes of
//! the current state (the span index is written by [`super::spans`]).
//!
//! Times are sign-flipped big-endian micros ([`crate::kv::ordered_i64`]) so byte order is time
//! order; ids are 16 bytes; a kind is one byte ([`SlaKind`]). Every part has a fixed width.
//! [`sync`] diffs the index entries a ticket's state yields before and after an event and
//! writes exactly the difference, so the indexes are exact after every event.

use std::collections::BTreeMap;

use ledgerdesk_core::Timestamp;
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::model::{SlaKind, TicketSla};
use crate::kv::{encode_value, from_ordered_i64, ordered_i64};
use crate::{Changes, ProjectionError};

/// `p/<priority 16>` → the priority's current `SlaTargets`.
pub(crate) const PRIORITY: &[u8] = b"p/";
/// `c/<calendar 16>` → the calendar's current version (u64 BE).
pub(crate) const CALENDAR: &[u8] = b"c/";
/// `v/<calendar 16>/<version 8>` → `CalendarSnapshot`, one per calendar event, immutable.
pub(crate) const CALENDAR_VERSION: &[u8] = b"v/";
/// `t/<ticket 16>` → [`TicketSla`].
pub(crate) const TICKET: &[u8] = b"t/";
/// `d/<kind 1>/<due 8>/<ticket 16>` → [`Listed`]: running clocks by due time.
pub(crate) const DUE: &[u8] = b"d/";
/// `s/<kind 1>/<end 8>/<ticket 16>` → [`ClosedSpan`]: past overdue spans by the time they
/// ended, written once, only for clocks that were actually overdue.
pub(crate) const SPAN: &[u8] = b"s/";
/// `o/<kind 1>/<decided 8>/<ticket 16>` → [`super::model::Outcome`]: met or breached targets
/// by the time they were met or breached.
pub(crate) const OUTCOME: &[u8] = b"o/";

/// A running clock in the due index: since when it has stood so, and what it is grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Listed {
    /// The clock's [`super::model::Clock::due_since`]: it is not overdue before then.
    pub since: Timestamp,
    /// The ticket's priority, group and agent.
    pub dims: Dims,
}

/// A past overdue span of one clock, `[from, end)` with `end` in the key: the clock was
/// overdue at every `T` in it, with this due time and these dims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ClosedSpan {
    /// The first instant it was overdue and so listed: after its due time, and not before
    /// the due time took effect.
    pub from: Timestamp,
    /// The due time that had passed.
    pub due: Timestamp,
    /// The ticket's priority, group and agent during the span.
    pub dims: Dims,
}

/// What the reports group a running clock by: the ticket's priority, group and agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct Dims {
    pub priority_id: Option<Ulid>,
    pub group_id: Option<Ulid>,
    pub agent_id: Option<Ulid>,
}

impl Dims {
    /// The ticket's current priority, group and agent.
    pub(crate) fn of(sla: &TicketSla) -> Dims {
        Dims {
            priority_id: sla.priority_id,
            group_id: sla.group_id,
            agent_id: sla.agent_id,
        }
    }
}

fn join(prefix: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut key = prefix.to_vec();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            key.push(b'/');
        }
        key.extend_from_slice(part);
    }
    key
}

pub(crate) fn priority(id: Ulid) -> Vec<u8> {
    join(PRIORITY, &[&id.to_bytes()])
}

pub(crate) fn calendar(id: Ulid) -> Vec<u8> {
    join(CALENDAR, &[&id.to_bytes()])
}

pub(crate) fn calendar_version(id: Ulid, version: u64) -> Vec<u8> {
    join(CALENDAR_VERSION, &[&id.to_bytes(), &version.to_be_bytes()])
}

pub(crate) fn ticket(id: Ulid) -> Vec<u8> {
    join(TICKET, &[&id.to_bytes()])
}

/// `<prefix><kind>/`: every entry of one kind in one index.
pub(crate) fn kind_prefix(index: &[u8], kind: SlaKind) -> Vec<u8> {
    join(index, &[&[kind.code()], b""])
}

/// `<prefix><kind>/<at>`: sorts just before every entry of that instant.
pub(crate) fn at_prefix(index: &[u8], kind: SlaKind, at: Timestamp) -> Vec<u8> {
    join(index, &[&[kind.code()], &ordered_i64(at.as_micros())])
}

pub(crate) fn entry(index: &[u8], kind: SlaKind, at: Timestamp, ticket: Ulid) -> Vec<u8> {
    join(
        index,
        &[
            &[kind.code()],
            &ordered_i64(at.as_micros()),
            &ticket.to_bytes(),
        ],
    )
}

/// The time and ticket of an index key (its last 25 bytes: `<at 8>/<ticket 16>`).
pub(crate) fn parse_entry(key: &[u8]) -> Option<(Timestamp, Ulid)> {
    let tail = key.get(key.len().checked_sub(25)?..)?;
    let at = from_ordered_i64(&tail[..8])?;
    let id: [u8; 16] = tail[9..].try_into().ok()?;
    Some((Timestamp(at), Ulid::from_bytes(id)))
}

pub(crate) fn be_u64(bytes: &[u8]) -> Result<u64, ProjectionError> {
    let arr: [u8; 8] = bytes
        .try_into()
        .map_err(|_| ProjectionError::Inconsistent("an sla version is not 8 bytes".to_owned()))?;
    Ok(u64::from_be_bytes(arr))
}

/// The index entries (key → encoded value) a ticket's state yields.
fn entries(sla: &TicketSla) -> Result<BTreeMap<Vec<u8>, Vec<u8>>, ProjectionError> {
    let mut out = BTreeMap::new();
    if sla.trashed {
        return Ok(out);
    }
    let dims = Dims::of(sla);
    for kind in SlaKind::ALL {
        let clock = sla.clock(kind);
        if let (Some(due), Some(since)) = (clock.due, clock.due_since) {
            let listed = Listed { since, dims };
            out.insert(entry(DUE, kind, due, sla.ticket_id), encode_value(&listed)?);
        }
        if let Some(outcome) = clock.outcome {
            let key = entry(OUTCOME, kind, outcome.decided_at(), sla.ticket_id);
            out.insert(key, encode_value(&outcome)?);
        }
    }
    Ok(out)
}

/// Writes the difference between the index entries of `before` and `after`.
pub(crate) fn sync(
    changes: &mut Changes<'_>,
    before: Option<&TicketSla>,
    after: Option<&TicketSla>,
) -> Result<(), ProjectionError> {
    let old = before.map(entries).transpose()?.unwrap_or_default();
    let new = after.map(entries).transpose()?.unwrap_or_default();
    for key in old.keys().filter(|k| !new.contains_key(*k)) {
        changes.remove(key);
    }
    for (key, value) in new {
        if old.get(&key) != Some(&value) {
            changes.insert(&key, value);
        }
    }
    Ok(())
}
