//! What a client may ask of a ticket, in imperative names.
//!
//! Commands carry raw input (validated by `decide`) and everything `decide` needs from other
//! aggregates already resolved: a status comes with its category, a type with its kind, an
//! approval template with its voters and rule. Every id of something the command creates
//! (reply, note, attachment, link, approval, time entry) is chosen at the edge and carried
//! here, so `decide` stays deterministic.

use std::collections::{BTreeMap, BTreeSet};

use ulid::Ulid;

use super::types::{
    ApprovalRule, AssociationKind, AttachmentMeta, AttachmentTarget, CategoryPath, ClosedReason,
    CustomFieldValue, PersonRole, Side, StatusRef, StatusTarget, TicketTypeRef, VoteDecision,
    WaitingReason,
};
use crate::ids::Timestamp;

/// Everything a client can do to a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketCommand {
    /// Open a ticket (Trudesk `tickets/create`, HelpDeskZ `tickets/create`, InvGate
    /// `POST incident`, SDP `POST requests`).
    Create(Box<CreateTicket>),
    /// Change any descriptive field; each changed field becomes one event with old and new
    /// value, unchanged fields none (Trudesk `PUT tickets/:id`, InvGate `PUT incident`,
    /// `incident.custom_field`, SDP `PUT requests/{id}`).
    Update(Box<UpdateTicket>),
    /// Move to another status of the catalogue, within the allowed transitions.
    ChangeStatus {
        /// The status and, for a waiting one, what it waits for.
        target: StatusTarget,
        /// Why (SDP `status_change_comments`).
        comment: Option<String>,
    },
    /// Set the group and/or the agent; what is not named stays (SDP `assign`).
    Assign {
        /// The new group, or `None` to keep the current one.
        group_id: Option<Ulid>,
        /// The new agent, or `None` to keep the current one.
        agent_id: Option<Ulid>,
    },
    /// Replace group and agent; `None` clears (InvGate `incident.reassign`).
    Reassign {
        /// The new group.
        group_id: Option<Ulid>,
        /// The new agent.
        agent_id: Option<Ulid>,
    },
    /// Assign the ticket to the calling agent (SDP `pickup`).
    PickUp,
    /// Remove the agent; the group stays.
    Unassign,
    /// Add a public reply (Trudesk `addcomment`, HelpDeskZ `messages/create`, InvGate
    /// `incident.comment` with `customer_visible=1`).
    Reply(Box<ReplyToTicket>),
    /// Change the text of a reply; the old text stays on record.
    EditReply {
        /// The reply.
        comment_id: Ulid,
        /// The new text.
        body: String,
    },
    /// Delete a reply; its text stays on record.
    DeleteReply {
        /// The reply.
        comment_id: Ulid,
    },
    /// Add an internal note that requesters never see (Trudesk `addnote`, InvGate
    /// `customer_visible=0`, SDP notes).
    AddNote {
        /// The new note's id.
        note_id: Ulid,
        /// Who wrote it.
        author_id: Ulid,
        /// Its text.
        body: String,
        /// Files attached to it.
        attachments: Vec<AttachmentMeta>,
    },
    /// Change the text of a note; the old text stays on record.
    EditNote {
        /// The note.
        note_id: Ulid,
        /// The new text.
        body: String,
    },
    /// Delete a note; its text stays on record.
    DeleteNote {
        /// The note.
        note_id: Ulid,
    },
    /// Attach a file (already in the blob store) to the ticket, a reply or a note.
    AddAttachment {
        /// What it is attached to.
        target: AttachmentTarget,
        /// The file.
        attachment: AttachmentMeta,
    },
    /// Remove an attachment (the blob is collected later if nothing else refers to it).
    RemoveAttachment {
        /// The attachment.
        attachment_id: Ulid,
    },
    /// Add a subscriber, observer or collaborator.
    AddPerson {
        /// The role.
        role: PersonRole,
        /// The user.
        user_id: Ulid,
    },
    /// Remove a subscriber, observer or collaborator.
    RemovePerson {
        /// The role.
        role: PersonRole,
        /// The user.
        user_id: Ulid,
    },
    /// Link another ticket (InvGate `incident.link`, SDP `link_requests`). Only this ticket's
    /// stream records it (an append is atomic on one stream); the read models derive the other
    /// ticket's inbound side.
    LinkTicket {
        /// The link's id.
        link_id: Ulid,
        /// The other ticket.
        ticket_id: Ulid,
        /// Why they are linked (SDP `comments`).
        comment: Option<String>,
    },
    /// Remove the link to another ticket.
    UnlinkTicket {
        /// The other ticket.
        ticket_id: Ulid,
    },
    /// Link an entity of another system (InvGate `incident.external_entity`, CIs, assets).
    LinkExternal {
        /// The link's id.
        link_id: Ulid,
        /// The entity's id in its system.
        entity_id: String,
        /// A reference within that entity, if any (`external_entity_ref_id`).
        reference: Option<String>,
    },
    /// Remove a link to an external entity.
    UnlinkExternal {
        /// The link.
        link_id: Ulid,
    },
    /// Associate the ticket with a problem, change or project (replacing any previous one of
    /// that kind).
    Associate {
        /// The kind of association.
        kind: AssociationKind,
        /// The problem, change or project ticket.
        ticket_id: Ulid,
    },
    /// Remove the association of a kind.
    Dissociate {
        /// The kind of association.
        kind: AssociationKind,
    },
    /// Close with closure details (SDP `close`, HelpDeskZ `close=1`, Trudesk status 3).
    Close(Box<CloseTicket>),
    /// Reopen a resolved, closed or rejected ticket (InvGate `incident.reopen`).
    Reopen {
        /// A new, open or in-progress status.
        status: StatusRef,
        /// Why.
        comment: Option<String>,
    },
    /// Withdraw the ticket for good (InvGate `incident.cancel`).
    Cancel {
        /// A cancelled status.
        status: StatusRef,
        /// Why.
        comment: Option<String>,
    },
    /// Refuse the ticket (InvGate `incident.reject`).
    Reject {
        /// A rejected status.
        status: StatusRef,
        /// Why.
        comment: Option<String>,
    },
    /// Add or edit the resolution text (SDP `resolutions`).
    SetResolution {
        /// The text.
        text: String,
        /// Whether to copy it to linked tickets (SDP `add_to_linked_requests`).
        propagate: bool,
    },
    /// The requester accepts the solution of a resolved ticket, which closes it.
    AcceptSolution {
        /// 1 (lowest) to 5 (highest).
        rating: u8,
        /// Required below 4.
        comment: Option<String>,
        /// The closed status the ticket moves to.
        closed_status: StatusRef,
    },
    /// The requester rejects the solution of a resolved ticket, which reopens it.
    RejectSolution {
        /// Why (required).
        reason: String,
        /// The status the ticket reopens to.
        reopen_status: StatusRef,
    },
    /// Make the ticket a major incident (InvGate `incident.promote.to.major.incident`).
    PromoteToMajorIncident {
        /// The major-incident type of the catalogue.
        type_id: Ulid,
    },
    /// Move to the trash (Trudesk `DELETE tickets/:id`, SDP `move_to_trash`).
    Trash,
    /// Take back from the trash.
    Restore,
    /// Remove for good from every read model (SDP `DELETE requests/{id}`, HelpDeskZ delete).
    /// The log keeps the events; the ticket accepts nothing more.
    Purge,
    /// Ask for a predefined approval, with the template's voters and rule resolved.
    RequestApproval(Box<RequestApproval>),
    /// Ask one named voter for approval (InvGate `incident.spontaneous_approval`).
    RequestSpontaneousApproval {
        /// The new approval's id.
        approval_id: Ulid,
        /// The voter.
        voter_id: Ulid,
        /// What is to be approved.
        description: String,
        /// When it expires, if ever.
        expires_at: Option<Timestamp>,
    },
    /// Add a voter to a waiting approval.
    AddVoter {
        /// The approval.
        approval_id: Ulid,
        /// The new voter.
        voter_id: Ulid,
    },
    /// A voter accepts or rejects an approval.
    Vote {
        /// The approval.
        approval_id: Ulid,
        /// The voter.
        voter_id: Ulid,
        /// For or against.
        decision: VoteDecision,
        /// The voter's note.
        note: Option<String>,
    },
    /// Withdraw a waiting approval.
    CancelApproval {
        /// The approval.
        approval_id: Ulid,
    },
    /// Expire a waiting approval whose time is up (sent by the expiry timer).
    ExpireApproval {
        /// The approval.
        approval_id: Ulid,
    },
    /// Record time spent (InvGate `POST timetracking`, SDP worklogs).
    LogTime {
        /// The entry's id.
        entry_id: Ulid,
        /// Who spent it.
        user_id: Ulid,
        /// When the work started, if known.
        from: Option<Timestamp>,
        /// When it ended.
        to: Timestamp,
        /// The `timecategory` it belongs to.
        category_id: Option<Ulid>,
        /// What was done.
        comment: Option<String>,
    },
    /// Delete a time entry.
    DeleteTimeEntry {
        /// The entry.
        entry_id: Ulid,
    },
    /// Correct a time entry (InvGate and SDP let a worklog be edited). Each `Some` field is a
    /// new value; `None` keeps the entry's.
    EditTimeEntry(EditTimeEntry),
}

