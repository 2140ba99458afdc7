//! The pure `decide`: a command against the current state gives events, or a refusal.
//!
//! This file holds the dispatch, the guards shared by every command (does the ticket exist,
//! is it in the trash, closed or cancelled, is a new id fresh), input validation, status
//! transitions, creation, field updates and assignment. Conversation, attachments, people and
//! links are in `decide/conversation.rs`; closure, solutions, trash, approvals and time
//! tracking in `decide/lifecycle.rs`.
//!
//! Status transitions, by category of the current status:
//! - new, open, in progress, pending, waiting: to any category;
//! - resolved: back to new, open or in progress (reopen), to another resolved status, or closed;
//! - closed and rejected: only back to new, open or in progress (reopen);
//! - cancelled: nowhere.
//!
//! A closed or rejected ticket accepts nothing but a reopen (and trash, restore, purge).

mod conversation;
mod lifecycle;

use std::collections::BTreeSet;

use ulid::Ulid;

use super::commands::{CreateTicket, TicketCommand, UpdateTicket};
use super::error::TicketError;
use super::events::{
    AssignmentChange, AttachmentAdded, Change, CustomFieldChange, StatusChange, TicketCreated,
    TicketEvent, TicketLinked,
};
use super::state::{TicketLifecycle, TicketState};
use super::types::{
    is_starting, AttachmentMeta, AttachmentTarget, CustomFieldValue, StatusRef, StatusTarget,
    WaitingReason,
};
use super::CommandContext;
use crate::directory::status::StatusCategory;

/// Longest subject, name or short label in characters.
pub const SHORT_MAX: usize = 255;
/// Longest text (description, reply, note, resolution) in characters.
pub const LONG_MAX: usize = 100_000;

/// Decides the events of `command` against `state`, or refuses it. Pure: time and actor come
/// from `ctx`, new ids from the command.
pub fn decide(
    state: &TicketState,
    command: &TicketCommand,
    ctx: &CommandContext,
) -> Result<Vec<TicketEvent>, TicketError> {
    use TicketCommand as C;
    match command {
        C::Create(c) => create(state, c, ctx),
        C::Update(u) => {
            require_editable(state)?;
            update(state, u)
        }
        C::ChangeStatus { target, comment } => {
            require_exists(state)?;
            let comment = optional("comment", comment.as_deref(), LONG_MAX)?;
            change_status(state, target, comment, ctx)
        }
        C::Assign { group_id, agent_id } => {
            require_editable(state)?;
            if group_id.is_none() && agent_id.is_none() {
                return Err(TicketError::NothingToAssign);
            }
            let group = group_id.or(state.group_id);
            let agent = agent_id.or(state.agent_id);
            Ok(assignment(state, group, agent, false))
        }
        C::Reassign { group_id, agent_id } => {
            require_editable(state)?;
            Ok(assignment(state, *group_id, *agent_id, false))
        }
        C::PickUp => {
            require_editable(state)?;
            let crate::ids::Actor::User(me) = ctx.actor else {
                return Err(TicketError::ActorNotAUser);
            };
            match state.agent_id {
                Some(agent) if agent == me => Ok(Vec::new()),
                Some(agent_id) => Err(TicketError::AssignedToSomeoneElse { agent_id }),
                None => Ok(assignment(state, state.group_id, Some(me), true)),
            }
        }
        C::Unassign => {
            require_editable(state)?;
            if state.agent_id.is_none() {
                return Err(TicketError::NotAssigned);
            }
            Ok(assignment(state, state.group_id, None, false))
        }
        C::Reply(_)
        | C::EditReply { .. }
        | C::DeleteReply { .. }
        | C::AddNote { .. }
        | C::EditNote { .. }
        | C::DeleteNote { .. }
        | C::AddAttachment { .. }
        | C::RemoveAttachment { .. }
        | C::AddPerson { .. }
        | C::RemovePerson { .. }
        | C::LinkTicket { .. }
        | C::UnlinkTicket { .. }
        | C::LinkExternal { .. }
        | C::UnlinkExternal { .. }
        | C::Associate { .. }
        | C::Dissociate { .. } => conversation::decide(state, command, ctx),
        _ => lifecycle::decide(state, command, ctx),
    }
}

// ---------------------------------------------------------------------------------------------
// Guards.

