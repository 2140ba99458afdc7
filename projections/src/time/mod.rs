//! The `time` read model: time tracked on tickets, per ticket, per agent and per time
//! category, in totals and per day.
//!
//! **Events consumed**: `ticket.time_logged`, `ticket.time_entry_edited`,
//! `ticket.time_entry_deleted` and `ticket.purged`;
//! others are skipped on their type name without decoding and write nothing.
//!
//! **What an entry counts.** Its duration is `to - from` in whole seconds (truncated); an entry
//! without a start (`from` unknown) counts as an entry of 0 seconds. Its day is the UTC day of
//! its end (`to`), as days since 1970-01-01.
//!
//! **Keys**: `e/<ticket 16><entry 16>` → [`EntryRecord`] (a ticket's entries: one prefix
//! scan answers the per-ticket report); `d/<day 8><user 16><category 17>` → [`Totals`] (the
//! counter of one agent's time in one category on one day; the category is a 0 byte for none
//! or a 1 byte and the id). Logging an entry writes its record and adds to one counter;
//! editing it subtracts the old record from its counter, adds the new one to its (perhaps
//! other) counter and rewrites the record;
//! deleting it removes the record and subtracts (a counter that reaches zero is removed, so a
//! model never holds empty counters); a purge does that for each of the ticket's entries.
//! Reports over a day range scan `d/` from the first day to the last. `c/<category 16>` → the
//! number of live entries in a time category (u64 BE; absent at zero), kept beside the day
//! counter so that deleting a time category can say how many entries refer to it
//! ([`entries_in_category`]).
//!
//! The model is a pure fold of the log, so a rebuild has the live model's digest. Bump
//! [`VERSION`] when a key layout or a rule here changes.

mod query;
#[cfg(test)]
mod tests;

pub use query::{
    entries_in_category, report, ticket_time, Report, ReportFilter, Row, TicketTime, MAX_DAYS,
};

use ledgerdesk_core::ticket::TicketEvent;
use ledgerdesk_core::{DomainEvent, RecordedEvent, StreamKind, Timestamp};
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use crate::kv::{load, ordered_i64, save};
use crate::{Changes, Projection, ProjectionError};

/// The projection's name (its trees and its status line).
pub const NAME: &str = "time";
/// The projection's version: bump to rebuild at start-up after a change of meaning.
pub const VERSION: u32 = 3;

/// Microseconds in a day.
const DAY_MICROS: i64 = 86_400_000_000;

/// The event types this model reads.
const CONSUMED: [&str; 4] = [
    "ticket.time_logged",
    "ticket.time_entry_edited",
    "ticket.time_entry_deleted",
    "ticket.purged",
];

/// A time entry as the model keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryRecord {
    /// The entry.
    pub entry_id: Ulid,
    /// Who spent it.
    pub user_id: Ulid,
    /// Its time category.
    pub category_id: Option<Ulid>,
    /// When the work started, if known.
    pub from: Option<Timestamp>,
    /// When it ended.
    pub to: Timestamp,
    /// Its duration in whole seconds (0 without a start).
    pub seconds: u64,
    /// The UTC day of `to`, in days since 1970-01-01.
    pub day: i64,
    /// What was done.
    pub comment: Option<String>,
}

impl EntryRecord {
    /// The record of an entry's values, with its duration and day computed.
    fn new(
        entry_id: Ulid,
        user_id: Ulid,
        category_id: Option<Ulid>,
        from: Option<Timestamp>,
        to: Timestamp,
        comment: Option<String>,
    ) -> EntryRecord {
        let seconds = from.map_or(0, |from| {
            u64::try_from((to.0 - from.0) / 1_000_000).unwrap_or(0)
        });
        EntryRecord {
            entry_id,
            user_id,
            category_id,
            from,
            to,
            seconds,
            day: day_of(to),
            comment,
        }
    }
}

/// Time and entries summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Seconds.
    pub seconds: u64,
    /// Entries.
    pub entries: u64,
}

impl Totals {
    /// Adds an entry of `seconds`.
    pub fn add(&mut self, seconds: u64) {
        self.seconds += seconds;
        self.entries += 1;
    }
}

/// The UTC day (days since 1970-01-01) of a moment.
pub fn day_of(at: Timestamp) -> i64 {
    at.0.div_euclid(DAY_MICROS)
}

/// The time read model.
#[derive(Debug, Clone, Copy, Default)]
pub struct TimeProjection;

pub(crate) fn entry_key(ticket: Ulid, entry: Ulid) -> Vec<u8> {
    let mut k = entry_prefix(ticket);
    k.extend_from_slice(&entry.to_bytes());
    k
}

