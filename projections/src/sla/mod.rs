//! The `sla` read model: per ticket, the policy in force, first-response, next-update
//! (Trudesk `overdueIn`) and resolution due times, pauses, and met or breached outcomes;
//! the overdue lists as of any time, and compliance reports.
//!
//! **Events consumed** (one projection over the whole log):
//! - `priority.created` / `priority.sla_changed`: the priority's current targets;
//! - `calendar.created`, `calendar.time_zone_changed`, `calendar.hours_changed`,
//!   `calendar.holiday_added` / `_removed`: a new immutable version of the calendar, keyed by
//!   the event's position;
//! - every `ticket.*` event: the ticket's SLA state ([`model`]); time is always the
//!   envelope's `recorded_at`, never a clock.
//!
//! **Policy and target changes.** Each clock holds a snapshot of its policy (priority, target
//! minutes, calendar version), taken when the clock starts: first response and resolution at
//! creation, next update at every ticket event (Trudesk counts `overdueIn` from the last
//! update). A `ticket.priority_changed` takes the new priority's targets as they stand then
//! and recomputes the running first-response and resolution clocks from their original start
//! (elapsed business time and pauses kept). A `priority.sla_changed` or a calendar change
//! does not move due times already computed: it applies to clocks that start (or re-snapshot
//! on a priority change) after it; the next-update clock picks it up at the ticket's next
//! event. So a due time never moves without an event of its own ticket, and the model needs
//! no fan-out over tickets when a priority changes.
//!
//! **Pauses.** Clocks run only in the New, Open and In-progress categories. Pending and
//! Waiting pause them ([`ledgerdesk_core::ticket::StatusCategory::pauses_sla`]); Resolved and
//! Closed decide the resolution target and pause; Cancelled and Rejected pause without an
//! outcome. A reopen resumes the clocks and withdraws the resolution outcome (the time spent
//! resolved counts as paused). A first response while paused closes the pause at that instant
//! to judge it. A paused clock has no due time and is never overdue.
//!
//! **Overdue as of any time.** Each running clock records since when its due time (with the
//! ticket's priority, group and agent) has stood ([`Clock::due_since`]); when an event ends
//! a clock's standing after it fell due (met, paused, re-targeted, closed, reassigned,
//! trashed, or the next update), the past overdue span is written once (`spans.rs`). So
//! [`overdue`] answers exactly for "now" and for any past time, from the model alone: the
//! same list a model of the events recorded up to that time would give for it.
//!
//! **Keys** (see [`keys`]): `p/<priority>` targets; `c/<calendar>` current version and
//! `v/<calendar>/<version>` snapshots; `t/<ticket>` → [`TicketSla`];
//! `d/<kind>/<due>/<ticket>` running clocks by due time, with since when they stand (the
//! overdue lists are range scans); `s/<kind>/<end>/<ticket>` past overdue spans by the time
//! they ended, one per span, only for clocks that were actually overdue;
//! `o/<kind>/<decided>/<ticket>` outcomes by the time they were met or breached (reports).
//! Trashed tickets keep their state but leave the due and outcome indexes (their past spans
//! stay: they were overdue then); `ticket.purged` removes the ticket, its entries and its
//! spans (listed in [`TicketSla::closed_spans`]).
//!
//! **Checkpoint semantics**: the runner writes a chunk's changes and its checkpoint in one
//! batch and `apply` reads through the chunk's overlay, so each event is applied exactly once
//! and the indexes always agree with the ticket states. The model is a pure function of the
//! log, so a rebuild gives the live model's digest. An event of a ticket, priority or calendar
//! stream that does not decode stops the projection with [`ProjectionError::Decode`]; nothing
//! of its chunk is written. Bump [`VERSION`] when a key layout or a rule here changes.
//!
//! **Queries** ([`ticket_sla`], [`overdue`], [`compliance`]) read a
//! [`crate::ProjectionView`] only and say the position they reflect.