/// Refuses unless the ticket exists, is not purged and not in the trash.
pub(super) fn require_exists(state: &TicketState) -> Result<StatusRef, TicketError> {
    match state.lifecycle {
        TicketLifecycle::NotCreated => Err(TicketError::NotCreated),
        TicketLifecycle::Purged => Err(TicketError::Purged),
        TicketLifecycle::Trashed => Err(TicketError::InTrash),
        TicketLifecycle::Active => state.status.ok_or(TicketError::NotCreated),
    }
}

/// Refuses unless the ticket exists and may be edited: not closed, rejected or cancelled.
pub(super) fn require_editable(state: &TicketState) -> Result<StatusRef, TicketError> {
    let status = require_exists(state)?;
    match status.category {
        StatusCategory::Cancelled => Err(TicketError::Cancelled),
        category @ (StatusCategory::Closed | StatusCategory::Rejected) => {
            Err(TicketError::Closed { category })
        }
        _ => Ok(status),
    }
}

/// Refuses ids already used on the ticket, or used twice by the same command.
pub(super) fn require_fresh(
    state: &TicketState,
    ids: impl IntoIterator<Item = Ulid>,
) -> Result<(), TicketError> {
    let mut seen = BTreeSet::new();
    for id in ids {
        if state.used_ids.contains(&id) || !seen.insert(id) {
            return Err(TicketError::IdAlreadyUsed { id });
        }
    }
    Ok(())
}

/// Refuses a status that is not of the `expected` category.
pub(super) fn require_category(
    status: &StatusRef,
    expected: StatusCategory,
) -> Result<(), TicketError> {
    if status.category == expected {
        Ok(())
    } else {
        Err(TicketError::WrongStatusCategory {
            expected,
            given: status.category,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Input validation.

/// A required text: trimmed, not empty, at most `max` characters.
pub(super) fn required(
    field: &'static str,
    input: &str,
    max: usize,
) -> Result<String, TicketError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(TicketError::Empty { field });
    }
    if trimmed.chars().count() > max {
        return Err(TicketError::TooLong { field, max });
    }
    Ok(trimmed.to_owned())
}

/// An optional text: trimmed, empty means absent, at most `max` characters.
pub(super) fn optional(
    field: &'static str,
    input: Option<&str>,
    max: usize,
) -> Result<Option<String>, TicketError> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => required(field, text, max).map(Some),
    }
}

/// Content that may be empty but not over-long (kept as given: it is content, not a label).
pub(super) fn content(field: &'static str, input: &str) -> Result<String, TicketError> {
    if input.chars().count() > LONG_MAX {
        return Err(TicketError::TooLong {
            field,
            max: LONG_MAX,
        });
    }
    Ok(input.to_owned())
}

/// Content that must not be blank (replies, notes).
pub(super) fn message(field: &'static str, input: &str) -> Result<String, TicketError> {
    if input.trim().is_empty() {
        return Err(TicketError::Empty { field });
    }
    content(field, input)
}

/// A validated attachment description.
pub(super) fn attachment(meta: &AttachmentMeta) -> Result<AttachmentMeta, TicketError> {
    let hex_ok = meta.blake3_hex.len() == 64
        && meta
            .blake3_hex
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
    if !hex_ok {
        return Err(TicketError::Invalid {
            field: "blake3_hex",
            reason: "expected 64 lowercase hex characters",
        });
    }
    Ok(AttachmentMeta {
        attachment_id: meta.attachment_id,
        name: required("name", &meta.name, SHORT_MAX)?,
        content_type: required("content_type", &meta.content_type, SHORT_MAX)?,
        size_bytes: meta.size_bytes,
        blake3_hex: meta.blake3_hex.clone(),
    })
}

/// The events of attaching validated files to `target`.
pub(super) fn attachments(
    target: AttachmentTarget,
    files: &[AttachmentMeta],
) -> Result<Vec<TicketEvent>, TicketError> {
    files
        .iter()
        .map(|meta| {
            Ok(TicketEvent::AttachmentAdded(AttachmentAdded {
                target,
                attachment: attachment(meta)?,
            }))
        })
        .collect()
}

