//! The `history` read model: every change of every ticket as an entry an auditor can read,
//! and the audit feeds across tickets by actor and by time.
//!
//! **Consumes** every event of `ticket` streams (all of [`TicketEvent::EVENT_TYPES`]); events
//! of other stream kinds are skipped. Each ticket event becomes one [`HistoryEntry`]: the time
//! is the envelope's `recorded_at` (never a clock), the actor the envelope's actor, the native
//! `action` the event type without `ticket.`, plus Trudesk's `history[].action` name, a
//! readable description, field-level old and new values ([`FieldChange`]) and a
//! [`Visibility`] (internal notes, their attachments and time tracking are `internal`; the API
//! filters them for requesters). The mapping lives in `describe/`.
//!
//! **Keys** (in the projection's tree; integers big-endian, times sign-flipped, see `keys`):
//! - `h/<ticket 16>/<page 8>` → a page of entries (bincode via `encode_payload`, each with
//!   its position), 16 stream versions per page: a ticket's history in log order;
//! - `a/<actor>/<block 8>` → pointers (time, position, ticket, version) to the entries of
//!   positions `64 × block ..`: the feed by actor (`actor` is `0x00` for the system, `0x01` +
//!   user ULID);
//! - `t/<block 8>` → the same pointers for every ticket event: the feed by time (the store
//!   records times that never go back, so position order is time order);
//! - `n/<ticket 16>` → number and `N/<number 8>` → ticket, with `c/tickets` the last number:
//!   ticket numbers derived as the store derives them (ticket streams numbered from 1001 in
//!   log order of their first event), so the API can serve Trudesk `uid`s without the log;
//! - `f/<ticket 16>/<attachment 16>` → name and visibility of each live attachment, so that a
//!   removal is described by name and stays internal when it was a note's.
//!
//! Pages and blocks are appended to (see [`Changes::append`]): an event costs three small
//! writes, and a rebuild, whose writes collapse per key over a window of chunks, writes each
//! page and block once.
//!
//! **Purge**: `ticket.purged` removes the ticket from every read model. Its entries and its
//! attachments go; the feeds' pointers to them stay but no longer resolve, so feeds skip them;
//! the purge entry itself stays (in the ticket's history and both feeds), so the audit trail
//! still says who purged which ticket and when. Numbers stay taken, as in the store.
//!
//! **Checkpoint semantics**: the runner applies a chunk's writes and the checkpoint in one
//! batch, so each event yields its entry exactly once; an entry's keys depend only on the
//! event, so a rebuild from the log writes the same bytes (equal digests). An event of a
//! ticket stream that does not decode stops the projection with [`ProjectionError::Decode`]
//! at that position; nothing of its chunk is written.
//!
//! Queries ([`ticket_history`], [`audit_by_actor`], [`audit_by_time`]) are in `query`.

mod describe;
mod entry;
mod keys;
mod query;

#[cfg(test)]
mod tests;

use ulid::Ulid;

use ledgerdesk_core::codec::{decode_payload, encode_payload};
use ledgerdesk_core::ticket::TicketEvent;
use ledgerdesk_core::{DomainEvent, RecordedEvent, StreamKind};

pub use entry::{FieldChange, HistoryEntry, Value, Visibility};
pub use keys::{BadCursor, Cursor};
pub use query::{
    audit_by_actor, audit_by_time, ticket_by_number, ticket_history, ticket_number, HistoryPage,
    MAX_LIMIT,
};

use describe::{describe, Known};
use entry::AttachmentInfo;

use crate::{Changes, Projection, ProjectionError};

/// The projection's name: its trees and its status line.
pub const NAME: &str = "history";

/// The history projection. Register it with the [`crate::ProjectionRunner`]; read it with
/// the functions of this module over `runner.view(NAME)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct HistoryProjection;

impl Projection for HistoryProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> u32 {
        // 3: an actor's feed in blocks of its own pointers, not of log positions.
        3
    }

    fn apply(
        &self,
        changes: &mut Changes<'_>,
        event: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        if event.stream.kind != StreamKind::Ticket {
            return Ok(());
        }
        let ticket = event.stream.id;
        if event.version == 1 {
            assign_number(changes, ticket)?;
        }
        let domain = TicketEvent::from_recorded(event).map_err(|e| ProjectionError::Decode {
            position: event.position,
            detail: e.to_string(),
        })?;
        let number = stored_number(changes, ticket)?.ok_or_else(|| {
            ProjectionError::Inconsistent(format!(
                "ticket {ticket} has events but no number (its first event was not seen)"
            ))
        })?;
        let described = describe(&domain, &ChangesKnown { changes, ticket })?;
        let entry = HistoryEntry {
            ticket_id: ticket,
            ticket_number: number,
            position: event.position,
            version: event.version,
            event_id: event.event_id,
            recorded_at: event.recorded_at,
            actor: event.actor,
            action: native_action(&event.event_type).to_owned(),
            event_type: event.event_type.clone(),
            trudesk_action: described.trudesk_action,
            description: described.description,
            changes: described.changes,
            visibility: described.visibility,
        };
        remember_attachments(changes, ticket, &domain)?;
        if matches!(domain, TicketEvent::Purged(_)) {
            purge(changes, ticket)?;
        }
        write_entry(changes, &entry)
    }
}

