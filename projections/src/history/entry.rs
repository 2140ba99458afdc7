//! The values the history model stores and serves: one [`HistoryEntry`] per ticket event.
//!
//! Entries are stored with [`ledgerdesk_core::codec::encode_payload`] (bincode, not
//! self-describing), so every enum here is externally tagged and only ever gains variants at
//! the end; a change of shape is a bump of the projection's version (a rebuild), never an
//! in-place reinterpretation.

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use ledgerdesk_core::ticket::{StatusCategory, TicketKind, WaitingReason};
use ledgerdesk_core::{Actor, Timestamp};

/// Who may read an entry. The model never filters: the API drops `internal` entries for
/// requesters, so that one model serves agents, auditors and requesters alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Anyone who may read the ticket.
    Public,
    /// Agents and auditors only: internal notes, their attachments, time tracking.
    Internal,
}

/// One field's value before or after a change, typed so that the API can resolve ids to names
/// and format times in the caller's dialect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    /// Free text (subject, bodies, comments).
    Text(String),
    /// The id of another stream or of something on the ticket (user, group, reply...).
    Id(Ulid),
    /// A set of ids (tags, voters), in id order.
    Ids(Vec<Ulid>),
    /// An instant (UTC microseconds).
    Time(Timestamp),
    /// A whole number.
    Integer(i64),
    /// A decimal number: `mantissa / 10^scale`.
    Decimal {
        /// The digits.
        mantissa: i64,
        /// How many of them are after the decimal point.
        scale: u8,
    },
    /// A yes/no value.
    Flag(bool),
    /// Selected options of a list field.
    Choices(Vec<String>),
    /// A fixed label of a closed set (`customer`, `subscriber`, `manual`, `approved`...).
    Label(String),
    /// A status of the catalogue with its fixed category.
    Status {
        /// The status.
        status_id: Ulid,
        /// Its category.
        category: StatusCategory,
    },
    /// A ticket type with its fixed kind.
    TicketType {
        /// The type.
        type_id: Ulid,
        /// Its kind.
        kind: TicketKind,
    },
    /// What a ticket in a waiting status waits for.
    Waiting(WaitingReason),
}

/// One field that an event changed: `old` is `None` when the field was unset (or the thing
/// did not exist), `new` is `None` when it was cleared or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field's name (`status`, `agent`, `custom_fields.<ulid>`...).
    pub field: String,
    /// The value before.
    pub old: Option<Value>,
    /// The value after.
    pub new: Option<Value>,
}

impl FieldChange {
    /// A change of `field` from `old` to `new`.
    pub fn new(field: impl Into<String>, old: Option<Value>, new: Option<Value>) -> FieldChange {
        FieldChange {
            field: field.into(),
            old,
            new,
        }
    }

    /// A value that appeared (a created ticket's field, a reply's body).
    pub fn set(field: impl Into<String>, new: Value) -> FieldChange {
        FieldChange::new(field, None, Some(new))
    }

    /// A value that went away (a deleted reply's body, an unlinked ticket).
    pub fn unset(field: impl Into<String>, old: Value) -> FieldChange {
        FieldChange::new(field, Some(old), None)
    }
}

/// One change of one ticket, as the history and audit feeds serve it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The ticket (its stream's ULID).
    pub ticket_id: Ulid,
    /// The ticket's sequential number (Trudesk `uid`), from 1001.
    pub ticket_number: u64,
    /// The event's global log position: the entry's identity and its order.
    pub position: u64,
    /// The event's version within the ticket's stream.
    pub version: u64,
    /// The event's id.
    pub event_id: Ulid,
    /// When the store recorded the event; never a clock read by the projection.
    pub recorded_at: Timestamp,
    /// Who caused it.
    pub actor: Actor,
    /// The event type (`ticket.status_changed`).
    pub event_type: String,
    /// The stable native action (`status_changed`): the event type without its `ticket.`.
    pub action: String,
    /// The action as Trudesk's `history[].action` names it (`ticket:set:status`).
    pub trudesk_action: String,
    /// A readable sentence (Trudesk's `history[].description`).
    pub description: String,
    /// The fields the event changed, with their old and new values.
    pub changes: Vec<FieldChange>,
    /// Who may read it.
    pub visibility: Visibility,
}

/// What an attachment was, remembered per ticket so that its removal can be described by
/// name and inherit the visibility of what it was attached to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentInfo {
    /// The file name as uploaded.
    pub name: String,
    /// Whether it was attached to an internal note.
    pub internal: bool,
}