pub mod calendar;
mod keys;
mod model;
mod query;
mod spans;
#[cfg(test)]
mod tests;

pub use calendar::{add_business, BusinessHours, CalendarSnapshot, Span, HORIZON_DAYS};
pub use model::{runs, CalendarRef, Clock, Outcome, Policy, SlaKind, TicketSla};
pub use query::{
    compliance, overdue, ticket_sla, BadCursor, ComplianceReport, ComplianceRow, Counts, GroupBy,
    OverdueCursor, OverdueItem, OverduePage, TicketSlaAnswer, MAX_LIMIT, MAX_SCAN,
};

use ledgerdesk_core::directory::calendar::CalendarEvent;
use ledgerdesk_core::directory::priority::{PriorityEvent, SlaTargets};
use ledgerdesk_core::ticket::TicketEvent;
use ledgerdesk_core::{DomainEvent, RecordedEvent, StreamKind, Timestamp};
use ulid::Ulid;

use crate::kv::{load, save};
use crate::{Changes, Projection, ProjectionError};

/// The projection's name (its trees and its status line).
pub const NAME: &str = "sla";
/// The projection's version: bump to rebuild at start-up after a change of meaning.
pub const VERSION: u32 = 3;

/// The SLA read model.
#[derive(Debug, Clone, Copy, Default)]
pub struct SlaProjection;

impl Projection for SlaProjection {
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
        match record.stream.kind {
            StreamKind::Ticket => apply_ticket(changes, record),
            StreamKind::Priority => apply_priority(changes, record),
            StreamKind::Calendar => apply_calendar(changes, record),
            _ => Ok(()),
        }
    }
}

fn decoded<E: DomainEvent>(record: &RecordedEvent) -> Result<E, ProjectionError> {
    E::from_recorded(record).map_err(|e| ProjectionError::Decode {
        position: record.position,
        detail: e.to_string(),
    })
}

fn apply_ticket(changes: &mut Changes<'_>, record: &RecordedEvent) -> Result<(), ProjectionError> {
    let event: TicketEvent = decoded(record)?;
    let key = keys::ticket(record.stream.id);
    let before: Option<TicketSla> = load(changes, &key)?;
    let mut after = model::evolve(
        before.as_ref(),
        &event,
        record.recorded_at,
        &ChangesDirectory { changes },
    )?;
    spans::settle(changes, before.as_ref(), after.as_mut(), record.recorded_at)?;
    keys::sync(changes, before.as_ref(), after.as_ref())?;
    match &after {
        Some(sla) if after != before => save(changes, &key, sla)?,
        Some(_) => {}
        None => changes.remove(&key),
    }
    Ok(())
}

fn apply_priority(
    changes: &mut Changes<'_>,
    record: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let targets = match decoded::<PriorityEvent>(record)? {
        PriorityEvent::Created(e) => e.sla,
        PriorityEvent::SlaChanged(e) => e.sla,
        // A deleted priority keeps its targets for the tickets still holding it; with a
        // replacement, its tickets move to the replacement's targets.
        PriorityEvent::Deleted(e) => {
            return match e.replacement_id {
                Some(replacement) => {
                    move_tickets(changes, record.stream.id, replacement, record.recorded_at)
                }
                None => Ok(()),
            };
        }
        // Renames and colours do not matter here.
        _ => return Ok(()),
    };
    save::<SlaTargets>(changes, &keys::priority(record.stream.id), &targets)
}

/// Moves every ticket of priority `deleted` to `replacement` (a delete with a replacement):
/// one scan of the tickets, a rare admin act; the overdue spans the move closes are kept.
fn move_tickets(
    changes: &mut Changes<'_>,
    deleted: Ulid,
    replacement: Ulid,
    at: Timestamp,
) -> Result<(), ProjectionError> {
    for key in changes.keys_with_prefix(keys::TICKET)? {
        let Some(before) = load::<TicketSla>(changes, &key)? else {
            continue;
        };
        if before.priority_id != Some(deleted) {
            continue;
        }
        let mut after = Some(model::replace_priority(
            &before,
            replacement,
            &ChangesDirectory { changes },
        )?);
        spans::settle(changes, Some(&before), after.as_mut(), at)?;
        keys::sync(changes, Some(&before), after.as_ref())?;
        if let Some(sla) = &after {
            save(changes, &key, sla)?;
        }
    }
    Ok(())
}

