//! The state of one ticket, folded from its events, and the pure `evolve` that folds them.
//!
//! `evolve` never refuses and never panics: an event is a fact. Events that cannot apply
//! (anything before `ticket.created`, a second `ticket.created`, a reply edit for an unknown
//! reply...) change nothing. Counters saturate.

use std::collections::{BTreeMap, BTreeSet};

use ulid::Ulid;

use super::approval::{self, ApprovalState};
use super::events::{ClosureRecorded, TicketEvent};
use super::types::{
    is_final, is_starting, ApprovalStatus, AssociationKind, AttachmentMeta, AttachmentTarget,
    CategoryPath, CustomFieldValue, PersonRole, Side, StatusRef, TicketApprovalStatus,
    TicketTypeRef, WaitingReason,
};
use crate::directory::status::StatusCategory;
use crate::ids::Timestamp;

/// Where a ticket stands as a record (independently of its status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum TicketLifecycle {
    /// Not created yet: the state before the first event.
    #[default]
    NotCreated,
    /// Created and not in the trash.
    Active,
    /// In the trash: only restore and purge apply.
    Trashed,
    /// Purged: read models drop it; nothing applies any more.
    Purged,
}

/// The descriptive fields of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct TicketFields {
    /// Subject or title.
    pub subject: String,
    /// Description or issue text.
    pub description: String,
    /// Who the ticket is for.
    pub requester_id: Ulid,
    /// Who typed it in, if a user.
    pub creator_id: Option<Ulid>,
    /// The user it was raised on behalf of.
    pub on_behalf_of_id: Option<Ulid>,
    /// Its type (`None` only before creation).
    pub ticket_type: Option<TicketTypeRef>,
    /// Its priority.
    pub priority_id: Option<Ulid>,
    /// Its urgency.
    pub urgency_id: Option<Ulid>,
    /// Its impact.
    pub impact_id: Option<Ulid>,
    /// A description of the impact.
    pub impact_details: Option<String>,
    /// Category, subcategory, item.
    pub category: CategoryPath,
    /// Where it came from.
    pub source_id: Option<Ulid>,
    /// The HelpDeskZ department.
    pub department_id: Option<Ulid>,
    /// The InvGate help desk.
    pub helpdesk_id: Option<Ulid>,
    /// The level within the help desk.
    pub level_id: Option<Ulid>,
    /// The location.
    pub location_id: Option<Ulid>,
    /// Tags.
    pub tag_ids: BTreeSet<Ulid>,
    /// Custom-field values.
    pub custom_fields: BTreeMap<Ulid, CustomFieldValue>,
    /// A due date set by hand.
    pub due_at: Option<Timestamp>,
    /// When the problem occurred.
    pub occurred_at: Option<Timestamp>,
}

/// A reply or a note.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Message {
    /// Who wrote it.
    pub author_id: Ulid,
    /// The side of a reply; `None` for a note.
    pub side: Option<Side>,
    /// Its current text (kept after deletion, for the record).
    pub body: String,
    /// When it was written.
    pub at: Timestamp,
    /// How many times it was edited.
    pub edits: u32,
    /// Whether it was deleted.
    pub deleted: bool,
    /// Whether it was marked as the solution.
    pub is_solution: bool,
}

/// An attachment and what it is attached to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Attachment {
    /// The file.
    pub meta: AttachmentMeta,
    /// What it is attached to.
    pub target: AttachmentTarget,
}

/// A link to an entity of another system.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExternalLink {
    /// The entity's id in its system.
    pub entity_id: String,
    /// A reference within it.
    pub reference: Option<String>,
}

/// A time-tracking entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TimeEntry {
    /// Who spent the time.
    pub user_id: Ulid,
    /// When the work started, if known.
    pub from: Option<Timestamp>,
    /// When it ended.
    pub to: Timestamp,
    /// Its time category.
    pub category_id: Option<Ulid>,
    /// What was done.
    pub comment: Option<String>,
}

