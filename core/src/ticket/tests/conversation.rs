//! Replies, notes, first response, solutions marked on replies.

use ulid::Ulid;

use crate::ticket::commands::{ReplyToTicket, TicketCommand};
use crate::ticket::error::TicketError;
use crate::ticket::events::{
    AttachmentAdded, FirstResponse, MessageDeleted, MessageEdited, NoteAdded, ReplyAdded,
    StatusChange, TicketEvent,
};
use crate::ticket::testkit::*;
use crate::ticket::types::{AttachmentTarget, Side};
use crate::ticket::StatusCategory;

use super::{cancel, change_status, close};

const C1: Ulid = Ulid(500);
const N1: Ulid = Ulid(600);

fn reply(side: Side) -> ReplyToTicket {
    ReplyToTicket::plain(
        C1,
        if side == Side::Agent { AGENT } else { REPLIER },
        side,
        "Hello",
    )
}

const REPLIER: Ulid = REQUESTER;

fn cmd(r: ReplyToTicket) -> TicketCommand {
    TicketCommand::Reply(Box::new(r))
}

fn added(side: Side, author_id: Ulid) -> TicketEvent {
    TicketEvent::ReplyAdded(ReplyAdded {
        comment_id: C1,
        author_id,
        side,
        body: "Hello".into(),
        is_solution: false,
        propagate: false,
        at: NOW,
    })
}

fn note() -> TicketCommand {
    TicketCommand::AddNote {
        note_id: N1,
        author_id: AGENT,
        body: "internal".into(),
        attachments: vec![],
    }
}

#[test]
fn a_requester_reply_is_not_a_first_response() {
    given_created()
        .when(cmd(reply(Side::Requester)))
        .then(vec![added(Side::Requester, REQUESTER)]);
}

#[test]
fn the_first_agent_reply_is_the_first_response() {
    let state = given_created().when(cmd(reply(Side::Agent))).then(vec![
        added(Side::Agent, AGENT),
        TicketEvent::FirstResponseRecorded(FirstResponse {
            comment_id: C1,
            at: NOW,
        }),
    ]);
    assert_eq!(state.first_response_at, Some(NOW));
}

#[test]
fn a_second_agent_reply_is_not_a_first_response() {
    let mut second = reply(Side::Agent);
    second.comment_id = Ulid(501);
    let events = given_created()
        .after(cmd(reply(Side::Agent)))
        .when(cmd(second))
        .then_events();
    assert_eq!(events.len(), 1);
}

#[test]
fn a_reply_carries_its_attachments() {
    let mut r = reply(Side::Agent);
    r.attachments = vec![file(70)];
    let events = given_created().when(cmd(r)).then_events();
    assert_eq!(
        events[1],
        TicketEvent::AttachmentAdded(AttachmentAdded {
            target: AttachmentTarget::Reply(C1),
            attachment: file(70),
        })
    );
}

#[test]
fn a_blank_reply_is_refused() {
    let mut r = reply(Side::Agent);
    r.body = " \n ".into();
    given_created()
        .when(cmd(r))
        .then_err(TicketError::Empty { field: "body" });
}

#[test]
fn a_reply_id_is_never_reused() {
    given_created()
        .after(cmd(reply(Side::Agent)))
        .when(cmd(reply(Side::Agent)))
        .then_err(TicketError::IdAlreadyUsed { id: C1 });
}

#[test]
fn no_reply_on_a_purged_ticket() {
    given_created()
        .after(TicketCommand::Trash)
        .after(TicketCommand::Purge)
        .when(cmd(reply(Side::Agent)))
        .then_err(TicketError::Purged);
}

#[test]
fn no_reply_on_an_unknown_ticket() {
    given(&[])
        .when(cmd(reply(Side::Agent)))
        .then_err(TicketError::NotCreated);
}

#[test]
fn no_plain_reply_on_a_closed_ticket() {
    given_created()
        .after(close())
        .when(cmd(reply(Side::Requester)))
        .then_err(TicketError::Closed {
            category: StatusCategory::Closed,
        });
}