fn custom_value(value: &CustomFieldValue) -> Result<CustomFieldValue, TicketError> {
    Ok(match value {
        CustomFieldValue::Text(text) => CustomFieldValue::Text(content("custom_fields", text)?),
        CustomFieldValue::Choices(keys) => CustomFieldValue::Choices(
            keys.iter()
                .map(|k| required("custom_fields", k, SHORT_MAX))
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}

// ---------------------------------------------------------------------------------------------
// Status.

/// Whether the status catalogue lets a ticket go from `from` to `to`.
pub fn transition_allowed(from: StatusCategory, to: StatusCategory) -> bool {
    use StatusCategory as S;
    match from {
        S::New | S::Open | S::InProgress | S::Pending | S::Waiting => true,
        S::Resolved => is_starting(to) || matches!(to, S::Resolved | S::Closed),
        S::Closed | S::Rejected => is_starting(to),
        S::Cancelled => false,
    }
}

/// Checks a status target on its own: a waiting reason for, and only for, a waiting status,
/// and a sensible reason.
fn check_target(
    state: &TicketState,
    target: &StatusTarget,
    ctx: &CommandContext,
) -> Result<(), TicketError> {
    let category = target.status.category;
    match (category, target.waiting_for) {
        (StatusCategory::Waiting, None) => Err(TicketError::WaitingReasonRequired),
        (StatusCategory::Waiting, Some(reason)) => match reason {
            WaitingReason::Until(until) if until <= ctx.now => Err(TicketError::WaitUntilInPast {
                until,
                now: ctx.now,
            }),
            WaitingReason::ExternalEntity(link_id)
                if !state.external_links.contains_key(&link_id) =>
            {
                Err(TicketError::ExternalLinkNotFound { link_id })
            }
            WaitingReason::Ticket(id) if id == state.ticket_id => Err(TicketError::SelfReference {
                field: "waiting_for",
            }),
            _ => Ok(()),
        },
        (_, Some(_)) => Err(TicketError::WaitingReasonWithoutWaiting { category }),
        (_, None) => Ok(()),
    }
}

/// Decides a move to `target`: checks the target and the transition; nothing when the ticket
/// already is in that status for that reason.
pub(super) fn change_status(
    state: &TicketState,
    target: &StatusTarget,
    comment: Option<String>,
    ctx: &CommandContext,
) -> Result<Vec<TicketEvent>, TicketError> {
    let current = require_exists(state)?;
    check_target(state, target, ctx)?;
    if current == target.status && state.waiting_for == target.waiting_for {
        return Ok(Vec::new());
    }
    if current.category == StatusCategory::Cancelled {
        return Err(TicketError::Cancelled);
    }
    if !transition_allowed(current.category, target.status.category) {
        return Err(TicketError::TransitionNotAllowed {
            from: current.category,
            to: target.status.category,
        });
    }
    Ok(vec![TicketEvent::StatusChanged(StatusChange {
        old: current,
        old_waiting_for: state.waiting_for,
        new: target.status,
        waiting_for: target.waiting_for,
        comment,
    })])
}

/// A status target without a waiting reason.
pub(super) fn plain(status: StatusRef) -> StatusTarget {
    StatusTarget {
        status,
        waiting_for: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Create, update, assign.

fn create(
    state: &TicketState,
    c: &CreateTicket,
    ctx: &CommandContext,
) -> Result<Vec<TicketEvent>, TicketError> {
    if state.lifecycle != TicketLifecycle::NotCreated {
        return Err(TicketError::AlreadyCreated);
    }
    if !is_starting(c.status.category) {
        return Err(TicketError::InitialStatusNotAllowed {
            category: c.status.category,
        });
    }
    let mut seen = BTreeSet::new();
    for (_, ticket_id) in &c.related {
        if *ticket_id == c.ticket_id {
            return Err(TicketError::SelfReference { field: "related" });
        }
        if !seen.insert(*ticket_id) {
            return Err(TicketError::AlreadyLinked {
                ticket_id: *ticket_id,
            });
        }
    }
    let new_ids = std::iter::once(c.ticket_id)
        .chain(c.attachments.iter().map(|a| a.attachment_id))
        .chain(c.related.iter().map(|(link_id, _)| *link_id));
    require_fresh(state, new_ids)?;
    let custom_fields = c
        .custom_fields
        .iter()
        .map(|(id, v)| Ok((*id, custom_value(v)?)))
        .collect::<Result<_, TicketError>>()?;
    let mut events = vec![TicketEvent::Created(TicketCreated {
        ticket_id: c.ticket_id,
        subject: required("subject", &c.subject, SHORT_MAX)?,
        description: content("description", &c.description)?,
        requester_id: c.requester_id,
        creator_id: c.creator_id,
        on_behalf_of_id: c.on_behalf_of_id,
        ticket_type: c.ticket_type,
        status: c.status,
        priority_id: c.priority_id,
        urgency_id: c.urgency_id,
        impact_id: c.impact_id,
        impact_details: optional("impact_details", c.impact_details.as_deref(), LONG_MAX)?,
        category: c.category,
        source_id: c.source_id,
        group_id: c.group_id,
        agent_id: c.agent_id,
        department_id: c.department_id,
        helpdesk_id: c.helpdesk_id,
        level_id: c.level_id,
        location_id: c.location_id,
        tag_ids: c.tag_ids.clone(),
        custom_fields,
        due_at: c.due_at,
        occurred_at: c.occurred_at,
        at: ctx.now,
    })];
    events.extend(attachments(AttachmentTarget::Ticket, &c.attachments)?);
    events.extend(c.related.iter().map(|(link_id, ticket_id)| {
        TicketEvent::Linked(TicketLinked {
            link_id: *link_id,
            ticket_id: *ticket_id,
            comment: None,
        })
    }));
    Ok(events)
}

/// Pushes `wrap(Change { old, new })` when `new` is given and differs from `old`.
fn field<T: Clone + PartialEq>(
    events: &mut Vec<TicketEvent>,
    old: &T,
    new: Option<T>,
    wrap: fn(Change<T>) -> TicketEvent,
) {
    if let Some(new) = new {
        if &new != old {
            events.push(wrap(Change {
                old: old.clone(),
                new,
            }));
        }
    }
}

fn update(state: &TicketState, u: &UpdateTicket) -> Result<Vec<TicketEvent>, TicketError> {
    use TicketEvent as E;
    let f = &state.fields;
    let subject = u
        .subject
        .as_deref()
        .map(|s| required("subject", s, SHORT_MAX))
        .transpose()?;
    let description = u
        .description
        .as_deref()
        .map(|d| content("description", d))
        .transpose()?;
    let impact_details = u
        .impact_details
        .as_ref()
        .map(|d| optional("impact_details", d.as_deref(), LONG_MAX))
        .transpose()?;
    let mut events = Vec::new();
    field(&mut events, &f.subject, subject, E::SubjectChanged);
    field(
        &mut events,
        &f.description,
        description,
        E::DescriptionChanged,
    );
    field(
        &mut events,
        &f.requester_id,
        u.requester_id,
        E::RequesterChanged,
    );
    field(
        &mut events,
        &f.on_behalf_of_id,
        u.on_behalf_of_id,
        E::OnBehalfOfChanged,
    );
    if let (Some(old), Some(new)) = (f.ticket_type, u.ticket_type) {
        field(&mut events, &old, Some(new), E::TypeChanged);
    }
    field(
        &mut events,
        &f.priority_id,
        u.priority_id,
        E::PriorityChanged,
    );
    field(&mut events, &f.urgency_id, u.urgency_id, E::UrgencyChanged);
    field(&mut events, &f.impact_id, u.impact_id, E::ImpactChanged);
    field(
        &mut events,
        &f.impact_details,
        impact_details,
        E::ImpactDetailsChanged,
    );
    field(&mut events, &f.category, u.category, E::CategoryChanged);
    field(&mut events, &f.source_id, u.source_id, E::SourceChanged);
    field(
        &mut events,
        &f.department_id,
        u.department_id,
        E::DepartmentChanged,
    );
    field(
        &mut events,
        &f.helpdesk_id,
        u.helpdesk_id,
        E::HelpDeskChanged,
    );
    field(&mut events, &f.level_id, u.level_id, E::LevelChanged);
    field(
        &mut events,
        &f.location_id,
        u.location_id,
        E::LocationChanged,
    );
    field(&mut events, &f.due_at, u.due_at, E::DueDateChanged);
    field(
        &mut events,
        &f.occurred_at,
        u.occurred_at,
        E::OccurredAtChanged,
    );
    field(&mut events, &f.tag_ids, u.tag_ids.clone(), E::TagsChanged);
    for (field_id, value) in &u.custom_fields {
        let new = value.as_ref().map(custom_value).transpose()?;
        let old = f.custom_fields.get(field_id).cloned();
        if old != new {
            events.push(E::CustomFieldChanged(CustomFieldChange {
                field_id: *field_id,
                old,
                new,
            }));
        }
    }
    Ok(events)
}

/// The assignment event to `group`/`agent`, or nothing when both stay.
fn assignment(
    state: &TicketState,
    group: Option<Ulid>,
    agent: Option<Ulid>,
    picked_up: bool,
) -> Vec<TicketEvent> {
    if group == state.group_id && agent == state.agent_id {
        return Vec::new();
    }
    vec![TicketEvent::AssignmentChanged(AssignmentChange {
        old_group_id: state.group_id,
        new_group_id: group,
        old_agent_id: state.agent_id,
        new_agent_id: agent,
        picked_up,
    })]
}
