//! Attachments, people around the ticket, links and associations.

use ulid::Ulid;

use crate::ticket::commands::{ReplyToTicket, TicketCommand};
use crate::ticket::error::TicketError;
use crate::ticket::events::{
    AssociationChange, AttachmentAdded, AttachmentRemoved, ExternalLinked, ExternalUnlinked,
    PersonChange, TicketEvent, TicketLinked, TicketUnlinked,
};
use crate::ticket::testkit::*;
use crate::ticket::types::{AssociationKind, AttachmentTarget, PersonRole, Side};
use crate::ticket::StatusCategory;

use super::close;

fn attach(target: AttachmentTarget, id: u128) -> TicketCommand {
    TicketCommand::AddAttachment {
        target,
        attachment: file(id),
    }
}

fn link(ticket_id: Ulid) -> TicketCommand {
    TicketCommand::LinkTicket {
        link_id: Ulid(80),
        ticket_id,
        comment: Some(" same cause ".into()),
    }
}

fn external() -> TicketCommand {
    TicketCommand::LinkExternal {
        link_id: Ulid(90),
        entity_id: "JIRA-7".into(),
        reference: None,
    }
}

#[test]
fn attach_to_the_ticket() {
    given_created()
        .when(attach(AttachmentTarget::Ticket, 70))
        .then(vec![TicketEvent::AttachmentAdded(AttachmentAdded {
            target: AttachmentTarget::Ticket,
            attachment: file(70),
        })]);
}

#[test]
fn attach_to_a_reply_or_note_that_exists() {
    given_created()
        .when(attach(AttachmentTarget::Reply(Ulid(500)), 70))
        .then_err(TicketError::ReplyNotFound {
            comment_id: Ulid(500),
        });
    given_created()
        .when(attach(AttachmentTarget::Note(Ulid(600)), 70))
        .then_err(TicketError::NoteNotFound { note_id: Ulid(600) });
    given_created()
        .after(TicketCommand::Reply(Box::new(ReplyToTicket::plain(
            Ulid(500),
            AGENT,
            Side::Agent,
            "hi",
        ))))
        .when(attach(AttachmentTarget::Reply(Ulid(500)), 70))
        .then_events();
}

#[test]
fn attachment_metadata_is_validated() {
    let mut meta = file(70);
    meta.name = " ".into();
    given_created()
        .when(TicketCommand::AddAttachment {
            target: AttachmentTarget::Ticket,
            attachment: meta,
        })
        .then_err(TicketError::Empty { field: "name" });
}

#[test]
fn remove_an_attachment_names_its_blob() {
    let state = given_created()
        .after(attach(AttachmentTarget::Ticket, 70))
        .when(TicketCommand::RemoveAttachment {
            attachment_id: Ulid(70),
        })
        .then(vec![TicketEvent::AttachmentRemoved(AttachmentRemoved {
            attachment_id: Ulid(70),
            blake3_hex: "ab".repeat(32),
        })]);
    assert!(state.attachments.is_empty());
}

#[test]
fn remove_an_unknown_attachment_is_refused() {
    given_created()
        .when(TicketCommand::RemoveAttachment {
            attachment_id: Ulid(70),
        })
        .then_err(TicketError::AttachmentNotFound {
            attachment_id: Ulid(70),
        });
}

#[test]
fn a_removed_attachment_id_is_not_reused() {
    given_created()
        .after(attach(AttachmentTarget::Ticket, 70))
        .after(TicketCommand::RemoveAttachment {
            attachment_id: Ulid(70),
        })
        .when(attach(AttachmentTarget::Ticket, 70))
        .then_err(TicketError::IdAlreadyUsed { id: Ulid(70) });
}

#[test]
fn add_and_remove_people_by_role() {
    let add = TicketCommand::AddPerson {
        role: PersonRole::Observer,
        user_id: AGENT,
    };
    let state = given_created()
        .when(add.clone())
        .then(vec![TicketEvent::PersonAdded(PersonChange {
            role: PersonRole::Observer,
            user_id: AGENT,
        })]);
    assert!(state.has_person(PersonRole::Observer, AGENT));
    assert!(!state.has_person(PersonRole::Collaborator, AGENT));
    given_created()
        .after(add)
        .when(TicketCommand::RemovePerson {
            role: PersonRole::Observer,
            user_id: AGENT,
        })
        .then(vec![TicketEvent::PersonRemoved(PersonChange {
            role: PersonRole::Observer,
            user_id: AGENT,
        })]);
}

#[test]
fn a_person_is_added_once_per_role() {
    let add = TicketCommand::AddPerson {
        role: PersonRole::Subscriber,
        user_id: AGENT,
    };
    given_created()
        .after(add.clone())
        .when(add)
        .then_err(TicketError::AlreadyPresent {
            role: PersonRole::Subscriber,
            user_id: AGENT,
        });
}

