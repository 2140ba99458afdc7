//! The `views` read model: ticket lists with filters, sorting and cursor pagination, maintained
//! counters, statistics per day, tag and group, and text search.
//!
//! **Events consumed**: every event of `ticket` streams, and the `*.deleted` events of the
//! directory entities a summary refers to (groups, departments, help desks, priorities,
//! statuses, categories, locations, sources, tags, urgencies, impacts, closure codes): a
//! delete that names a replacement moves the tickets onto it (see `replace.rs`). Other
//! streams' events are skipped on their type name. The
//! ticket number is derived by counting ticket streams at their version 1, in log order, from
//! 1001: exactly how the event store numbers them (`EventStore::stream_number`). Every ticket
//! event moves `updated_at`; `ticket.created`, the `*_changed` events of the listed fields,
//! `ticket.status_changed`, `ticket.assignment_changed`, `ticket.first_response_recorded`,
//! `ticket.trashed`/`restored`/`purged` change the summary; `ticket.created`,
//! `ticket.subject_changed`, `ticket.description_changed` and `ticket.reply_*` change the text
//! index; `ticket.linked`, `ticket.unlinked` and `ticket.purged` change the link records of
//! both tickets (`links.rs`: the other side of a link is derived here, not written to the
//! other ticket's stream). A ticket-stream event that does not decode stops the projection with
//! [`ProjectionError::Decode`] (a newer event type needs a newer build), never a panic.
//!
//! **Keys** (the model's records, see [`crate::Changes`]): only the primary records, so that
//! an event writes one or two of them (and a rebuild window one or two per ticket, plus one
//! per reply):
//! - `k`: how many ticket streams have started (u64 BE): the next ticket's number;
//! - `s <ticket>` → [`TicketSummary`] (bincode), which carries the number;
//! - `x <ticket> <source>` → the tokens of one text source of the ticket, see `search.rs`;
//! - `l <ticket> <direction> <other>` → a link as `ticket` sees it, see `links.rs`.
//!
//! **The in-memory index** ([`ViewsMemory`], see `memory.rs`): the sets of tickets per field
//! value, the sort orders and the postings, derived from the stored summaries and documents
//! when the model is opened and then from each committed chunk. It is what queries read: a
//! filtered, sorted page is a set intersection and an ordered walk, a count is a set's size.
//!
//! **Checkpoint semantics**: the runner writes a chunk's changes and its checkpoint in one
//! batch, and `apply` reads through the chunk's overlay, so every event is applied exactly
//! once; the index is a pure function of the stored records, so it always agrees with them.
//! The model is a pure function of the log (no clock: times are `recorded_at`), so a rebuild
//! gives the same digest as the live model. Bump [`VERSION`] whenever a key layout or a rule
//! here changes.
//!
//! **Queries** ([`query`](self::query) functions and [`stats`](self::stats)) read the index of
//! a [`crate::ProjectionView`] only and say the position they reflect.

mod filter;
mod index;
mod links;
mod list;
mod memory;
mod query;
mod replace;
mod search;
mod stats;
mod summary;
#[cfg(test)]
mod tests;

pub use filter::{TicketFilter, TimeRange};
pub use index::{Field, SortField};
pub use links::{links, LinkDirection, LinkRecord};
pub use list::list;
pub use memory::ViewsMemory;
pub use query::{
    count_filtered, counts, get, get_by_number, search, Count, CountsPage, FilterCount, ListPage,
    SearchPage, ViewsError, MAX_PAGE, MAX_SCAN,
};
pub use search::tokenize;
pub use stats::{daily, top, DailyStats, DayStat, TopPage};
pub use summary::TicketSummary;

use std::sync::Arc;

use ledgerdesk_core::ticket::TicketEvent;
use ledgerdesk_core::{DomainEvent, RecordedEvent, StreamKind};

pub(crate) use crate::kv::{decode_value, encode_value, load, save};
use crate::{Changes, MemoryIndex, Projection, ProjectionError, ProjectionView};

/// The projection's name (its trees and its status line).
pub const NAME: &str = "views";
/// The projection's version: bump to rebuild at start-up after a change of meaning.
pub const VERSION: u32 = 6;

const STREAM_COUNT: &[u8] = b"k";
/// Prefix of summaries.
pub(crate) const SUMMARY: u8 = b's';

/// The ticket list read model.
#[derive(Debug, Clone, Copy, Default)]
pub struct TicketViews;

impl Projection for TicketViews {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn apply(
        &self,
        changes: &mut Changes<'_>,
        record: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        if record.stream.kind != StreamKind::Ticket {
            if let Some(r) = replace::replacement(record)? {
                replace::apply(changes, &r)?;
            }
            return Ok(());
        }
        let ticket = record.stream.id;
        let number = if record.version == 1 {
            number_stream(changes)?
        } else {
            0
        };
        let event = TicketEvent::from_recorded(record).map_err(|e| ProjectionError::Decode {
            position: record.position,
            detail: e.to_string(),
        })?;
        let key = keyed(SUMMARY, &ticket.to_bytes());
        let before: Option<TicketSummary> = load(changes, &key)?;
        let mut after = summary::evolve(before.as_ref(), &event, record, number);
        let text_applies = after.is_some() && !before.as_ref().is_some_and(|b| b.purged);
        if text_applies {
            let replies = after.as_ref().map_or(0, |a| a.reply_count);
            if let Some(replies) = search::apply(changes, ticket, &event, replies)? {
                if let Some(a) = after.as_mut() {
                    a.reply_count = replies;
                }
            }
            links::apply(changes, ticket, &event)?;
        }
        if after != before {
            match &after {
                Some(s) => save(changes, &key, s)?,
                None => changes.remove(&key),
            }
        }
        Ok(())
    }

    fn open_memory(
        &self,
        view: &ProjectionView,
    ) -> Result<Option<Arc<dyn MemoryIndex>>, ProjectionError> {
        Ok(Some(Arc::new(ViewsMemory::load(view)?)))
    }
}

/// The number of a new ticket stream: the store numbers ticket streams from 1001 in the log
/// order of their first event, and so does this.
fn number_stream(changes: &mut Changes<'_>) -> Result<u64, ProjectionError> {
    let count = load_raw_u64(changes, STREAM_COUNT)?.unwrap_or(0) + 1;
    changes.insert(STREAM_COUNT, count.to_be_bytes().to_vec());
    Ok(StreamKind::Ticket.first_number() - 1 + count)
}

/// `tag` followed by `rest`.
pub(crate) fn keyed(tag: u8, rest: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(rest.len() + 1);
    k.push(tag);
    k.extend_from_slice(rest);
    k
}

/// A stored u64 (8 bytes BE); anything else is an inconsistency.
pub(crate) fn decode_u64(bytes: &[u8]) -> Result<u64, ProjectionError> {
    let arr: [u8; 8] = bytes
        .try_into()
        .map_err(|_| ProjectionError::Inconsistent("a counter is not 8 bytes".to_owned()))?;
    Ok(u64::from_be_bytes(arr))
}

fn load_raw_u64(changes: &Changes<'_>, key: &[u8]) -> Result<Option<u64>, ProjectionError> {
    changes.get(key)?.map(|v| decode_u64(&v)).transpose()
}
