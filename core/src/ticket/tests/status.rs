//! Status changes and their transitions, waiting reasons included.

use ulid::Ulid;

use crate::ticket::commands::{waiting, TicketCommand};
use crate::ticket::decide::transition_allowed;
use crate::ticket::error::TicketError;
use crate::ticket::events::{StatusChange, TicketEvent};
use crate::ticket::testkit::*;
use crate::ticket::types::{StatusTarget, WaitingReason};
use crate::ticket::StatusCategory;

use super::{cancel, change_status, close};

fn wait_for(reason: WaitingReason) -> TicketCommand {
    TicketCommand::ChangeStatus {
        target: waiting(status(StatusCategory::Waiting), reason),
        comment: None,
    }
}

#[test]
fn change_status_names_old_and_new_with_the_comment() {
    given_created()
        .when(TicketCommand::ChangeStatus {
            target: target(StatusCategory::InProgress),
            comment: Some(" on it ".into()),
        })
        .then(vec![TicketEvent::StatusChanged(StatusChange {
            old: status(StatusCategory::New),
            old_waiting_for: None,
            new: status(StatusCategory::InProgress),
            waiting_for: None,
            comment: Some("on it".into()),
        })]);
}

#[test]
fn change_to_the_current_status_writes_nothing() {
    given_created()
        .when(change_status(StatusCategory::New))
        .then_nothing();
}

#[test]
fn waiting_needs_a_reason() {
    given_created()
        .when(change_status(StatusCategory::Waiting))
        .then_err(TicketError::WaitingReasonRequired);
}

#[test]
fn a_reason_needs_a_waiting_status() {
    given_created()
        .when(TicketCommand::ChangeStatus {
            target: StatusTarget {
                status: status(StatusCategory::Pending),
                waiting_for: Some(WaitingReason::Customer),
            },
            comment: None,
        })
        .then_err(TicketError::WaitingReasonWithoutWaiting {
            category: StatusCategory::Pending,
        });
}

#[test]
fn waiting_for_the_customer_is_recorded() {
    let state = given_created()
        .when(wait_for(WaitingReason::Customer))
        .then_state();
    assert_eq!(state.waiting_for, Some(WaitingReason::Customer));
}

#[test]
fn waiting_for_another_reason_is_a_change() {
    let state = given_created()
        .after(wait_for(WaitingReason::Customer))
        .when(wait_for(WaitingReason::Agent))
        .then_state();
    assert_eq!(state.waiting_for, Some(WaitingReason::Agent));
}

#[test]
fn waiting_until_a_past_date_is_refused() {
    given_created()
        .when(wait_for(WaitingReason::Until(NOW)))
        .then_err(TicketError::WaitUntilInPast {
            until: NOW,
            now: NOW,
        });
    given_created()
        .when(wait_for(WaitingReason::Until(crate::ids::Timestamp(
            NOW.0 + 1,
        ))))
        .then_events();
}

#[test]
fn waiting_for_an_external_entity_needs_its_link() {
    given_created()
        .when(wait_for(WaitingReason::ExternalEntity(Ulid(90))))
        .then_err(TicketError::ExternalLinkNotFound { link_id: Ulid(90) });
    given_created()
        .after(TicketCommand::LinkExternal {
            link_id: Ulid(90),
            entity_id: "JIRA-7".into(),
            reference: None,
        })
        .when(wait_for(WaitingReason::ExternalEntity(Ulid(90))))
        .then_events();
}

#[test]
fn waiting_for_itself_is_refused() {
    given_created()
        .when(wait_for(WaitingReason::Ticket(TICKET)))
        .then_err(TicketError::SelfReference {
            field: "waiting_for",
        });
    given_created()
        .when(wait_for(WaitingReason::Ticket(OTHER_TICKET)))
        .then_events();
}

#[test]
fn a_closed_ticket_only_goes_back_to_a_starting_status() {
    given_created()
        .after(close())
        .when(change_status(StatusCategory::Pending))
        .then_err(TicketError::TransitionNotAllowed {
            from: StatusCategory::Closed,
            to: StatusCategory::Pending,
        });
    let state = given_created()
        .after(close())
        .when(change_status(StatusCategory::Open))
        .then_state();
    assert_eq!(state.reopen_count, 1);
}

#[test]
fn a_resolved_ticket_cannot_be_cancelled() {
    given_created()
        .after(change_status(StatusCategory::Resolved))
        .when(change_status(StatusCategory::Cancelled))
        .then_err(TicketError::TransitionNotAllowed {
            from: StatusCategory::Resolved,
            to: StatusCategory::Cancelled,
        });
}

#[test]
fn a_cancelled_ticket_stays_cancelled() {
    given_created()
        .after(cancel())
        .when(change_status(StatusCategory::Open))
        .then_err(TicketError::Cancelled);
}

#[test]
fn a_trashed_ticket_takes_no_status_change() {
    given_created()
        .after(TicketCommand::Trash)
        .when(change_status(StatusCategory::Open))
        .then_err(TicketError::InTrash);
}

#[test]
fn the_transition_table() {
    use StatusCategory as S;
    for to in S::ALL {
        assert!(transition_allowed(S::Open, to));
        assert!(!transition_allowed(S::Cancelled, to));
        let restarts = matches!(to, S::New | S::Open | S::InProgress);
        assert_eq!(transition_allowed(S::Closed, to), restarts);
        assert_eq!(transition_allowed(S::Rejected, to), restarts);
        assert_eq!(
            transition_allowed(S::Resolved, to),
            restarts || matches!(to, S::Resolved | S::Closed)
        );
    }
}
