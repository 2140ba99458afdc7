//! Payloads of the events that create the ticket and change its fields, status and assignment.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use crate::ids::Timestamp;
use crate::ticket::types::{
    CategoryPath, CustomFieldValue, StatusRef, TicketTypeRef, WaitingReason,
};

/// A ticket was opened, with every field it was given. Attachments and related tickets given
/// at creation follow as their own events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketCreated {
    /// The ticket's id (its stream id).
    pub ticket_id: Ulid,
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
    /// Its type.
    pub ticket_type: TicketTypeRef,
    /// Its initial status.
    pub status: StatusRef,
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
    /// When the ticket was opened (the command's time).
    pub at: Timestamp,
}

/// One field went from `old` to `new`. The event type names the field
/// (`ticket.subject_changed`, `ticket.priority_changed`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change<T> {
    /// The value before.
    pub old: T,
    /// The value after.
    pub new: T,
}

/// One custom field was set, changed or cleared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomFieldChange {
    /// The `customfield` definition.
    pub field_id: Ulid,
    /// The value before (`None`: unset).
    pub old: Option<CustomFieldValue>,
    /// The value after (`None`: cleared).
    pub new: Option<CustomFieldValue>,
}

/// The ticket moved to another status (every status change, whatever command caused it:
/// the SLA and history projections read only this event for status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// The status before.
    pub old: StatusRef,
    /// What the ticket waited for before, if it was waiting.
    pub old_waiting_for: Option<WaitingReason>,
    /// The status after.
    pub new: StatusRef,
    /// What it waits for now, if the new status is a waiting one.
    pub waiting_for: Option<WaitingReason>,
    /// Why, as given (status-change comment, cancel or reject comment...).
    pub comment: Option<String>,
}

/// The group and/or agent changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentChange {
    /// The group before.
    pub old_group_id: Option<Ulid>,
    /// The group after.
    pub new_group_id: Option<Ulid>,
    /// The agent before.
    pub old_agent_id: Option<Ulid>,
    /// The agent after.
    pub new_agent_id: Option<Ulid>,
    /// Whether the new agent picked the ticket up themselves.
    pub picked_up: bool,
}
