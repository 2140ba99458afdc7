//! Decisions of the conversation (replies, notes), attachments, people and links.

use std::collections::BTreeMap;

use ulid::Ulid;

use super::{
    attachment, attachments, change_status, message, optional, require_editable, require_exists,
    require_fresh, required, LONG_MAX, SHORT_MAX,
};
use crate::directory::status::StatusCategory;
use crate::ticket::commands::{ReplyToTicket, TicketCommand};
use crate::ticket::error::TicketError;
use crate::ticket::events::{
    AssociationChange, AttachmentAdded, AttachmentRemoved, ExternalLinked, ExternalUnlinked,
    FirstResponse, MessageDeleted, MessageEdited, NoteAdded, PersonChange, ReplyAdded, TicketEvent,
    TicketLinked, TicketUnlinked,
};
use crate::ticket::state::{Message, TicketState};
use crate::ticket::types::{is_starting, AttachmentTarget, Side};
use crate::ticket::CommandContext;

pub(super) fn decide(
    state: &TicketState,
    command: &TicketCommand,
    ctx: &CommandContext,
) -> Result<Vec<TicketEvent>, TicketError> {
    use TicketCommand as C;
    if let C::Reply(reply) = command {
        return decide_reply(state, reply, ctx);
    }
    require_editable(state)?;
    match command {
        C::EditReply { comment_id, body } => {
            let m = live_message(&state.replies, *comment_id, || TicketError::ReplyNotFound {
                comment_id: *comment_id,
            })?;
            edit(m, *comment_id, body, TicketEvent::ReplyEdited)
        }
        C::DeleteReply { comment_id } => {
            let m = live_message(&state.replies, *comment_id, || TicketError::ReplyNotFound {
                comment_id: *comment_id,
            })?;
            if state.solution_comment_id == Some(*comment_id) {
                return Err(TicketError::ReplyIsSolution {
                    comment_id: *comment_id,
                });
            }
            Ok(vec![TicketEvent::ReplyDeleted(MessageDeleted {
                message_id: *comment_id,
                body: m.body.clone(),
            })])
        }
        C::AddNote {
            note_id,
            author_id,
            body,
            attachments: files,
        } => {
            require_fresh(
                state,
                std::iter::once(*note_id).chain(files.iter().map(|a| a.attachment_id)),
            )?;
            let mut events = vec![TicketEvent::NoteAdded(NoteAdded {
                note_id: *note_id,
                author_id: *author_id,
                body: message("body", body)?,
                at: ctx.now,
            })];
            events.extend(attachments(AttachmentTarget::Note(*note_id), files)?);
            Ok(events)
        }
        C::EditNote { note_id, body } => {
            let m = live_message(&state.notes, *note_id, || TicketError::NoteNotFound {
                note_id: *note_id,
            })?;
            edit(m, *note_id, body, TicketEvent::NoteEdited)
        }
        C::DeleteNote { note_id } => {
            let m = live_message(&state.notes, *note_id, || TicketError::NoteNotFound {
                note_id: *note_id,
            })?;
            Ok(vec![TicketEvent::NoteDeleted(MessageDeleted {
                message_id: *note_id,
                body: m.body.clone(),
            })])
        }
        C::AddAttachment {
            target,
            attachment: meta,
        } => {
            match *target {
                AttachmentTarget::Ticket => {}
                AttachmentTarget::Reply(comment_id) => {
                    live_message(&state.replies, comment_id, || TicketError::ReplyNotFound {
                        comment_id,
                    })?;
                }
                AttachmentTarget::Note(note_id) => {
                    live_message(&state.notes, note_id, || TicketError::NoteNotFound {
                        note_id,
                    })?;
                }
            }
            require_fresh(state, [meta.attachment_id])?;
            Ok(vec![TicketEvent::AttachmentAdded(AttachmentAdded {
                target: *target,
                attachment: attachment(meta)?,
            })])
        }
        C::RemoveAttachment { attachment_id } => {
            let found =
                state
                    .attachments
                    .get(attachment_id)
                    .ok_or(TicketError::AttachmentNotFound {
                        attachment_id: *attachment_id,
                    })?;
            Ok(vec![TicketEvent::AttachmentRemoved(AttachmentRemoved {
                attachment_id: *attachment_id,
                blake3_hex: found.meta.blake3_hex.clone(),
            })])
        }
        C::AddPerson { role, user_id } => {
            if state.has_person(*role, *user_id) {
                return Err(TicketError::AlreadyPresent {
                    role: *role,
                    user_id: *user_id,
                });
            }
            Ok(vec![TicketEvent::PersonAdded(PersonChange {
                role: *role,
                user_id: *user_id,
            })])
        }
        C::RemovePerson { role, user_id } => {
            if !state.has_person(*role, *user_id) {
                return Err(TicketError::NotPresent {
                    role: *role,
                    user_id: *user_id,
                });
            }
            Ok(vec![TicketEvent::PersonRemoved(PersonChange {
                role: *role,
                user_id: *user_id,
            })])
        }
        C::LinkTicket {
            link_id,
            ticket_id,
            comment,
        } => {
            if *ticket_id == state.ticket_id {
                return Err(TicketError::SelfReference { field: "ticket_id" });
            }
            if state.linked_tickets.contains_key(ticket_id) {
                return Err(TicketError::AlreadyLinked {
                    ticket_id: *ticket_id,
                });
            }
            require_fresh(state, [*link_id])?;
            Ok(vec![TicketEvent::Linked(TicketLinked {
                link_id: *link_id,
                ticket_id: *ticket_id,
                comment: optional("comment", comment.as_deref(), LONG_MAX)?,
            })])
        }
        C::UnlinkTicket { ticket_id } => {
            let link_id = state
                .linked_tickets
                .get(ticket_id)
                .ok_or(TicketError::NotLinked {
                    ticket_id: *ticket_id,
                })?;
            Ok(vec![TicketEvent::Unlinked(TicketUnlinked {
                link_id: *link_id,
                ticket_id: *ticket_id,
            })])
        }
        C::LinkExternal {
            link_id,
            entity_id,
            reference,
        } => {
            require_fresh(state, [*link_id])?;
            Ok(vec![TicketEvent::ExternalLinked(ExternalLinked {
                link_id: *link_id,
                entity_id: required("entity_id", entity_id, SHORT_MAX)?,
                reference: optional("reference", reference.as_deref(), SHORT_MAX)?,
            })])
        }
        C::UnlinkExternal { link_id } => {
            let link = state
                .external_links
                .get(link_id)
                .ok_or(TicketError::ExternalLinkNotFound { link_id: *link_id })?;
            Ok(vec![TicketEvent::ExternalUnlinked(ExternalUnlinked {
                link_id: *link_id,
                entity_id: link.entity_id.clone(),
            })])
        }
        C::Associate { kind, ticket_id } => {
            if *ticket_id == state.ticket_id {
                return Err(TicketError::SelfReference { field: "ticket_id" });
            }
            let old = state.associations.get(kind).copied();
            if old == Some(*ticket_id) {
                return Ok(Vec::new());
            }
            Ok(vec![TicketEvent::AssociationChanged(AssociationChange {
                kind: *kind,
                old,
                new: Some(*ticket_id),
            })])
        }
        C::Dissociate { kind } => {
            let old = state
                .associations
                .get(kind)
                .copied()
                .ok_or(TicketError::NotAssociated { kind: *kind })?;
            Ok(vec![TicketEvent::AssociationChanged(AssociationChange {
                kind: *kind,
                old: Some(old),
                new: None,
            })])
        }
        _ => Ok(Vec::new()),
    }
}

