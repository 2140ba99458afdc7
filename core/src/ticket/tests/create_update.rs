//! Creating a ticket and changing its fields.

use std::collections::BTreeSet;

use ulid::Ulid;

use crate::ticket::commands::{TicketCommand, UpdateTicket};
use crate::ticket::error::TicketError;
use crate::ticket::events::{
    AttachmentAdded, Change, CustomFieldChange, TicketEvent, TicketLinked,
};
use crate::ticket::state::TicketLifecycle;
use crate::ticket::testkit::*;
use crate::ticket::types::{
    AttachmentTarget, CategoryPath, CustomFieldValue, TicketKind, TicketTypeRef,
};
use crate::ticket::StatusCategory;

use super::close;

fn create_cmd(c: crate::ticket::commands::CreateTicket) -> TicketCommand {
    TicketCommand::Create(Box::new(c))
}

fn update(u: UpdateTicket) -> TicketCommand {
    TicketCommand::Update(Box::new(u))
}

#[test]
fn create_records_every_field_trimmed() {
    let mut c = create();
    c.subject = "  Printer on fire ".into();
    c.priority_id = Some(Ulid(40));
    c.tag_ids = [Ulid(50)].into();
    c.custom_fields = [(
        Ulid(60),
        CustomFieldValue::Decimal {
            mantissa: 1234,
            scale: 2,
        },
    )]
    .into();
    let state = given(&[]).when(create_cmd(c)).then_state();
    assert_eq!(state.lifecycle, TicketLifecycle::Active);
    assert_eq!(state.ticket_id, TICKET);
    assert_eq!(state.fields.subject, "Printer on fire");
    assert_eq!(state.fields.requester_id, REQUESTER);
    assert_eq!(state.fields.priority_id, Some(Ulid(40)));
    assert_eq!(state.status, Some(status(StatusCategory::New)));
    assert_eq!(state.created_at, Some(NOW));
    assert_eq!(state.fields.tag_ids.len(), 1);
}

#[test]
fn create_attaches_files_and_links_related_tickets() {
    let mut c = create();
    c.attachments = vec![file(70)];
    c.related = vec![(Ulid(80), OTHER_TICKET)];
    let events = given(&[]).when(create_cmd(c)).then_events();
    assert_eq!(events.len(), 3);
    assert_eq!(
        events[1],
        TicketEvent::AttachmentAdded(AttachmentAdded {
            target: AttachmentTarget::Ticket,
            attachment: file(70),
        })
    );
    assert_eq!(
        events[2],
        TicketEvent::Linked(TicketLinked {
            link_id: Ulid(80),
            ticket_id: OTHER_TICKET,
            comment: None,
        })
    );
}

#[test]
fn create_twice_is_refused() {
    given_created()
        .when(create_cmd(create()))
        .then_err(TicketError::AlreadyCreated);
}

#[test]
fn create_needs_a_subject() {
    let mut c = create();
    c.subject = "   ".into();
    given(&[])
        .when(create_cmd(c))
        .then_err(TicketError::Empty { field: "subject" });
}

#[test]
fn create_refuses_an_over_long_subject() {
    let mut c = create();
    c.subject = "x".repeat(256);
    given(&[])
        .when(create_cmd(c))
        .then_err(TicketError::TooLong {
            field: "subject",
            max: 255,
        });
}

#[test]
fn create_only_in_a_starting_status() {
    for category in [
        StatusCategory::Closed,
        StatusCategory::Waiting,
        StatusCategory::Resolved,
    ] {
        let mut c = create();
        c.status = status(category);
        given(&[])
            .when(create_cmd(c))
            .then_err(TicketError::InitialStatusNotAllowed { category });
    }
}

#[test]
fn create_refuses_a_link_to_itself() {
    let mut c = create();
    c.related = vec![(Ulid(80), TICKET)];
    given(&[])
        .when(create_cmd(c))
        .then_err(TicketError::SelfReference { field: "related" });
}

#[test]
fn create_refuses_the_same_related_ticket_twice() {
    let mut c = create();
    c.related = vec![(Ulid(80), OTHER_TICKET), (Ulid(81), OTHER_TICKET)];
    given(&[])
        .when(create_cmd(c))
        .then_err(TicketError::AlreadyLinked {
            ticket_id: OTHER_TICKET,
        });
}