/// The input of [`TicketCommand::EditTimeEntry`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EditTimeEntry {
    /// The entry.
    pub entry_id: Ulid,
    /// Whether the caller may edit anyone's entry (an agent or admin, as the edge decided);
    /// otherwise only the entry's own user (its author) may, so the rule stays in the domain.
    pub any_entry: bool,
    /// New user who spent it.
    pub user_id: Option<Ulid>,
    /// New start (`Some(None)`: unknown).
    pub from: Option<Option<Timestamp>>,
    /// New end.
    pub to: Option<Timestamp>,
    /// New time category (`Some(None)`: none).
    pub category_id: Option<Option<Ulid>>,
    /// New comment (`Some(None)` or an empty text: none).
    pub comment: Option<Option<String>>,
}

/// The input of [`TicketCommand::Create`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateTicket {
    /// The ticket's id (its stream id).
    pub ticket_id: Ulid,
    /// Subject or title.
    pub subject: String,
    /// Description or issue text (may be empty).
    pub description: String,
    /// Who the ticket is for (Trudesk owner, InvGate customer, SDP requester).
    pub requester_id: Ulid,
    /// Who typed it in, if a user (InvGate `creator_id`); `None` when the system created it.
    pub creator_id: Option<Ulid>,
    /// The user it was raised on behalf of (SDP `on_behalf_of`).
    pub on_behalf_of_id: Option<Ulid>,
    /// Its type.
    pub ticket_type: TicketTypeRef,
    /// Its initial status: new, open or in progress.
    pub status: StatusRef,
    /// Its priority.
    pub priority_id: Option<Ulid>,
    /// Its urgency.
    pub urgency_id: Option<Ulid>,
    /// Its impact.
    pub impact_id: Option<Ulid>,
    /// A description of the impact (SDP `impact_details`).
    pub impact_details: Option<String>,
    /// Category, subcategory, item.
    pub category: CategoryPath,
    /// Where it came from (mail, portal, phone...).
    pub source_id: Option<Ulid>,
    /// The group it is assigned to.
    pub group_id: Option<Ulid>,
    /// The agent it is assigned to.
    pub agent_id: Option<Ulid>,
    /// The HelpDeskZ department.
    pub department_id: Option<Ulid>,
    /// The InvGate help desk.
    pub helpdesk_id: Option<Ulid>,
    /// The level within the help desk.
    pub level_id: Option<Ulid>,
    /// The location (or SDP site).
    pub location_id: Option<Ulid>,
    /// Tags.
    pub tag_ids: BTreeSet<Ulid>,
    /// Custom-field values.
    pub custom_fields: BTreeMap<Ulid, CustomFieldValue>,
    /// A due date set by hand (the SLA projection computes its own).
    pub due_at: Option<Timestamp>,
    /// When the problem occurred (InvGate `date`).
    pub occurred_at: Option<Timestamp>,
    /// Files attached at creation.
    pub attachments: Vec<AttachmentMeta>,
    /// Related tickets (InvGate `related_to[]`), each with its link id.
    pub related: Vec<(Ulid, Ulid)>,
}

