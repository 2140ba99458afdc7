//! Overdue spans: what lets the model answer "overdue as of T" exactly for a past `T`, from
//! the model alone.
//!
//! A clock is *listed* while it has a due time and its ticket is not in the trash; a listing
//! is its due time with the ticket's priority, group and agent. A listing stands from the
//! event that set it ([`Clock::due_since`]) to the event that changes or removes it (met,
//! paused, re-targeted, closed, reassigned, trashed, or simply the next update for the
//! next-update clock). While it stands, it is overdue at every `T` with `due < T`. So when an
//! event at `E` ends a listing that stood since `S` with due time `D`, the clock was overdue
//! exactly at the `T` in `[max(D + 1µs, S), E)`; if that span is not empty it is written once,
//! as `s/<kind>/<E>/<ticket>` ([`keys::SPAN`]), and its key is remembered in the ticket's
//! [`TicketSla::closed_spans`] so that a purge removes it. Nothing is written for a listing
//! that never fell due, and nothing ever for events of other streams.
//!
//! Two listings of one clock never overlap in time (each starts at or after the end of the
//! one before), so at any `T` a ticket has at most one overdue span per kind: the answer
//! needs no deduplication beyond the one [`super::overdue`] does defensively.

use ledgerdesk_core::Timestamp;

use super::keys::{self, ClosedSpan, Dims};
use super::model::{Clock, SlaKind, TicketSla};
use crate::kv::encode_value;
use crate::{Changes, ProjectionError};

/// A clock's listing: its due time and the ticket's dims, while listed.
fn listing(sla: &TicketSla, kind: SlaKind) -> Option<(Timestamp, Dims)> {
    if sla.trashed {
        return None;
    }
    sla.clock(kind).due.map(|due| (due, Dims::of(sla)))
}

/// The first instant a listing with due time `due`, standing since `since`, is overdue.
fn overdue_from(due: Timestamp, since: Option<Timestamp>) -> Timestamp {
    let after_due = Timestamp(due.as_micros().saturating_add(1));
    since.map_or(after_due, |since| since.max(after_due))
}

/// Sets [`Clock::due_since`] of each clock of `after` (the state after an event at `at`),
/// writes the overdue spans the event closes and records their keys in `after`; on a purge
/// (`after` is `None`) removes every span of the ticket.
pub(crate) fn settle(
    changes: &mut Changes<'_>,
    before: Option<&TicketSla>,
    after: Option<&mut TicketSla>,
    at: Timestamp,
) -> Result<(), ProjectionError> {
    let Some(after) = after else {
        if let Some(gone) = before {
            for (kind, end) in &gone.closed_spans {
                changes.remove(&keys::entry(keys::SPAN, *kind, *end, gone.ticket_id));
            }
        }
        return Ok(());
    };
    for kind in SlaKind::ALL {
        let old = before.and_then(|b| listing(b, kind).map(|l| (l, b.clock(kind))));
        let new = listing(after, kind);
        let kept = matches!((&old, &new), (Some((o, _)), Some(n)) if o == n);
        after.clock_mut(kind).due_since = match (&old, new) {
            (_, None) => None,
            (Some((_, clock)), Some(_)) if kept => clock.due_since,
            (_, Some(_)) => Some(at),
        };
        if kept {
            continue;
        }
        if let Some(((due, dims), clock)) = old {
            close(changes, after, kind, due, dims, clock, at)?;
        }
    }
    Ok(())
}

/// Writes the span of a listing that ended at `end`, if it was overdue at all.
fn close(
    changes: &mut Changes<'_>,
    after: &mut TicketSla,
    kind: SlaKind,
    due: Timestamp,
    dims: Dims,
    clock: &Clock,
    end: Timestamp,
) -> Result<(), ProjectionError> {
    let from = overdue_from(due, clock.due_since);
    if from >= end {
        return Ok(());
    }
    let span = ClosedSpan { from, due, dims };
    let key = keys::entry(keys::SPAN, kind, end, after.ticket_id);
    changes.insert(&key, encode_value(&span)?);
    after.closed_spans.push((kind, end));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_starts_after_the_due_time_and_not_before_the_listing() {
        let due = Timestamp(1_000);
        assert_eq!(overdue_from(due, Some(Timestamp(500))), Timestamp(1_001));
        assert_eq!(overdue_from(due, Some(Timestamp(2_000))), Timestamp(2_000));
        assert_eq!(overdue_from(due, None), Timestamp(1_001));
        assert_eq!(overdue_from(Timestamp(i64::MAX), None), Timestamp(i64::MAX));
    }
}
