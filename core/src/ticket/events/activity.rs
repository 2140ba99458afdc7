//! Payloads of the conversation, attachments, people, links and time-tracking events.

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use crate::ids::Timestamp;
use crate::ticket::types::{AssociationKind, AttachmentMeta, AttachmentTarget, PersonRole, Side};

/// A public reply was added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyAdded {
    /// The reply's id.
    pub comment_id: Ulid,
    /// Who wrote it.
    pub author_id: Ulid,
    /// Which side of the desk wrote it.
    pub side: Side,
    /// Its text.
    pub body: String,
    /// Whether it is the ticket's solution.
    pub is_solution: bool,
    /// Whether it is to be copied to the linked tickets (by the command service, into their
    /// own streams).
    pub propagate: bool,
    /// When it was written (the command's time).
    pub at: Timestamp,
}

/// An internal note was added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteAdded {
    /// The note's id.
    pub note_id: Ulid,
    /// Who wrote it.
    pub author_id: Ulid,
    /// Its text.
    pub body: String,
    /// When it was written (the command's time).
    pub at: Timestamp,
}

/// A reply or note was edited; the old text stays on record here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageEdited {
    /// The reply or note.
    pub message_id: Ulid,
    /// The text before.
    pub old_body: String,
    /// The text after.
    pub new_body: String,
}

/// A reply or note was deleted; its last text stays on record here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDeleted {
    /// The reply or note.
    pub message_id: Ulid,
    /// Its text when deleted.
    pub body: String,
}

/// The first public reply from an agent: the first-response SLA target is met or breached
/// here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstResponse {
    /// The reply.
    pub comment_id: Ulid,
    /// When (the command's time).
    pub at: Timestamp,
}

/// A file was attached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentAdded {
    /// What it is attached to.
    pub target: AttachmentTarget,
    /// The file's description and blob hash.
    pub attachment: AttachmentMeta,
}

/// A file was removed; the hash lets the blob store collect the bytes when nothing else
/// refers to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRemoved {
    /// The attachment.
    pub attachment_id: Ulid,
    /// Its blob hash.
    pub blake3_hex: String,
}

/// A person was added to or removed from a role around the ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonChange {
    /// The role.
    pub role: PersonRole,
    /// The user.
    pub user_id: Ulid,
}

/// Another ticket was linked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketLinked {
    /// The link's id.
    pub link_id: Ulid,
    /// The other ticket.
    pub ticket_id: Ulid,
    /// Why.
    pub comment: Option<String>,
}

/// The link to another ticket was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketUnlinked {
    /// The link's id.
    pub link_id: Ulid,
    /// The other ticket.
    pub ticket_id: Ulid,
}

/// An external entity was linked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalLinked {
    /// The link's id.
    pub link_id: Ulid,
    /// The entity's id in its system.
    pub entity_id: String,
    /// A reference within that entity.
    pub reference: Option<String>,
}

/// The link to an external entity was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalUnlinked {
    /// The link's id.
    pub link_id: Ulid,
    /// The entity's id in its system.
    pub entity_id: String,
}

/// The problem, change or project the ticket is associated with changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssociationChange {
    /// Which association.
    pub kind: AssociationKind,
    /// The ticket before.
    pub old: Option<Ulid>,
    /// The ticket after (`None`: dissociated).
    pub new: Option<Ulid>,
}

/// Time spent on the ticket was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeLogged {
    /// The entry's id.
    pub entry_id: Ulid,
    /// Who spent it.
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

/// A time entry was deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeEntryDeleted {
    /// The entry.
    pub entry_id: Ulid,
}

/// A time entry's values, as [`TimeEntryEdited`] carries them before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeEntryValues {
    /// Who spent it.
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

/// A time entry was corrected. Both sides are whole, so a read model moves its totals from the
/// old values to the new without looking anything up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeEntryEdited {
    /// The entry.
    pub entry_id: Ulid,
    /// Its values before.
    pub old: TimeEntryValues,
    /// Its values after.
    pub new: TimeEntryValues,
}