/// The input of [`TicketCommand::Update`]: `None` leaves a field as it is; for an optional
/// field, `Some(None)` clears it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UpdateTicket {
    /// New subject.
    pub subject: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New requester.
    pub requester_id: Option<Ulid>,
    /// New on-behalf-of user.
    pub on_behalf_of_id: Option<Option<Ulid>>,
    /// New type.
    pub ticket_type: Option<TicketTypeRef>,
    /// New priority.
    pub priority_id: Option<Option<Ulid>>,
    /// New urgency.
    pub urgency_id: Option<Option<Ulid>>,
    /// New impact.
    pub impact_id: Option<Option<Ulid>>,
    /// New impact details.
    pub impact_details: Option<Option<String>>,
    /// New category path (replaces all three levels).
    pub category: Option<CategoryPath>,
    /// New source.
    pub source_id: Option<Option<Ulid>>,
    /// New department.
    pub department_id: Option<Option<Ulid>>,
    /// New help desk.
    pub helpdesk_id: Option<Option<Ulid>>,
    /// New level.
    pub level_id: Option<Option<Ulid>>,
    /// New location.
    pub location_id: Option<Option<Ulid>>,
    /// New due date.
    pub due_at: Option<Option<Timestamp>>,
    /// New occurrence time.
    pub occurred_at: Option<Option<Timestamp>>,
    /// The whole new tag set.
    pub tag_ids: Option<BTreeSet<Ulid>>,
    /// Custom fields to set (`Some`) or clear (`None`); others stay.
    pub custom_fields: BTreeMap<Ulid, Option<CustomFieldValue>>,
}