#[test]
fn no_reply_on_a_cancelled_ticket() {
    given_created()
        .after(cancel())
        .when(cmd(reply(Side::Requester)))
        .then_err(TicketError::Cancelled);
}

#[test]
fn a_reply_that_reopens_a_closed_ticket_reopens_first() {
    let mut r = reply(Side::Requester);
    r.set_status = Some(target(StatusCategory::Open));
    given_created().after(close()).when(cmd(r)).then(vec![
        TicketEvent::StatusChanged(StatusChange {
            old: status(StatusCategory::Closed),
            old_waiting_for: None,
            new: status(StatusCategory::Open),
            waiting_for: None,
            comment: None,
        }),
        added(Side::Requester, REQUESTER),
    ]);
}

#[test]
fn a_reply_with_a_status_changes_it_after_the_reply() {
    let mut r = reply(Side::Requester);
    r.set_status = Some(target(StatusCategory::Open));
    let events = given_created().when(cmd(r)).then_events();
    assert_eq!(events[0], added(Side::Requester, REQUESTER));
    assert!(matches!(events[1], TicketEvent::StatusChanged(_)));
}

#[test]
fn a_solution_reply_resolves_the_ticket() {
    let mut r = reply(Side::Agent);
    r.is_solution = true;
    r.set_status = Some(target(StatusCategory::Resolved));
    let state = given_created().when(cmd(r)).then_state();
    assert_eq!(state.solution_comment_id, Some(C1));
    assert_eq!(state.category(), Some(StatusCategory::Resolved));
}

#[test]
fn a_solution_reply_needs_a_resolved_status() {
    let mut r = reply(Side::Agent);
    r.is_solution = true;
    given_created()
        .when(cmd(r.clone()))
        .then_err(TicketError::SolutionNeedsResolvedStatus);
    r.set_status = Some(target(StatusCategory::Open));
    given_created()
        .when(cmd(r))
        .then_err(TicketError::SolutionNeedsResolvedStatus);
}

#[test]
fn propagation_needs_linked_tickets() {
    let mut r = reply(Side::Agent);
    r.propagate = true;
    given_created()
        .when(cmd(r.clone()))
        .then_err(TicketError::NoLinkedTickets);
    given_created()
        .after(TicketCommand::LinkTicket {
            link_id: Ulid(80),
            ticket_id: OTHER_TICKET,
            comment: None,
        })
        .when(cmd(r))
        .then_events();
}

#[test]
fn editing_a_reply_keeps_the_old_text() {
    let state = given_created()
        .after(cmd(reply(Side::Agent)))
        .when(TicketCommand::EditReply {
            comment_id: C1,
            body: "Hello again".into(),
        })
        .then(vec![TicketEvent::ReplyEdited(MessageEdited {
            message_id: C1,
            old_body: "Hello".into(),
            new_body: "Hello again".into(),
        })]);
    assert_eq!(state.replies[&C1].edits, 1);
}

#[test]
fn editing_an_unknown_reply_is_refused() {
    given_created()
        .when(TicketCommand::EditReply {
            comment_id: C1,
            body: "x".into(),
        })
        .then_err(TicketError::ReplyNotFound { comment_id: C1 });
}

#[test]
fn editing_to_the_same_text_writes_nothing() {
    given_created()
        .after(cmd(reply(Side::Agent)))
        .when(TicketCommand::EditReply {
            comment_id: C1,
            body: "Hello".into(),
        })
        .then_nothing();
}

#[test]
fn deleting_a_reply_keeps_its_text_on_record() {
    let state = given_created()
        .after(cmd(reply(Side::Agent)))
        .when(TicketCommand::DeleteReply { comment_id: C1 })
        .then(vec![TicketEvent::ReplyDeleted(MessageDeleted {
            message_id: C1,
            body: "Hello".into(),
        })]);
    assert!(state.replies[&C1].deleted);
}