/// A reply, with its attachments, the first response when it is the first agent reply, and
/// the status change decided with it. On a closed or rejected ticket, the reply is accepted
/// only when its status change reopens the ticket; the reopening then comes first.
fn decide_reply(
    state: &TicketState,
    reply: &ReplyToTicket,
    ctx: &CommandContext,
) -> Result<Vec<TicketEvent>, TicketError> {
    let current = require_exists(state)?;
    let reopens = reply
        .set_status
        .is_some_and(|t| is_starting(t.status.category));
    match current.category {
        StatusCategory::Cancelled => return Err(TicketError::Cancelled),
        category @ (StatusCategory::Closed | StatusCategory::Rejected) if !reopens => {
            return Err(TicketError::Closed { category })
        }
        _ => {}
    }
    if reply.is_solution
        && reply.set_status.map(|t| t.status.category) != Some(StatusCategory::Resolved)
    {
        return Err(TicketError::SolutionNeedsResolvedStatus);
    }
    if reply.propagate && state.linked_tickets.is_empty() {
        return Err(TicketError::NoLinkedTickets);
    }
    require_fresh(
        state,
        std::iter::once(reply.comment_id).chain(reply.attachments.iter().map(|a| a.attachment_id)),
    )?;
    let status_events = match &reply.set_status {
        Some(target) => change_status(state, target, None, ctx)?,
        None => Vec::new(),
    };
    let mut events = Vec::new();
    if state.is_final() {
        events.extend(status_events.iter().cloned());
    }
    events.push(TicketEvent::ReplyAdded(ReplyAdded {
        comment_id: reply.comment_id,
        author_id: reply.author_id,
        side: reply.side,
        body: message("body", &reply.body)?,
        is_solution: reply.is_solution,
        propagate: reply.propagate,
        at: ctx.now,
    }));
    events.extend(attachments(
        AttachmentTarget::Reply(reply.comment_id),
        &reply.attachments,
    )?);
    if reply.side == Side::Agent && state.first_response_at.is_none() {
        events.push(TicketEvent::FirstResponseRecorded(FirstResponse {
            comment_id: reply.comment_id,
            at: ctx.now,
        }));
    }
    if !state.is_final() {
        events.extend(status_events);
    }
    Ok(events)
}

/// The reply or note `id`, refused when unknown (`missing`) or deleted.
fn live_message(
    messages: &BTreeMap<Ulid, Message>,
    id: Ulid,
    missing: impl FnOnce() -> TicketError,
) -> Result<&Message, TicketError> {
    let m = messages.get(&id).ok_or_else(missing)?;
    if m.deleted {
        return Err(TicketError::MessageDeleted { message_id: id });
    }
    Ok(m)
}

/// The edit of message `id` to `body`; nothing when the text is the same.
fn edit(
    m: &Message,
    id: Ulid,
    body: &str,
    wrap: fn(MessageEdited) -> TicketEvent,
) -> Result<Vec<TicketEvent>, TicketError> {
    let new_body = message("body", body)?;
    if new_body == m.body {
        return Ok(Vec::new());
    }
    Ok(vec![wrap(MessageEdited {
        message_id: id,
        old_body: m.body.clone(),
        new_body,
    })])
}