/// The input of [`TicketCommand::Reply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyToTicket {
    /// The new reply's id.
    pub comment_id: Ulid,
    /// Who wrote it (InvGate `author_id`, HelpDeskZ `staff_id`/`user_id`).
    pub author_id: Ulid,
    /// Which side of the desk wrote it.
    pub side: Side,
    /// Its text.
    pub body: String,
    /// Whether it is the solution; then `set_status` must be a resolved status.
    pub is_solution: bool,
    /// Whether to copy it to the linked tickets (InvGate `is_propagation`).
    pub propagate: bool,
    /// A status change decided with the reply (HelpDeskZ's answered / awaiting reply /
    /// `close=1`; a reply that reopens a closed ticket).
    pub set_status: Option<StatusTarget>,
    /// Files attached to the reply.
    pub attachments: Vec<AttachmentMeta>,
}

/// The input of [`TicketCommand::Close`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseTicket {
    /// A closed status.
    pub status: StatusRef,
    /// Why it was closed.
    pub reason: ClosedReason,
    /// The closure code (SDP `closure_code`).
    pub closure_code_id: Option<Ulid>,
    /// The agent's closing comments.
    pub comments: Option<String>,
    /// Whether the requester acknowledged the resolution (SDP `requester_ack_resolution`).
    pub requester_acknowledged: Option<bool>,
    /// The requester's comments (SDP `requester_ack_comments`).
    pub requester_comments: Option<String>,
}

/// The input of [`TicketCommand::RequestApproval`]: a template with its voters and rule
/// resolved by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestApproval {
    /// The new approval's id.
    pub approval_id: Ulid,
    /// The `approvaltemplate` it comes from.
    pub template_id: Ulid,
    /// What is to be approved.
    pub description: String,
    /// Who votes.
    pub voters: BTreeSet<Ulid>,
    /// How the votes decide.
    pub rule: ApprovalRule,
    /// When it expires, if ever.
    pub expires_at: Option<Timestamp>,
}

impl ReplyToTicket {
    /// A plain public reply with nothing else attached to it.
    pub fn plain(comment_id: Ulid, author_id: Ulid, side: Side, body: &str) -> ReplyToTicket {
        ReplyToTicket {
            comment_id,
            author_id,
            side,
            body: body.to_owned(),
            is_solution: false,
            propagate: false,
            set_status: None,
            attachments: Vec::new(),
        }
    }
}

/// A waiting reason as a status target, for the InvGate `waitingfor.*` routes.
pub fn waiting(status: StatusRef, reason: WaitingReason) -> StatusTarget {
    StatusTarget {
        status,
        waiting_for: Some(reason),
    }
}