#[test]
fn removing_someone_absent_is_refused() {
    given_created()
        .when(TicketCommand::RemovePerson {
            role: PersonRole::Collaborator,
            user_id: AGENT,
        })
        .then_err(TicketError::NotPresent {
            role: PersonRole::Collaborator,
            user_id: AGENT,
        });
}

#[test]
fn link_and_unlink_another_ticket() {
    given_created()
        .when(link(OTHER_TICKET))
        .then(vec![TicketEvent::Linked(TicketLinked {
            link_id: Ulid(80),
            ticket_id: OTHER_TICKET,
            comment: Some("same cause".into()),
        })]);
    given_created()
        .after(link(OTHER_TICKET))
        .when(TicketCommand::UnlinkTicket {
            ticket_id: OTHER_TICKET,
        })
        .then(vec![TicketEvent::Unlinked(TicketUnlinked {
            link_id: Ulid(80),
            ticket_id: OTHER_TICKET,
        })]);
}

#[test]
fn a_ticket_is_not_linked_to_itself() {
    given_created()
        .when(link(TICKET))
        .then_err(TicketError::SelfReference { field: "ticket_id" });
}

#[test]
fn a_ticket_is_linked_once() {
    let mut again = link(OTHER_TICKET);
    if let TicketCommand::LinkTicket { link_id, .. } = &mut again {
        *link_id = Ulid(81);
    }
    given_created()
        .after(link(OTHER_TICKET))
        .when(again)
        .then_err(TicketError::AlreadyLinked {
            ticket_id: OTHER_TICKET,
        });
}

#[test]
fn unlinking_a_ticket_that_is_not_linked_is_refused() {
    given_created()
        .when(TicketCommand::UnlinkTicket {
            ticket_id: OTHER_TICKET,
        })
        .then_err(TicketError::NotLinked {
            ticket_id: OTHER_TICKET,
        });
}

#[test]
fn link_and_unlink_an_external_entity() {
    given_created()
        .when(external())
        .then(vec![TicketEvent::ExternalLinked(ExternalLinked {
            link_id: Ulid(90),
            entity_id: "JIRA-7".into(),
            reference: None,
        })]);
    given_created()
        .after(external())
        .when(TicketCommand::UnlinkExternal { link_id: Ulid(90) })
        .then(vec![TicketEvent::ExternalUnlinked(ExternalUnlinked {
            link_id: Ulid(90),
            entity_id: "JIRA-7".into(),
        })]);
}

#[test]
fn an_external_link_needs_an_entity_id() {
    given_created()
        .when(TicketCommand::LinkExternal {
            link_id: Ulid(90),
            entity_id: "".into(),
            reference: None,
        })
        .then_err(TicketError::Empty { field: "entity_id" });
}

#[test]
fn unlinking_an_unknown_external_link_is_refused() {
    given_created()
        .when(TicketCommand::UnlinkExternal { link_id: Ulid(90) })
        .then_err(TicketError::ExternalLinkNotFound { link_id: Ulid(90) });
}

#[test]
fn associate_replaces_and_dissociate_clears() {
    let associate = |id| TicketCommand::Associate {
        kind: AssociationKind::Problem,
        ticket_id: id,
    };
    given_created()
        .after(associate(OTHER_TICKET))
        .when(associate(Ulid(3)))
        .then(vec![TicketEvent::AssociationChanged(AssociationChange {
            kind: AssociationKind::Problem,
            old: Some(OTHER_TICKET),
            new: Some(Ulid(3)),
        })]);
    given_created()
        .after(associate(OTHER_TICKET))
        .when(associate(OTHER_TICKET))
        .then_nothing();
    given_created()
        .after(associate(OTHER_TICKET))
        .when(TicketCommand::Dissociate {
            kind: AssociationKind::Problem,
        })
        .then(vec![TicketEvent::AssociationChanged(AssociationChange {
            kind: AssociationKind::Problem,
            old: Some(OTHER_TICKET),
            new: None,
        })]);
}

#[test]
fn association_refusals() {
    given_created()
        .when(TicketCommand::Associate {
            kind: AssociationKind::Project,
            ticket_id: TICKET,
        })
        .then_err(TicketError::SelfReference { field: "ticket_id" });
    given_created()
        .when(TicketCommand::Dissociate {
            kind: AssociationKind::CausedByChange,
        })
        .then_err(TicketError::NotAssociated {
            kind: AssociationKind::CausedByChange,
        });
}

#[test]
fn nothing_is_linked_on_a_closed_ticket() {
    given_created()
        .after(close())
        .when(link(OTHER_TICKET))
        .then_err(TicketError::Closed {
            category: StatusCategory::Closed,
        });
}
