//! Assign, reassign, pick up, unassign.

use ulid::Ulid;

use crate::ids::Actor;
use crate::ticket::commands::TicketCommand;
use crate::ticket::error::TicketError;
use crate::ticket::events::{AssignmentChange, TicketEvent};
use crate::ticket::testkit::*;
use crate::ticket::StatusCategory;

use super::close;

fn assign(group_id: Option<Ulid>, agent_id: Option<Ulid>) -> TicketCommand {
    TicketCommand::Assign { group_id, agent_id }
}

fn change(
    old: (Option<Ulid>, Option<Ulid>),
    new: (Option<Ulid>, Option<Ulid>),
    picked_up: bool,
) -> TicketEvent {
    TicketEvent::AssignmentChanged(AssignmentChange {
        old_group_id: old.0,
        new_group_id: new.0,
        old_agent_id: old.1,
        new_agent_id: new.1,
        picked_up,
    })
}

#[test]
fn assign_to_a_group_keeps_the_agent() {
    given_created()
        .after(assign(None, Some(AGENT)))
        .when(assign(Some(GROUP), None))
        .then(vec![change(
            (None, Some(AGENT)),
            (Some(GROUP), Some(AGENT)),
            false,
        )]);
}

#[test]
fn assign_needs_a_group_or_an_agent() {
    given_created()
        .when(assign(None, None))
        .then_err(TicketError::NothingToAssign);
}

#[test]
fn assign_to_the_same_writes_nothing() {
    given_created()
        .after(assign(Some(GROUP), Some(AGENT)))
        .when(assign(Some(GROUP), Some(AGENT)))
        .then_nothing();
}

#[test]
fn reassign_replaces_both_and_may_clear_the_agent() {
    given_created()
        .after(assign(Some(GROUP), Some(AGENT)))
        .when(TicketCommand::Reassign {
            group_id: Some(Ulid(21)),
            agent_id: None,
        })
        .then(vec![change(
            (Some(GROUP), Some(AGENT)),
            (Some(Ulid(21)), None),
            false,
        )]);
}

#[test]
fn pick_up_assigns_the_caller() {
    given_created()
        .when_by(Actor::User(AGENT), TicketCommand::PickUp)
        .then(vec![change((None, None), (None, Some(AGENT)), true)]);
}

#[test]
fn pick_up_by_the_system_is_refused() {
    given_created()
        .when_by(Actor::System, TicketCommand::PickUp)
        .then_err(TicketError::ActorNotAUser);
}

#[test]
fn pick_up_of_a_ticket_held_by_another_agent_is_refused() {
    given_created()
        .after(assign(None, Some(OTHER_AGENT)))
        .when_by(Actor::User(AGENT), TicketCommand::PickUp)
        .then_err(TicketError::AssignedToSomeoneElse {
            agent_id: OTHER_AGENT,
        });
}

#[test]
fn pick_up_of_your_own_ticket_writes_nothing() {
    given_created()
        .after(assign(None, Some(AGENT)))
        .when_by(Actor::User(AGENT), TicketCommand::PickUp)
        .then_nothing();
}

#[test]
fn unassign_removes_the_agent_only() {
    given_created()
        .after(assign(Some(GROUP), Some(AGENT)))
        .when(TicketCommand::Unassign)
        .then(vec![change(
            (Some(GROUP), Some(AGENT)),
            (Some(GROUP), None),
            false,
        )]);
}

#[test]
fn unassign_without_an_agent_is_refused() {
    given_created()
        .when(TicketCommand::Unassign)
        .then_err(TicketError::NotAssigned);
}

#[test]
fn a_closed_ticket_is_not_reassigned() {
    given_created()
        .after(close())
        .when(assign(Some(GROUP), None))
        .then_err(TicketError::Closed {
            category: StatusCategory::Closed,
        });
}
