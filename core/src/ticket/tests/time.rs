//! Corrections of time entries: who may edit, deleted and unknown entries, ranges, no-ops.

use ulid::Ulid;

use crate::ids::{Actor, Timestamp};
use crate::ticket::commands::{EditTimeEntry, TicketCommand};
use crate::ticket::error::TicketError;
use crate::ticket::events::{TicketEvent, TimeEntryEdited, TimeEntryValues};
use crate::ticket::testkit::*;

use super::lifecycle::log_time;

fn logged(from: Option<Timestamp>, to: Timestamp) -> TimeEntryValues {
    TimeEntryValues {
        user_id: AGENT,
        from,
        to,
        category_id: None,
        comment: Some("fixed".into()),
    }
}

fn edit_time(any_entry: bool) -> EditTimeEntry {
    EditTimeEntry {
        entry_id: Ulid(700),
        any_entry,
        ..EditTimeEntry::default()
    }
}

#[test]
fn an_edit_moves_the_entry_to_its_new_values() {
    let from = Timestamp(NOW.0 - 3_600_000_000);
    let new_from = Timestamp(NOW.0 - 7_200_000_000);
    let state = given_created()
        .after(log_time(Some(from), NOW))
        .when_by(
            Actor::User(OTHER_AGENT),
            TicketCommand::EditTimeEntry(EditTimeEntry {
                from: Some(Some(new_from)),
                category_id: Some(Some(Ulid(3))),
                comment: Some(None),
                ..edit_time(true)
            }),
        )
        .then(vec![TicketEvent::TimeEntryEdited(TimeEntryEdited {
            entry_id: Ulid(700),
            old: logged(Some(from), NOW),
            new: TimeEntryValues {
                category_id: Some(Ulid(3)),
                comment: None,
                ..logged(Some(new_from), NOW)
            },
        })]);
    let entry = &state.time_entries[&Ulid(700)];
    assert_eq!(entry.from, Some(new_from));
    assert_eq!(entry.category_id, Some(Ulid(3)));
    assert_eq!(entry.comment, None);
}

#[test]
fn the_entrys_own_user_may_edit_it_without_being_a_worker() {
    let events = given_created()
        .after(log_time(None, NOW))
        .when_by(
            Actor::User(AGENT),
            TicketCommand::EditTimeEntry(EditTimeEntry {
                comment: Some(Some("better".into())),
                ..edit_time(false)
            }),
        )
        .then_events();
    assert_eq!(events.len(), 1);
}

#[test]
fn someone_elses_entry_is_refused_without_the_right_to_edit_any() {
    given_created()
        .after(log_time(None, NOW))
        .when_by(
            Actor::User(OTHER_AGENT),
            TicketCommand::EditTimeEntry(EditTimeEntry {
                comment: Some(Some("mine now".into())),
                ..edit_time(false)
            }),
        )
        .then_err(TicketError::NotTimeEntryAuthor {
            entry_id: Ulid(700),
        });
}

#[test]
fn a_deleted_or_unknown_entry_cannot_be_edited() {
    given_created()
        .after(log_time(None, NOW))
        .after(TicketCommand::DeleteTimeEntry {
            entry_id: Ulid(700),
        })
        .when(TicketCommand::EditTimeEntry(edit_time(true)))
        .then_err(TicketError::TimeEntryDeleted {
            entry_id: Ulid(700),
        });
    given_created()
        .when(TicketCommand::EditTimeEntry(edit_time(true)))
        .then_err(TicketError::TimeEntryNotFound {
            entry_id: Ulid(700),
        });
}

#[test]
fn an_edit_keeps_the_entry_ending_after_it_starts() {
    given_created()
        .after(log_time(Some(Timestamp(NOW.0 - 60_000_000)), NOW))
        .when(TicketCommand::EditTimeEntry(EditTimeEntry {
            to: Some(Timestamp(NOW.0 - 120_000_000)),
            ..edit_time(true)
        }))
        .then_err(TicketError::EmptyTimeRange {
            from: Timestamp(NOW.0 - 60_000_000),
            to: Timestamp(NOW.0 - 120_000_000),
        });
}

#[test]
fn an_edit_that_changes_nothing_writes_nothing() {
    given_created()
        .after(log_time(None, NOW))
        .when(TicketCommand::EditTimeEntry(EditTimeEntry {
            comment: Some(Some(" fixed ".into())),
            to: Some(NOW),
            ..edit_time(true)
        }))
        .then_nothing();
}
