//! Identifiers that appear in every envelope: stream ids, actors and timestamps.
//!
//! A stream id is a kind plus a ULID. The kind is stored as one byte whose value is frozen
//! once released (see [`StreamKind`]), so that keys and records written by earlier builds keep
//! their meaning.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ulid::Ulid;

/// What kind of aggregate a stream belongs to.
///
/// The numeric codes are part of the on-disk format (keys and records): a released code is never
/// reused or renumbered. New kinds take new codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum StreamKind {
    /// A ticket (request, incident) with its conversation and approvals.
    Ticket = 1,
    /// A person: requester or agent.
    User = 2,
    /// A role with its grants.
    Role = 3,
    /// A group of agents (Trudesk groups, InvGate groups).
    Group = 4,
    /// A department (HelpDeskZ).
    Department = 5,
    /// A help desk with its levels (InvGate).
    HelpDesk = 6,
    /// A company (InvGate).
    Company = 7,
    /// A location in the location tree.
    Location = 8,
    /// A ticket priority with its SLA targets.
    Priority = 9,
    /// A ticket type.
    TicketType = 10,
    /// An entry of the status catalogue.
    Status = 11,
    /// A category (tree with subcategories and items).
    Category = 12,
    /// A source or mode (mail, portal, phone...).
    Source = 13,
    /// An urgency level.
    Urgency = 14,
    /// An impact level.
    Impact = 15,
    /// A closure code.
    ClosureCode = 16,
    /// A tag.
    Tag = 17,
    /// A custom-field definition.
    CustomField = 18,
    /// A time-tracking category.
    TimeCategory = 19,
    /// A business-hours calendar.
    Calendar = 20,
    /// A knowledge-base category.
    KbCategory = 21,
    /// A knowledge-base article.
    KbArticle = 22,
    /// A breaking-news item with its updates.
    BreakingNews = 23,
    /// A Trudesk notice.
    Notice = 24,
    /// A named setting.
    Setting = 25,
    /// An approval template (predefined approvals).
    ApprovalTemplate = 26,
    /// The system stream: installation-wide facts.
    System = 27,
}

impl StreamKind {
    /// Every kind, in code order.
    pub const ALL: [StreamKind; 27] = [
        StreamKind::Ticket,
        StreamKind::User,
        StreamKind::Role,
        StreamKind::Group,
        StreamKind::Department,
        StreamKind::HelpDesk,
        StreamKind::Company,
        StreamKind::Location,
        StreamKind::Priority,
        StreamKind::TicketType,
        StreamKind::Status,
        StreamKind::Category,
        StreamKind::Source,
        StreamKind::Urgency,
        StreamKind::Impact,
        StreamKind::ClosureCode,
        StreamKind::Tag,
        StreamKind::CustomField,
        StreamKind::TimeCategory,
        StreamKind::Calendar,
        StreamKind::KbCategory,
        StreamKind::KbArticle,
        StreamKind::BreakingNews,
        StreamKind::Notice,
        StreamKind::Setting,
        StreamKind::ApprovalTemplate,
        StreamKind::System,
    ];

    /// The frozen one-byte code used in keys and records.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The kind for a stored code, if the code is known to this build.
    pub fn from_code(code: u8) -> Option<StreamKind> {
        StreamKind::ALL.iter().copied().find(|k| k.code() == code)
    }

    /// The lowercase name used in textual stream ids (`ticket-01H...`) and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            StreamKind::Ticket => "ticket",
            StreamKind::User => "user",
            StreamKind::Role => "role",
            StreamKind::Group => "group",
            StreamKind::Department => "department",
            StreamKind::HelpDesk => "helpdesk",
            StreamKind::Company => "company",
            StreamKind::Location => "location",
            StreamKind::Priority => "priority",
            StreamKind::TicketType => "tickettype",
            StreamKind::Status => "status",
            StreamKind::Category => "category",
            StreamKind::Source => "source",
            StreamKind::Urgency => "urgency",
            StreamKind::Impact => "impact",
            StreamKind::ClosureCode => "closurecode",
            StreamKind::Tag => "tag",
            StreamKind::CustomField => "customfield",
            StreamKind::TimeCategory => "timecategory",
            StreamKind::Calendar => "calendar",
            StreamKind::KbCategory => "kbcategory",
            StreamKind::KbArticle => "kbarticle",
            StreamKind::BreakingNews => "breakingnews",
            StreamKind::Notice => "notice",
            StreamKind::Setting => "setting",
            StreamKind::ApprovalTemplate => "approvaltemplate",
            StreamKind::System => "system",
        }
    }

    /// The first sequential number handed to a stream of this kind. Tickets start at 1001 as
    /// in Trudesk (its counter starts at 1000); everything else starts at 1.
    pub fn first_number(self) -> u64 {
        match self {
            StreamKind::Ticket => 1001,
            _ => 1,
        }
    }
}

impl fmt::Display for StreamKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A textual id or kind that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what}: {input:?}")]
pub struct ParseIdError {
    what: &'static str,
    input: String,
}