#[test]
fn create_refuses_an_id_used_twice() {
    let mut c = create();
    c.attachments = vec![file(70), file(70)];
    given(&[])
        .when(create_cmd(c))
        .then_err(TicketError::IdAlreadyUsed { id: Ulid(70) });
}

#[test]
fn create_refuses_a_bad_attachment_hash() {
    let mut c = create();
    let mut f = file(70);
    f.blake3_hex = "AB".repeat(32);
    c.attachments = vec![f];
    given(&[])
        .when(create_cmd(c))
        .then_err(TicketError::Invalid {
            field: "blake3_hex",
            reason: "expected 64 lowercase hex characters",
        });
}

#[test]
fn update_writes_one_event_per_changed_field_with_old_and_new() {
    let u = UpdateTicket {
        subject: Some("Printer on fire".into()), // unchanged: no event
        priority_id: Some(Some(Ulid(41))),
        category: Some(CategoryPath {
            category_id: Some(Ulid(42)),
            subcategory_id: None,
            item_id: None,
        }),
        tag_ids: Some([Ulid(50)].into()),
        due_at: Some(Some(NOW)),
        ..UpdateTicket::default()
    };
    given_created().when(update(u)).then(vec![
        TicketEvent::PriorityChanged(Change {
            old: None,
            new: Some(Ulid(41)),
        }),
        TicketEvent::CategoryChanged(Change {
            old: CategoryPath::default(),
            new: CategoryPath {
                category_id: Some(Ulid(42)),
                subcategory_id: None,
                item_id: None,
            },
        }),
        TicketEvent::DueDateChanged(Change {
            old: None,
            new: Some(NOW),
        }),
        TicketEvent::TagsChanged(Change {
            old: BTreeSet::new(),
            new: [Ulid(50)].into(),
        }),
    ]);
}

#[test]
fn update_sets_and_clears_custom_fields() {
    let set = UpdateTicket {
        custom_fields: [(Ulid(60), Some(CustomFieldValue::Integer(3)))].into(),
        ..UpdateTicket::default()
    };
    let clear = UpdateTicket {
        custom_fields: [(Ulid(60), None)].into(),
        ..UpdateTicket::default()
    };
    given_created()
        .after(update(set))
        .when(update(clear))
        .then(vec![TicketEvent::CustomFieldChanged(CustomFieldChange {
            field_id: Ulid(60),
            old: Some(CustomFieldValue::Integer(3)),
            new: None,
        })]);
}

#[test]
fn update_changes_the_type() {
    let problem = TicketTypeRef {
        type_id: Ulid(33),
        kind: TicketKind::Problem,
    };
    let state = given_created()
        .when(update(UpdateTicket {
            ticket_type: Some(problem),
            requester_id: Some(OTHER_AGENT),
            ..UpdateTicket::default()
        }))
        .then_state();
    assert_eq!(state.fields.ticket_type, Some(problem));
    assert_eq!(state.fields.requester_id, OTHER_AGENT);
}

#[test]
fn update_that_changes_nothing_writes_nothing() {
    given_created()
        .when(update(UpdateTicket {
            subject: Some(" Printer on fire ".into()),
            ..UpdateTicket::default()
        }))
        .then_nothing();
}

#[test]
fn update_refuses_an_empty_subject() {
    given_created()
        .when(update(UpdateTicket {
            subject: Some("".into()),
            ..UpdateTicket::default()
        }))
        .then_err(TicketError::Empty { field: "subject" });
}

#[test]
fn update_of_an_unknown_ticket_is_refused() {
    given(&[])
        .when(update(UpdateTicket::default()))
        .then_err(TicketError::NotCreated);
}

#[test]
fn update_of_a_closed_ticket_is_refused() {
    given_created()
        .after(close())
        .when(update(UpdateTicket {
            subject: Some("x".into()),
            ..UpdateTicket::default()
        }))
        .then_err(TicketError::Closed {
            category: StatusCategory::Closed,
        });
}

#[test]
fn a_cancelled_or_trashed_ticket_is_not_edited() {
    let edit = || {
        update(UpdateTicket {
            subject: Some("x".into()),
            ..UpdateTicket::default()
        })
    };
    given_created()
        .after(super::cancel())
        .when(edit())
        .then_err(TicketError::Cancelled);
    given_created()
        .after(TicketCommand::Trash)
        .when(edit())
        .then_err(TicketError::InTrash);
}