#[test]
fn a_deleted_reply_is_neither_edited_nor_deleted_again() {
    let g = || {
        given_created()
            .after(cmd(reply(Side::Agent)))
            .after(TicketCommand::DeleteReply { comment_id: C1 })
    };
    g().when(TicketCommand::DeleteReply { comment_id: C1 })
        .then_err(TicketError::MessageDeleted { message_id: C1 });
    g().when(TicketCommand::EditReply {
        comment_id: C1,
        body: "x".into(),
    })
    .then_err(TicketError::MessageDeleted { message_id: C1 });
}

#[test]
fn the_solution_reply_is_not_deleted() {
    let mut r = reply(Side::Agent);
    r.is_solution = true;
    r.set_status = Some(target(StatusCategory::Resolved));
    given_created()
        .after(cmd(r))
        .when(TicketCommand::DeleteReply { comment_id: C1 })
        .then_err(TicketError::ReplyIsSolution { comment_id: C1 });
}

#[test]
fn a_note_is_internal_and_not_a_first_response() {
    let state = given_created()
        .when(note())
        .then(vec![TicketEvent::NoteAdded(NoteAdded {
            note_id: N1,
            author_id: AGENT,
            body: "internal".into(),
            at: NOW,
        })]);
    assert_eq!(state.first_response_at, None);
    assert!(state.notes.contains_key(&N1));
}

#[test]
fn a_note_may_not_reuse_a_reply_id() {
    given_created()
        .after(cmd(reply(Side::Agent)))
        .when(TicketCommand::AddNote {
            note_id: C1,
            author_id: AGENT,
            body: "x".into(),
            attachments: vec![],
        })
        .then_err(TicketError::IdAlreadyUsed { id: C1 });
}

#[test]
fn a_blank_note_is_refused() {
    given_created()
        .when(TicketCommand::AddNote {
            note_id: N1,
            author_id: AGENT,
            body: "".into(),
            attachments: vec![],
        })
        .then_err(TicketError::Empty { field: "body" });
}

#[test]
fn editing_and_deleting_a_note() {
    let state = given_created()
        .after(note())
        .after(TicketCommand::EditNote {
            note_id: N1,
            body: "v2".into(),
        })
        .when(TicketCommand::DeleteNote { note_id: N1 })
        .then(vec![TicketEvent::NoteDeleted(MessageDeleted {
            message_id: N1,
            body: "v2".into(),
        })]);
    assert!(state.notes[&N1].deleted);
}

#[test]
fn editing_or_deleting_an_unknown_note_is_refused() {
    given_created()
        .when(TicketCommand::EditNote {
            note_id: N1,
            body: "x".into(),
        })
        .then_err(TicketError::NoteNotFound { note_id: N1 });
    given_created()
        .when(TicketCommand::DeleteNote { note_id: N1 })
        .then_err(TicketError::NoteNotFound { note_id: N1 });
}

#[test]
fn no_note_on_a_closed_ticket() {
    given_created()
        .after(change_status(StatusCategory::Rejected))
        .when(note())
        .then_err(TicketError::Closed {
            category: StatusCategory::Rejected,
        });
}

#[test]
fn deleting_an_unknown_reply_is_refused() {
    given_created()
        .when(TicketCommand::DeleteReply { comment_id: C1 })
        .then_err(TicketError::ReplyNotFound { comment_id: C1 });
}

#[test]
fn the_solution_reply_is_named_when_accepted_and_freed_when_rejected() {
    let mut r = reply(Side::Agent);
    r.is_solution = true;
    r.set_status = Some(target(StatusCategory::Resolved));
    let events = given_created()
        .after(cmd(r.clone()))
        .when(TicketCommand::AcceptSolution {
            rating: 4,
            comment: None,
            closed_status: status(StatusCategory::Closed),
        })
        .then_events();
    assert!(matches!(
        &events[0],
        TicketEvent::SolutionAccepted(a) if a.comment_id == Some(C1)
    ));
    given_created()
        .after(cmd(r))
        .after(TicketCommand::RejectSolution {
            reason: "no".into(),
            reopen_status: status(StatusCategory::Open),
        })
        .when(TicketCommand::DeleteReply { comment_id: C1 })
        .then_events();
}