pub(crate) fn entry_prefix(ticket: Ulid) -> Vec<u8> {
    let mut k = b"e/".to_vec();
    k.extend_from_slice(&ticket.to_bytes());
    k
}

pub(crate) fn day_prefix(day: i64) -> Vec<u8> {
    let mut k = b"d/".to_vec();
    k.extend_from_slice(&ordered_i64(day));
    k
}

pub(crate) fn counter_key(day: i64, user: Ulid, category: Option<Ulid>) -> Vec<u8> {
    let mut k = day_prefix(day);
    k.extend_from_slice(&user.to_bytes());
    match category {
        None => k.push(0),
        Some(c) => {
            k.push(1);
            k.extend_from_slice(&c.to_bytes());
        }
    }
    k
}

pub(crate) fn category_key(category: Ulid) -> Vec<u8> {
    let mut k = b"c/".to_vec();
    k.extend_from_slice(&category.to_bytes());
    k
}

impl Projection for TimeProjection {
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
        if record.stream.kind != StreamKind::Ticket
            || !CONSUMED.contains(&record.event_type.as_str())
        {
            return Ok(());
        }
        let event = TicketEvent::from_recorded(record).map_err(|e| ProjectionError::Decode {
            position: record.position,
            detail: e.to_string(),
        })?;
        let ticket = record.stream.id;
        match event {
            TicketEvent::TimeLogged(e) => {
                let entry = EntryRecord::new(
                    e.entry_id,
                    e.user_id,
                    e.category_id,
                    e.from,
                    e.to,
                    e.comment,
                );
                count(changes, &entry, true)?;
                save(changes, &entry_key(ticket, e.entry_id), &entry)
            }
            TicketEvent::TimeEntryEdited(e) => {
                let key = entry_key(ticket, e.entry_id);
                let old: EntryRecord = load(changes, &key)?.ok_or_else(|| {
                    ProjectionError::Inconsistent("an edited time entry is unknown".into())
                })?;
                count(changes, &old, false)?;
                let v = e.new;
                let entry = EntryRecord::new(
                    e.entry_id,
                    v.user_id,
                    v.category_id,
                    v.from,
                    v.to,
                    v.comment,
                );
                count(changes, &entry, true)?;
                save(changes, &key, &entry)
            }
            TicketEvent::TimeEntryDeleted(e) => remove(changes, &entry_key(ticket, e.entry_id)),
            TicketEvent::Purged(_) => {
                for key in changes.keys_with_prefix(&entry_prefix(ticket))? {
                    remove(changes, &key)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Removes an entry and subtracts it from its counter; an unknown entry is an inconsistency.
fn remove(changes: &mut Changes<'_>, key: &[u8]) -> Result<(), ProjectionError> {
    let entry: EntryRecord = load(changes, key)?
        .ok_or_else(|| ProjectionError::Inconsistent("a deleted time entry is unknown".into()))?;
    count(changes, &entry, false)?;
    changes.remove(key);
    Ok(())
}

/// Adds an entry to, or subtracts it from, its day/agent/category counter.
fn count(changes: &mut Changes<'_>, entry: &EntryRecord, add: bool) -> Result<(), ProjectionError> {
    let key = counter_key(entry.day, entry.user_id, entry.category_id);
    let mut totals: Totals = load(changes, &key)?.unwrap_or_default();
    if add {
        totals.add(entry.seconds);
    } else {
        totals.seconds = totals.seconds.checked_sub(entry.seconds).ok_or_else(|| {
            ProjectionError::Inconsistent("a time counter would go below zero".into())
        })?;
        totals.entries = totals.entries.checked_sub(1).ok_or_else(|| {
            ProjectionError::Inconsistent("a time counter would go below zero".into())
        })?;
    }
    if totals.entries == 0 {
        changes.remove(&key);
    } else {
        save(changes, &key, &totals)?;
    }
    if let Some(category) = entry.category_id {
        let key = category_key(category);
        let before = match changes.get(&key)? {
            Some(v) => u64::from_be_bytes(v.as_slice().try_into().map_err(|_| {
                ProjectionError::Inconsistent("a category counter is not 8 bytes".into())
            })?),
            None => 0,
        };
        let after = if add {
            before + 1
        } else {
            before.checked_sub(1).ok_or_else(|| {
                ProjectionError::Inconsistent("a category counter would go below zero".into())
            })?
        };
        if after == 0 {
            changes.remove(&key);
        } else {
            changes.insert(&key, after.to_be_bytes().to_vec());
        }
    }
    Ok(())
}