/// Points every priority counted in calendar `deleted` at `replacement` (a delete with a
/// replacement): clocks started from now on count in the replacement; running clocks keep
/// the calendar version they started with, as after any change of a priority's targets.
fn move_priorities(
    changes: &mut Changes<'_>,
    deleted: Ulid,
    replacement: Ulid,
) -> Result<(), ProjectionError> {
    for key in changes.keys_with_prefix(keys::PRIORITY)? {
        let Some(mut targets) = load::<SlaTargets>(changes, &key)? else {
            continue;
        };
        if targets.calendar_id == Some(deleted) {
            targets.calendar_id = Some(replacement);
            save(changes, &key, &targets)?;
        }
    }
    Ok(())
}

fn apply_calendar(
    changes: &mut Changes<'_>,
    record: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let id = record.stream.id;
    let event: CalendarEvent = decoded(record)?;
    let current = ChangesDirectory { changes }.current_calendar(id)?;
    let next = match (current, event) {
        (_, CalendarEvent::Created(e)) => CalendarSnapshot {
            time_zone: e.time_zone,
            hours: e.hours,
            holidays: e.holidays.into_iter().map(|h| h.date).collect(),
        },
        (Some(mut c), CalendarEvent::TimeZoneChanged(e)) => {
            c.time_zone = e.new;
            c
        }
        (Some(mut c), CalendarEvent::HoursChanged(e)) => {
            c.hours = e.new;
            c
        }
        (Some(mut c), CalendarEvent::HolidayAdded(h)) => {
            c.holidays.insert(h.date);
            c
        }
        (Some(mut c), CalendarEvent::HolidayRemoved(h)) => {
            c.holidays.remove(&h.date);
            c
        }
        // A deleted calendar keeps counting for the clocks that hold a version of it; with
        // a replacement, the priorities counted in it move to the replacement.
        (_, CalendarEvent::Deleted(e)) => {
            return match e.replacement_id {
                Some(replacement) => move_priorities(changes, id, replacement),
                None => Ok(()),
            };
        }
        // Renames change nothing here.
        _ => return Ok(()),
    };
    save(changes, &keys::calendar_version(id, record.position), &next)?;
    changes.insert(&keys::calendar(id), record.position.to_be_bytes().to_vec());
    Ok(())
}

/// [`model::Directory`] over the chunk's overlay: sees earlier events of the same chunk.
struct ChangesDirectory<'c, 'a> {
    changes: &'c Changes<'a>,
}

impl ChangesDirectory<'_, '_> {
    fn current_calendar(&self, id: Ulid) -> Result<Option<CalendarSnapshot>, ProjectionError> {
        use model::Directory;
        match self.calendar_version(id)? {
            Some(version) => self.calendar(CalendarRef {
                calendar_id: id,
                version,
            }),
            None => Ok(None),
        }
    }
}

impl model::Directory for ChangesDirectory<'_, '_> {
    fn targets(&self, priority: Ulid) -> Result<Option<SlaTargets>, ProjectionError> {
        load(self.changes, &keys::priority(priority))
    }

    fn calendar_version(&self, calendar: Ulid) -> Result<Option<u64>, ProjectionError> {
        self.changes
            .get(&keys::calendar(calendar))?
            .map(|v| keys::be_u64(&v))
            .transpose()
    }

    fn calendar(&self, at: CalendarRef) -> Result<Option<CalendarSnapshot>, ProjectionError> {
        load(
            self.changes,
            &keys::calendar_version(at.calendar_id, at.version),
        )
    }
}
