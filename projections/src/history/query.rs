//! Reads of the history model: a ticket's history, and the audit feeds by actor and by time.
//!
//! Pure reads over a [`ProjectionView`]: each walks one index from a key (never a scan of the
//! whole model; a time range is found by a binary search over the feed's blocks), stops after
//! `limit` entries (at most [`MAX_LIMIT`]), and answers with the
//! position the view reflects and a `next` cursor when more entries follow. Internal entries
//! are returned too: the API filters by [`super::Visibility`] for requesters.

use serde::Serialize;
use ulid::Ulid;

use ledgerdesk_core::{Actor, Timestamp};

use super::decode;
use super::entry::HistoryEntry;
use super::keys::{self, Cursor, Pointer};
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
    let after = after.map_or(0, |c| c.position);
    let mut entries = Vec::with_capacity(limit.min(64));
    let mut more = false;
    'pages: for item in view.scan(&keys::ticket_prefix(ticket_id), None, false) {
        let (_, page) = item?;
        for (position, bytes) in keys::page_entries(&page).ok_or_else(malformed_page)? {
            if position <= after {
                continue;
            }
            if entries.len() == limit {
                more = true;
                break 'pages;
            }
            entries.push(decode::<HistoryEntry>(bytes)?);
        }
    }
    Ok(page(view, entries, more))
}

fn malformed_page() -> ProjectionError {
    ProjectionError::Inconsistent("malformed history page".to_owned())
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

/// The number of the block a feed key names (its last 8 bytes).
fn block_number(key: &[u8]) -> Result<u64, ProjectionError> {
    key.len()
        .checked_sub(8)
        .and_then(|at| keys::be_u64(&key[at..]))
        .ok_or_else(|| ProjectionError::Inconsistent("malformed history feed key".to_owned()))
}

fn block_key(prefix: &[u8], block: u64) -> Vec<u8> {
    [prefix, &block.to_be_bytes()].concat()
}

/// The first block of feed `prefix` numbered `block` or more, with its pointers.
fn block_from(
    view: &ProjectionView,
    prefix: &[u8],
    block: u64,
) -> Result<Option<(u64, Vec<Pointer>)>, ProjectionError> {
    let after = block.checked_sub(1).map(|b| block_key(prefix, b));
    match view.scan(prefix, after.as_deref(), false).next() {
        Some(item) => {
            let (key, value) = item?;
            let pointers = Pointer::decode_block(&value).ok_or_else(|| {
                ProjectionError::Inconsistent("malformed history feed block".to_owned())
            })?;
            Ok(Some((block_number(&key)?, pointers)))
        }
        None => Ok(None),
    }
}

/// The block a walk from `start` (a time, a cursor or both) begins at: the last block whose
/// first pointer comes before `start`, found by binary search (times grow with positions).
fn first_block(
    view: &ProjectionView,
    prefix: &[u8],
    start: Cursor,
) -> Result<u64, ProjectionError> {
    let last = match view.scan(prefix, None, true).next() {
        Some(item) => block_number(&item?.0)?,
        None => return Ok(0),
    };
    let (mut lo, mut hi, mut best) = (0u64, last, 0u64);
    while lo <= hi {
        let mid = lo + (hi - lo) / 2;
        match block_from(view, prefix, mid)? {
            Some((block, pointers)) if block <= hi => {
                let first = pointers.first().map(Pointer::cursor);
                if first.is_some_and(|f| f < start) {
                    best = block;
                    lo = block + 1;
                } else if mid == 0 {
                    break;
                } else {
                    hi = mid - 1;
                }
            }
            _ if mid == 0 => break,
            _ => hi = mid - 1,
        }
    }
    Ok(best)
}

/// Walks the pointer blocks of feed `prefix` from the later of `from` and `after`, up to `to`,
/// resolving each pointer to its entry (a purged ticket's no longer resolve and are skipped).
fn time_feed(
    view: &ProjectionView,
    prefix: &[u8],
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    after: Option<Cursor>,
    limit: usize,
) -> Result<HistoryPage, ProjectionError> {
    let limit = limit.clamp(1, MAX_LIMIT);
    // `from` itself is included: start just before its first instant.
    let from = from.map(|at| Cursor {
        recorded_at: at,
        position: 0,
    });
    let start = from.max(after);
    let mut block = match start {
        Some(start) => first_block(view, prefix, start)?,
        None => 0,
    };
    let mut entries = Vec::with_capacity(limit.min(64));
    let mut more = false;
    let mut page_cache: Option<(Vec<u8>, Vec<u8>)> = None;
    'blocks: while let Some((number, pointers)) = block_from(view, prefix, block)? {
        for pointer in pointers {
            let at = pointer.cursor();
            if start.is_some_and(|s| at <= s) {
                continue;
            }
            if to.is_some_and(|to| at.recorded_at >= to) {
                break 'blocks;
            }
            let page_key = keys::page(pointer.ticket, pointer.version);
            if page_cache.as_ref().is_none_or(|(k, _)| *k != page_key) {
                let page = view.get(&page_key)?.unwrap_or_default();
                page_cache = Some((page_key, page));
            }
            let Some((_, page)) = &page_cache else {
                continue;
            };
            let Some(bytes) = keys::page_entries(page)
                .ok_or_else(malformed_page)?
                .into_iter()
                .find(|(p, _)| *p == pointer.position)
                .map(|(_, b)| b)
            else {
                // The ticket was purged: its entries are gone.
                continue;
            };
            if entries.len() == limit {
                more = true;
                break 'blocks;
            }
            entries.push(decode::<HistoryEntry>(bytes)?);
        }
        block = number + 1;
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