/// The native action of an event type: its name within the ticket domain.
pub fn native_action(event_type: &str) -> &str {
    event_type.strip_prefix("ticket.").unwrap_or(event_type)
}

fn encode<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, ProjectionError> {
    encode_payload(value)
        .map_err(|e| ProjectionError::Inconsistent(format!("cannot encode history value: {e}")))
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ProjectionError> {
    decode_payload(bytes)
        .map_err(|e| ProjectionError::Inconsistent(format!("history value does not decode: {e}")))
}

fn stored_number(changes: &Changes<'_>, ticket: Ulid) -> Result<Option<u64>, ProjectionError> {
    Ok(changes
        .get(&keys::number(ticket))?
        .and_then(|v| keys::be_u64(&v)))
}

/// The u64 kept at `key` (a counter), if set; a malformed one is an inconsistency.
fn counter(changes: &Changes<'_>, key: &[u8], what: &str) -> Result<Option<u64>, ProjectionError> {
    changes
        .get(key)?
        .map(|v| {
            keys::be_u64(&v)
                .ok_or_else(|| ProjectionError::Inconsistent(format!("malformed {what}")))
        })
        .transpose()
}

/// Numbers a ticket stream at its first event, exactly as the store does.
fn assign_number(changes: &mut Changes<'_>, ticket: Ulid) -> Result<(), ProjectionError> {
    if stored_number(changes, ticket)?.is_some() {
        return Ok(());
    }
    let last = counter(changes, keys::LAST_NUMBER, "last ticket number")?
        .unwrap_or(StreamKind::Ticket.first_number() - 1);
    let number = last
        .checked_add(1)
        .ok_or_else(|| ProjectionError::Inconsistent("ticket numbers are exhausted".to_owned()))?;
    changes.insert(&keys::number(ticket), number.to_be_bytes().to_vec());
    changes.insert(&keys::ticket_by_number(number), ticket.to_bytes().to_vec());
    changes.insert(keys::LAST_NUMBER, number.to_be_bytes().to_vec());
    Ok(())
}

fn write_entry(changes: &mut Changes<'_>, entry: &HistoryEntry) -> Result<(), ProjectionError> {
    changes.append(
        &keys::page(entry.ticket_id, entry.version),
        &keys::page_record(entry.position, &encode(entry)?),
    )?;
    let pointer = keys::Pointer {
        recorded_at: entry.recorded_at,
        position: entry.position,
        ticket: entry.ticket_id,
        version: entry.version,
    }
    .encode();
    let count_key = keys::actor_count(entry.actor);
    let nth = counter(changes, &count_key, "actor feed count")?.unwrap_or(0);
    changes.append(&keys::actor_block(entry.actor, nth), &pointer)?;
    changes.insert(&count_key, (nth + 1).to_be_bytes().to_vec());
    changes.append(&keys::time_block(entry.position), &pointer)
}

fn remember_attachments(
    changes: &mut Changes<'_>,
    ticket: Ulid,
    event: &TicketEvent,
) -> Result<(), ProjectionError> {
    match event {
        TicketEvent::AttachmentAdded(a) => {
            let info = AttachmentInfo {
                name: a.attachment.name.clone(),
                internal: matches!(a.target, ledgerdesk_core::ticket::AttachmentTarget::Note(_)),
            };
            changes.insert(
                &keys::attachment(ticket, a.attachment.attachment_id),
                encode(&info)?,
            );
        }
        TicketEvent::AttachmentRemoved(a) => {
            changes.remove(&keys::attachment(ticket, a.attachment_id));
        }
        _ => {}
    }
    Ok(())
}

/// Drops a purged ticket's entries and attachments (the feeds' pointers to them no longer
/// resolve).
fn purge(changes: &mut Changes<'_>, ticket: Ulid) -> Result<(), ProjectionError> {
    for key in changes.keys_with_prefix(&keys::ticket_prefix(ticket))? {
        changes.remove(&key);
    }
    for key in changes.keys_with_prefix(&keys::attachment_prefix(ticket))? {
        changes.remove(&key);
    }
    Ok(())
}

/// [`Known`] over the chunk's overlay: sees earlier events of the same chunk.
struct ChangesKnown<'c, 'a> {
    changes: &'c Changes<'a>,
    ticket: Ulid,
}

impl Known for ChangesKnown<'_, '_> {
    fn ticket_number(&self, id: Ulid) -> Result<Option<u64>, ProjectionError> {
        stored_number(self.changes, id)
    }

    fn attachment(&self, id: Ulid) -> Result<Option<AttachmentInfo>, ProjectionError> {
        match self.changes.get(&keys::attachment(self.ticket, id))? {
            Some(bytes) => Ok(Some(decode(&bytes)?)),
            None => Ok(None),
        }
    }
}