impl FromStr for StreamKind {
    type Err = ParseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StreamKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ParseIdError {
                what: "stream kind",
                input: s.to_owned(),
            })
    }
}

impl Serialize for StreamKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(self.as_str())
        } else {
            serializer.serialize_u8(self.code())
        }
    }
}

impl<'de> Deserialize<'de> for StreamKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        if deserializer.is_human_readable() {
            let s = String::deserialize(deserializer)?;
            s.parse().map_err(D::Error::custom)
        } else {
            let code = u8::deserialize(deserializer)?;
            StreamKind::from_code(code)
                .ok_or_else(|| D::Error::custom(format!("unknown stream kind code {code}")))
        }
    }
}

/// The identity of one stream: its kind and a ULID. Written `kind-ULID` in text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId {
    /// The aggregate kind.
    pub kind: StreamKind,
    /// The aggregate's unique id.
    pub id: Ulid,
}

impl StreamId {
    /// Length of [`StreamId::to_bytes`].
    pub const BYTES: usize = 17;

    /// A stream id from its parts.
    pub fn new(kind: StreamKind, id: Ulid) -> StreamId {
        StreamId { kind, id }
    }

    /// A fresh stream id of `kind`.
    pub fn generate(kind: StreamKind) -> StreamId {
        StreamId::new(kind, Ulid::new())
    }

    /// The fixed 17-byte form used in keys: kind code, then the ULID big-endian.
    pub fn to_bytes(&self) -> [u8; 17] {
        let mut out = [0u8; 17];
        out[0] = self.kind.code();
        out[1..].copy_from_slice(&self.id.to_bytes());
        out
    }

    /// The inverse of [`StreamId::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Option<StreamId> {
        if bytes.len() != 17 {
            return None;
        }
        let kind = StreamKind::from_code(bytes[0])?;
        let mut id = [0u8; 16];
        id.copy_from_slice(&bytes[1..]);
        Some(StreamId::new(kind, Ulid::from_bytes(id)))
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.kind, self.id)
    }
}

impl FromStr for StreamId {
    type Err = ParseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseIdError {
            what: "stream id",
            input: s.to_owned(),
        };
        let (kind, id) = s.split_once('-').ok_or_else(err)?;
        let kind = kind.parse().map_err(|_| err())?;
        let id = Ulid::from_string(id).map_err(|_| err())?;
        Ok(StreamId::new(kind, id))
    }
}

impl Serialize for StreamId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            (self.kind, self.id.0).serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for StreamId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        if deserializer.is_human_readable() {
            let s = String::deserialize(deserializer)?;
            s.parse().map_err(D::Error::custom)
        } else {
            let (kind, id) = <(StreamKind, u128)>::deserialize(deserializer)?;
            Ok(StreamId::new(kind, Ulid(id)))
        }
    }
}

/// Who caused an event: a user (by their user id) or the system itself (projections,
/// expiry timers, the replay tool's import).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Actor {
    /// Something the system did on its own.
    System,
    /// A user, by the ULID of their `user` stream.
    User(Ulid),
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::System => f.write_str("system"),
            Actor::User(id) => write!(f, "user-{id}"),
        }
    }
}

/// A UTC instant in microseconds since the Unix epoch: the resolution of `recorded_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current wall-clock time. Only the store (for `recorded_at`) and the edges call this;
    /// domain logic and projections take time from events.
    pub fn now() -> Timestamp {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(i64::try_from(since.as_micros()).unwrap_or(i64::MAX))
    }

    /// Microseconds since the epoch.
    pub fn as_micros(self) -> i64 {
        self.0
    }

    /// Whole seconds since the epoch (rounded down).
    pub fn as_secs(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    /// From whole seconds since the epoch.
    pub fn from_secs(secs: i64) -> Timestamp {
        Timestamp(secs.saturating_mul(1_000_000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_id_text_and_bytes_round_trip() {
        for kind in StreamKind::ALL {
            let id = StreamId::generate(kind);
            assert_eq!(id.to_string().parse::<StreamId>(), Ok(id));
            assert_eq!(StreamId::from_bytes(&id.to_bytes()), Some(id));
            assert_eq!(StreamKind::from_code(kind.code()), Some(kind));
        }
    }

    #[test]
    fn kind_codes_are_frozen_and_distinct() {
        // The codes are on disk: this test fails if anyone renumbers a kind.
        assert_eq!(StreamKind::Ticket.code(), 1);
        assert_eq!(StreamKind::User.code(), 2);
        assert_eq!(StreamKind::System.code(), 27);
        let mut codes: Vec<u8> = StreamKind::ALL.iter().map(|k| k.code()).collect();
        codes.dedup();
        assert_eq!(codes.len(), StreamKind::ALL.len());
        assert_eq!(StreamKind::from_code(0), None);
        assert_eq!(StreamKind::from_code(200), None);
    }

    #[test]
    fn malformed_stream_ids_are_refused() {
        for bad in [
            "",
            "ticket",
            "ticket-",
            "nope-01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "ticket-xyz",
        ] {
            assert!(bad.parse::<StreamId>().is_err(), "{bad} parsed");
        }
    }
}