/// One ticket, folded from its stream. `TicketState::default()` is the state before creation.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct TicketState {
    /// Where the ticket stands as a record.
    pub lifecycle: TicketLifecycle,
    /// The ticket's id.
    pub ticket_id: Ulid,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// Its descriptive fields.
    pub fields: TicketFields,
    /// Its status (`None` only before creation).
    pub status: Option<StatusRef>,
    /// What it waits for, while in a waiting status.
    pub waiting_for: Option<WaitingReason>,
    /// The group it is assigned to.
    pub group_id: Option<Ulid>,
    /// The agent it is assigned to.
    pub agent_id: Option<Ulid>,
    /// Public replies by id.
    pub replies: BTreeMap<Ulid, Message>,
    /// Internal notes by id.
    pub notes: BTreeMap<Ulid, Message>,
    /// Current attachments by id (removed ones are gone; their events keep them).
    pub attachments: BTreeMap<Ulid, Attachment>,
    /// Subscribers, observers and collaborators.
    pub people: BTreeSet<(PersonRole, Ulid)>,
    /// Linked tickets, to the id of their link.
    pub linked_tickets: BTreeMap<Ulid, Ulid>,
    /// Links to external entities by link id.
    pub external_links: BTreeMap<Ulid, ExternalLink>,
    /// The problem, change and project tickets it is associated with.
    pub associations: BTreeMap<AssociationKind, Ulid>,
    /// The resolution text.
    pub resolution: Option<String>,
    /// The reply marked as solution, while it stands.
    pub solution_comment_id: Option<Ulid>,
    /// The rating of the last accepted solution.
    pub rating: Option<u8>,
    /// When an agent first replied publicly.
    pub first_response_at: Option<Timestamp>,
    /// The details of the last closure.
    pub closure: Option<ClosureRecorded>,
    /// How many times it was reopened.
    pub reopen_count: u32,
    /// Approvals by id.
    pub approvals: BTreeMap<Ulid, ApprovalState>,
    /// The outcome of the last decided approval.
    pub last_approval_outcome: Option<ApprovalStatus>,
    /// Time entries by id.
    pub time_entries: BTreeMap<Ulid, TimeEntry>,
    /// Every id a command created on this ticket (replies, notes, attachments, links,
    /// approvals, time entries), so that none is reused, even after deletion.
    pub used_ids: BTreeSet<Ulid>,
}

impl TicketState {
    /// The category of the current status (`None` before creation).
    pub fn category(&self) -> Option<StatusCategory> {
        self.status.map(|s| s.category)
    }

    /// Whether the ticket is closed, rejected or cancelled.
    pub fn is_final(&self) -> bool {
        self.category().is_some_and(is_final)
    }

    /// The ticket's approval status, derived from its approvals.
    pub fn approval_status(&self) -> TicketApprovalStatus {
        approval::ticket_approval_status(&self.approvals, self.last_approval_outcome)
    }

    /// Whether `user_id` plays `role` around the ticket.
    pub fn has_person(&self, role: PersonRole, user_id: Ulid) -> bool {
        self.people.contains(&(role, user_id))
    }
}

/// Applies one event to the state. Pure, total, never panics.
pub fn evolve(mut state: TicketState, event: &TicketEvent) -> TicketState {
    match (state.lifecycle, event) {
        (TicketLifecycle::NotCreated, TicketEvent::Created(_)) => {}
        (TicketLifecycle::NotCreated, _) | (_, TicketEvent::Created(_)) => return state,
        _ => {}
    }
    apply(&mut state, event);
    state
}

