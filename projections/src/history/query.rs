//! Reads of the history model: a ticket's history, and the audit feeds by actor and by time.
//!
//! Pure reads over a [`ProjectionView`]: each walks one index from a key (never a scan of the
//! whole model), stops after `limit` entries (at most [`MAX_LIMIT`]), and answers with the
//! position the view reflects and a `next` cursor when more entries follow. Internal entries
//! are returned too: the API filters by [`super::Visibility`] for requesters.

use serde::Serialize;
use ulid::Ulid;

use ledgerdesk_core::{Actor, Timestamp};

use super::decode;
use super::entry::HistoryEntry;
use super::keys::{self, Cursor};
use crate::{ProjectionError, ProjectionView};

/// The most entries one page holds, whatever the caller asks: bounds the work and the
/// response size of one request.
pub const MAX_LIMIT: usize = 500;

/// One page of a history or audit feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryPage {
    /// The log position the page reflects (every event up to it is in the model).
    pub position: u64,
    /// The entries, oldest first.
    pub entries: Vec<HistoryEntry>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

fn cursor_of(entry: &HistoryEntry) -> Cursor {
    Cursor {
        recorded_at: entry.recorded_at,
        position: entry.position,
    }
}

fn page(view: &ProjectionView, entries: Vec<HistoryEntry>, more: bool) -> HistoryPage {
    let next = if more {
        entries.last().map(cursor_of)
    } else {
        None
    };
    HistoryPage {
        position: view.position(),
        entries,
        next,
    }
}

/// Every change of `ticket_id` in log order, `limit` at a time (1 to [`MAX_LIMIT`]), after
/// `after` when given. An unknown ticket gives an empty page.
pub fn ticket_history(
    view: &ProjectionView,
    ticket_id: Ulid,
    after: Option<Cursor>,
    limit: usize,
) -> Result<HistoryPage, ProjectionError> {
    let limit = limit.clamp(1, MAX_LIMIT);
    let after_key = after.map(|c| keys::entry(ticket_id, c.position));
    let mut entries = Vec::with_capacity(limit.min(64));
    let mut more = false;
    for item in view.scan(&keys::ticket_prefix(ticket_id), after_key.as_deref(), false) {
        let (_, value) = item?;
        if entries.len() == limit {
            more = true;
            break;
        }
        entries.push(decode::<HistoryEntry>(&value)?);
    }
    Ok(page(view, entries, more))
}

/// What `actor` did, across tickets, in `[from, to)` (either end open when `None`), in time
/// order, `limit` at a time after `after`.
pub fn audit_by_actor(
    view: &ProjectionView,
    actor: Actor,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    after: Option<Cursor>,
    limit: usize,
) -> Result<HistoryPage, ProjectionError> {
    time_feed(view, &keys::actor_prefix(actor), from, to, after, limit)
}

/// Every change of every ticket in `[from, to)` (either end open when `None`), in time order,
/// `limit` at a time after `after`.
pub fn audit_by_time(
    view: &ProjectionView,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    after: Option<Cursor>,
    limit: usize,
) -> Result<HistoryPage, ProjectionError> {
    time_feed(view, keys::BY_TIME, from, to, after, limit)
}

/// Walks a `<prefix><recorded_at>/<position>` → ticket index from the later of `from` and
/// `after`, up to `to`, resolving each pointer to its entry.
fn time_feed(
    view: &ProjectionView,
    prefix: &[u8],
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    after: Option<Cursor>,
    limit: usize,
) -> Result<HistoryPage, ProjectionError> {
    let limit = limit.clamp(1, MAX_LIMIT);
    let with_prefix = |suffix: &[u8]| [prefix, suffix].concat();
    // `<prefix><time>` sorts just before every key of that instant: an exclusive bound at it
    // includes `from` itself.
    let from_key = from.map(|at| with_prefix(&keys::time_bytes(at)));
    let after_key = after.map(|c| with_prefix(&c.suffix()));
    let start = from_key.max(after_key);
    let mut entries = Vec::with_capacity(limit.min(64));
    let mut more = false;
    for item in view.scan(prefix, start.as_deref(), false) {
        let (key, value) = item?;
        let at = Cursor::from_key_suffix(&key).ok_or_else(|| {
            ProjectionError::Inconsistent("malformed history index key".to_owned())
        })?;
        if to.is_some_and(|to| at.recorded_at >= to) {
            break;
        }
        if entries.len() == limit {
            more = true;
            break;
        }
        let ticket = keys::ulid(&value).ok_or_else(|| {
            ProjectionError::Inconsistent("malformed history index pointer".to_owned())
        })?;
        let entry = view
            .get(&keys::entry(ticket, at.position))?
            .ok_or_else(|| {
                ProjectionError::Inconsistent(format!(
                    "history index points at a missing entry (position {})",
                    at.position
                ))
            })?;
        entries.push(decode::<HistoryEntry>(&entry)?);
    }
    Ok(page(view, entries, more))
}

/// The sequential number (Trudesk `uid`) of ticket `ticket_id`, if its stream has begun.
pub fn ticket_number(
    view: &ProjectionView,
    ticket_id: Ulid,
) -> Result<Option<u64>, ProjectionError> {
    Ok(view
        .get(&keys::number(ticket_id))?
        .and_then(|v| keys::be_u64(&v)))
}

/// The ticket that holds sequential `number`: how a dialect that speaks in numbers finds the
/// ticket without reading the log.
pub fn ticket_by_number(
    view: &ProjectionView,
    number: u64,
) -> Result<Option<Ulid>, ProjectionError> {
    Ok(view
        .get(&keys::ticket_by_number(number))?
        .and_then(|v| keys::ulid(&v)))
}
