//! Recorded events as JSON for integrators: the envelope, plus the payload decoded by the
//! domain enum of the stream's kind (so readers need not know bincode), or as hex when this
//! build has no decoder for it.

use ledgerdesk_core::directory::{
    breaking_news::BreakingNewsEvent, catalogue_item::ItemEvent, category::CategoryEvent,
    department::DepartmentEvent, group::GroupEvent, notice::NoticeEvent, priority::PriorityEvent,
    role::RoleEvent, setting::SettingEvent, status::StatusEvent, ticket_type::TicketTypeEvent,
    user::UserEvent,
};
use ledgerdesk_core::{DomainEvent, RecordedEvent, StreamKind};
use serde::Serialize;
use serde_json::Value;

fn decode<E: DomainEvent + Serialize>(record: &RecordedEvent) -> Option<Value> {
    E::from_recorded(record)
        .ok()
        .and_then(|e| serde_json::to_value(e).ok())
}

/// The payload of `record` as JSON, if this build knows its event type.
pub fn payload(record: &RecordedEvent) -> Option<Value> {
    match record.stream.kind {
        StreamKind::User => decode::<UserEvent>(record),
        StreamKind::Role => decode::<RoleEvent>(record),
        StreamKind::Group => decode::<GroupEvent>(record),
        StreamKind::Department => decode::<DepartmentEvent>(record),
        StreamKind::Priority => decode::<PriorityEvent>(record),
        StreamKind::TicketType => decode::<TicketTypeEvent>(record),
        StreamKind::Status => decode::<StatusEvent>(record),
        StreamKind::Category | StreamKind::KbCategory => decode::<CategoryEvent>(record),
        StreamKind::Source
        | StreamKind::Urgency
        | StreamKind::Impact
        | StreamKind::ClosureCode
        | StreamKind::Tag
        | StreamKind::TimeCategory => decode::<ItemEvent>(record),
        StreamKind::BreakingNews => decode::<BreakingNewsEvent>(record),
        StreamKind::Notice => decode::<NoticeEvent>(record),
        StreamKind::Setting => decode::<SettingEvent>(record),
        StreamKind::ApprovalTemplate => {
            decode::<ledgerdesk_core::directory::approval_template::TemplateEvent>(record)
        }
        _ => None,
    }
}

/// One event as the log API shows it.
#[derive(Debug, Serialize)]
pub struct EventJson {
    /// Global position.
    pub position: u64,
    /// `kind-ULID`.
    pub stream: String,
    /// Version within the stream.
    pub version: u64,
    /// The event's id.
    pub event_id: String,
    /// When it was recorded, microseconds since the epoch (UTC).
    pub recorded_at_us: i64,
    /// `system` or `user-ULID`.
    pub actor: String,
    /// The business operation it belongs to.
    pub correlation_id: String,
    /// What caused it.
    pub causation_id: Option<String>,
    /// The event type.
    pub event_type: String,
    /// Its schema version.
    pub schema_version: u16,
    /// The decoded payload, when this build knows the type.
    pub data: Option<Value>,
    /// The raw payload in hex, when it could not be decoded.
    pub payload_hex: Option<String>,
    /// The chained hash, hex.
    pub hash: String,
}

impl From<&RecordedEvent> for EventJson {
    fn from(r: &RecordedEvent) -> EventJson {
        let data = payload(r);
        EventJson {
            position: r.position,
            stream: r.stream.to_string(),
            version: r.version,
            event_id: r.event_id.to_string(),
            recorded_at_us: r.recorded_at.0,
            actor: r.actor.to_string(),
            correlation_id: r.correlation_id.to_string(),
            causation_id: r.causation_id.map(|c| c.to_string()),
            event_type: r.event_type.clone(),
            schema_version: r.schema_version,
            payload_hex: data.is_none().then(|| hex::encode(&r.payload)),
            data,
            hash: hex::encode(r.hash),
        }
    }
}