fn apply(s: &mut TicketState, event: &TicketEvent) {
    let f = &mut s.fields;
    match event {
        TicketEvent::Created(e) => {
            s.lifecycle = TicketLifecycle::Active;
            s.ticket_id = e.ticket_id;
            s.created_at = Some(e.at);
            s.status = Some(e.status);
            s.group_id = e.group_id;
            s.agent_id = e.agent_id;
            s.used_ids.insert(e.ticket_id);
            *f = TicketFields {
                subject: e.subject.clone(),
                description: e.description.clone(),
                requester_id: e.requester_id,
                creator_id: e.creator_id,
                on_behalf_of_id: e.on_behalf_of_id,
                ticket_type: Some(e.ticket_type),
                priority_id: e.priority_id,
                urgency_id: e.urgency_id,
                impact_id: e.impact_id,
                impact_details: e.impact_details.clone(),
                category: e.category,
                source_id: e.source_id,
                department_id: e.department_id,
                helpdesk_id: e.helpdesk_id,
                level_id: e.level_id,
                location_id: e.location_id,
                tag_ids: e.tag_ids.clone(),
                custom_fields: e.custom_fields.clone(),
                due_at: e.due_at,
                occurred_at: e.occurred_at,
            };
        }
        TicketEvent::SubjectChanged(c) => f.subject = c.new.clone(),
        TicketEvent::DescriptionChanged(c) => f.description = c.new.clone(),
        TicketEvent::RequesterChanged(c) => f.requester_id = c.new,
        TicketEvent::OnBehalfOfChanged(c) => f.on_behalf_of_id = c.new,
        TicketEvent::TypeChanged(c) => f.ticket_type = Some(c.new),
        TicketEvent::PriorityChanged(c) => f.priority_id = c.new,
        TicketEvent::UrgencyChanged(c) => f.urgency_id = c.new,
        TicketEvent::ImpactChanged(c) => f.impact_id = c.new,
        TicketEvent::ImpactDetailsChanged(c) => f.impact_details = c.new.clone(),
        TicketEvent::CategoryChanged(c) => f.category = c.new,
        TicketEvent::SourceChanged(c) => f.source_id = c.new,
        TicketEvent::DepartmentChanged(c) => f.department_id = c.new,
        TicketEvent::HelpDeskChanged(c) => f.helpdesk_id = c.new,
        TicketEvent::LevelChanged(c) => f.level_id = c.new,
        TicketEvent::LocationChanged(c) => f.location_id = c.new,
        TicketEvent::DueDateChanged(c) => f.due_at = c.new,
        TicketEvent::OccurredAtChanged(c) => f.occurred_at = c.new,
        TicketEvent::TagsChanged(c) => f.tag_ids = c.new.clone(),
        TicketEvent::CustomFieldChanged(c) => match &c.new {
            Some(value) => {
                f.custom_fields.insert(c.field_id, value.clone());
            }
            None => {
                f.custom_fields.remove(&c.field_id);
            }
        },
        TicketEvent::StatusChanged(c) => {
            let was = s.category().unwrap_or(c.old.category);
            if matches!(
                was,
                StatusCategory::Resolved | StatusCategory::Closed | StatusCategory::Rejected
            ) && is_starting(c.new.category)
            {
                s.reopen_count = s.reopen_count.saturating_add(1);
            }
            s.status = Some(c.new);
            s.waiting_for = c.waiting_for;
        }
        TicketEvent::AssignmentChanged(c) => {
            s.group_id = c.new_group_id;
            s.agent_id = c.new_agent_id;
        }
        TicketEvent::ReplyAdded(e) => {
            s.used_ids.insert(e.comment_id);
            if e.is_solution {
                s.solution_comment_id = Some(e.comment_id);
            }
            s.replies.insert(
                e.comment_id,
                Message {
                    author_id: e.author_id,
                    side: Some(e.side),
                    body: e.body.clone(),
                    at: e.at,
                    edits: 0,
                    deleted: false,
                    is_solution: e.is_solution,
                },
            );
        }
        TicketEvent::NoteAdded(e) => {
            s.used_ids.insert(e.note_id);
            s.notes.insert(
                e.note_id,
                Message {
                    author_id: e.author_id,
                    side: None,
                    body: e.body.clone(),
                    at: e.at,
                    edits: 0,
                    deleted: false,
                    is_solution: false,
                },
            );
        }
        TicketEvent::ReplyEdited(e) => edit(&mut s.replies, e.message_id, &e.new_body),
        TicketEvent::NoteEdited(e) => edit(&mut s.notes, e.message_id, &e.new_body),
        TicketEvent::ReplyDeleted(e) => delete(&mut s.replies, e.message_id),
        TicketEvent::NoteDeleted(e) => delete(&mut s.notes, e.message_id),
        TicketEvent::FirstResponseRecorded(e) => {
            s.first_response_at.get_or_insert(e.at);
        }
        TicketEvent::AttachmentAdded(e) => {
            s.used_ids.insert(e.attachment.attachment_id);
            s.attachments.insert(
                e.attachment.attachment_id,
                Attachment {
                    meta: e.attachment.clone(),
                    target: e.target,
                },
            );
        }
        TicketEvent::AttachmentRemoved(e) => {
            s.attachments.remove(&e.attachment_id);
        }
        TicketEvent::PersonAdded(e) => {
            s.people.insert((e.role, e.user_id));
        }
        TicketEvent::PersonRemoved(e) => {
            s.people.remove(&(e.role, e.user_id));
        }
        TicketEvent::Linked(e) => {
            s.used_ids.insert(e.link_id);
            s.linked_tickets.insert(e.ticket_id, e.link_id);
        }
        TicketEvent::Unlinked(e) => {
            s.linked_tickets.remove(&e.ticket_id);
        }
        TicketEvent::ExternalLinked(e) => {
            s.used_ids.insert(e.link_id);
            s.external_links.insert(
                e.link_id,
                ExternalLink {
                    entity_id: e.entity_id.clone(),
                    reference: e.reference.clone(),
                },
            );
        }
        TicketEvent::ExternalUnlinked(e) => {
            s.external_links.remove(&e.link_id);
        }
        TicketEvent::AssociationChanged(e) => match e.new {
            Some(id) => {
                s.associations.insert(e.kind, id);
            }
            None => {
                s.associations.remove(&e.kind);
            }
        },
        TicketEvent::ClosureRecorded(e) => s.closure = Some(e.clone()),
        TicketEvent::ResolutionChanged(e) => s.resolution = Some(e.new.clone()),
        TicketEvent::SolutionAccepted(e) => s.rating = Some(e.rating),
        TicketEvent::SolutionRejected(_) => s.solution_comment_id = None,
        TicketEvent::Trashed(_) => s.lifecycle = TicketLifecycle::Trashed,
        TicketEvent::Restored(_) => s.lifecycle = TicketLifecycle::Active,
        TicketEvent::Purged(_) => s.lifecycle = TicketLifecycle::Purged,
        TicketEvent::ApprovalRequested(e) => {
            s.used_ids.insert(e.approval_id);
            approval::apply(&mut s.approvals, event);
        }
        TicketEvent::VoterAdded(_)
        | TicketEvent::VoteCast(_)
        | TicketEvent::ApprovalCancelled(_)
        | TicketEvent::ApprovalExpired(_) => {
            approval::apply(&mut s.approvals, event);
        }
        TicketEvent::ApprovalDecided(_) => {
            if let Some(outcome) = approval::apply(&mut s.approvals, event) {
                s.last_approval_outcome = Some(outcome);
            }
        }
        TicketEvent::TimeLogged(e) => {
            s.used_ids.insert(e.entry_id);
            s.time_entries.insert(
                e.entry_id,
                TimeEntry {
                    user_id: e.user_id,
                    from: e.from,
                    to: e.to,
                    category_id: e.category_id,
                    comment: e.comment.clone(),
                },
            );
        }
        TicketEvent::TimeEntryDeleted(e) => {
            s.time_entries.remove(&e.entry_id);
        }
        TicketEvent::TimeEntryEdited(e) => {
            if let Some(entry) = s.time_entries.get_mut(&e.entry_id) {
                *entry = TimeEntry {
                    user_id: e.new.user_id,
                    from: e.new.from,
                    to: e.new.to,
                    category_id: e.new.category_id,
                    comment: e.new.comment.clone(),
                };
            }
        }
    }
}

fn edit(messages: &mut BTreeMap<Ulid, Message>, id: Ulid, body: &str) {
    if let Some(m) = messages.get_mut(&id) {
        m.body = body.to_owned();
        m.edits = m.edits.saturating_add(1);
    }
}

fn delete(messages: &mut BTreeMap<Ulid, Message>, id: Ulid) {
    if let Some(m) = messages.get_mut(&id) {
        m.deleted = true;
    }
}
