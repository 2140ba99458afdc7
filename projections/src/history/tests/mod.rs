//! Tests of the history model.
//!
//! - `mapping_record`, `mapping_activity`: every ticket event type against a hand-computed
//!   entry (Trudesk action, description, field changes, visibility), through the pure
//!   `describe`; [`every_event_type_has_a_hand_checked_mapping`] fails when an event type of
//!   the ticket domain has no case.
//! - `model`: real logs written through the command service (`desk`) and folded by the
//!   runner: entry envelope fields, numbers against the store, cursor pagination, the audit
//!   feeds, attachment and link descriptions from the model's own memory, purge, decode
//!   failures.
//! - `rebuild`: live-versus-rebuilt digests over random histories (proptest).

mod desk;
mod mapping_activity;
mod mapping_record;
mod model;
mod rebuild;

use std::collections::{BTreeMap, BTreeSet};

use ulid::Ulid;

use ledgerdesk_core::ticket::{StatusCategory, StatusRef, TicketEvent, TicketKind, TicketTypeRef};
use ledgerdesk_core::{DomainEvent, Timestamp};

use super::describe::{describe, Known};
use super::entry::{AttachmentInfo, FieldChange, Value, Visibility};
use crate::ProjectionError;

/// The ticket described.
pub(super) const TICKET: Ulid = Ulid(1);
/// Another ticket, with number 1002.
pub(super) const OTHER: Ulid = Ulid(2);
/// A ticket the model has not numbered.
pub(super) const UNKNOWN_TICKET: Ulid = Ulid(3);
/// The requester.
pub(super) const REQUESTER: Ulid = Ulid(10);
/// An agent.
pub(super) const AGENT: Ulid = Ulid(11);
/// Another agent.
pub(super) const OTHER_AGENT: Ulid = Ulid(12);
/// A group.
pub(super) const GROUP: Ulid = Ulid(20);
/// A public attachment the model knows.
pub(super) const PUBLIC_FILE: Ulid = Ulid(40);
/// A note's attachment the model knows.
pub(super) const NOTE_FILE: Ulid = Ulid(41);
/// 2023-11-14T22:13:20Z.
pub(super) const NOW: Timestamp = Timestamp(1_700_000_000_000_000);

/// A status of the catalogue, one per category (ids 100 + the category's index).
pub(super) fn status(category: StatusCategory) -> StatusRef {
    let index = StatusCategory::ALL
        .iter()
        .position(|c| *c == category)
        .unwrap_or(0);
    StatusRef {
        status_id: Ulid(100 + index as u128),
        category,
    }
}

pub(super) fn status_value(category: StatusCategory) -> Value {
    let s = status(category);
    Value::Status {
        status_id: s.status_id,
        category,
    }
}

pub(super) fn incident() -> TicketTypeRef {
    TicketTypeRef {
        type_id: Ulid(30),
        kind: TicketKind::Incident,
    }
}

pub(super) fn id(n: u128) -> Value {
    Value::Id(Ulid(n))
}

pub(super) fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

pub(super) fn label(s: &str) -> Value {
    Value::Label(s.to_owned())
}

pub(super) fn set(field: &str, new: Value) -> FieldChange {
    FieldChange::set(field, new)
}

pub(super) fn unset(field: &str, old: Value) -> FieldChange {
    FieldChange::unset(field, old)
}

pub(super) fn change(field: &str, old: Option<Value>, new: Option<Value>) -> FieldChange {
    FieldChange::new(field, old, new)
}

/// What the model knows in the mapping tests: OTHER is #1002; two attachments.
struct Stub {
    numbers: BTreeMap<Ulid, u64>,
    attachments: BTreeMap<Ulid, AttachmentInfo>,
}

impl Stub {
    fn new() -> Stub {
        let file = |name: &str, internal| AttachmentInfo {
            name: name.to_owned(),
            internal,
        };
        Stub {
            numbers: BTreeMap::from([(TICKET, 1001), (OTHER, 1002)]),
            attachments: BTreeMap::from([
                (PUBLIC_FILE, file("log.txt", false)),
                (NOTE_FILE, file("secret.txt", true)),
            ]),
        }
    }
}

impl Known for Stub {
    fn ticket_number(&self, id: Ulid) -> Result<Option<u64>, ProjectionError> {
        Ok(self.numbers.get(&id).copied())
    }

    fn attachment(&self, id: Ulid) -> Result<Option<AttachmentInfo>, ProjectionError> {
        Ok(self.attachments.get(&id).cloned())
    }
}

/// One event and the entry content computed by hand.
pub(super) struct Case {
    pub name: &'static str,
    pub event: TicketEvent,
    pub trudesk: &'static str,
    pub description: String,
    pub changes: Vec<FieldChange>,
    pub visibility: Visibility,
}

impl Case {
    pub(super) fn public(
        name: &'static str,
        event: TicketEvent,
        trudesk: &'static str,
        description: impl Into<String>,
        changes: Vec<FieldChange>,
    ) -> Case {
        Case {
            name,
            event,
            trudesk,
            description: description.into(),
            changes,
            visibility: Visibility::Public,
        }
    }

    pub(super) fn internal(self) -> Case {
        Case {
            visibility: Visibility::Internal,
            ..self
        }
    }
}

fn all_cases() -> Vec<Case> {
    let mut cases = mapping_record::cases();
    cases.extend(mapping_activity::cases());
    cases
}

#[test]
fn every_case_matches_its_hand_computed_entry() {
    let known = Stub::new();
    for case in all_cases() {
        let got = describe(&case.event, &known).unwrap();
        assert_eq!(
            got.trudesk_action, case.trudesk,
            "{}: trudesk action",
            case.name
        );
        assert_eq!(
            got.description, case.description,
            "{}: description",
            case.name
        );
        assert_eq!(got.changes, case.changes, "{}: changes", case.name);
        assert_eq!(got.visibility, case.visibility, "{}: visibility", case.name);
    }
}

/// Goal: no ticket event type goes without a checked mapping. Method: the event types of
/// the cases must be exactly `TicketEvent::EVENT_TYPES` (a new type without a case fails here;
/// `describe`'s exhaustive match already fails the build for a new variant).
#[test]
fn every_event_type_has_a_hand_checked_mapping() {
    let covered: BTreeSet<&str> = all_cases().iter().map(|c| c.event.event_type()).collect();
    let all: BTreeSet<&str> = TicketEvent::EVENT_TYPES.iter().copied().collect();
    let missing: Vec<_> = all.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "ticket events without a history case: {missing:?}"
    );
    assert_eq!(covered, all);
}

#[test]
fn trudesk_actions_follow_the_trudesk_pattern() {
    let known = Stub::new();
    for case in all_cases() {
        let action = describe(&case.event, &known).unwrap().trudesk_action;
        assert!(action.starts_with("ticket:"), "{}: {action}", case.name);
        assert!(
            action.chars().all(|c| c.is_ascii_lowercase() || c == ':'),
            "{}: {action}",
            case.name
        );
    }
}

#[test]
fn times_are_written_as_rfc3339_utc() {
    use super::describe::format_time;
    assert_eq!(format_time(NOW), "2023-11-14T22:13:20Z");
    assert_eq!(format_time(Timestamp(0)), "1970-01-01T00:00:00Z");
    assert_eq!(format_time(Timestamp(-1)), "1969-12-31T23:59:59.999999Z");
    assert_eq!(
        format_time(Timestamp(951_782_400_000_123)),
        "2000-02-29T00:00:00.000123Z"
    );
    // Never panics, even at the ends of the range.
    let _ = format_time(Timestamp(i64::MIN));
    let _ = format_time(Timestamp(i64::MAX));
}

#[test]
fn decimals_are_written_exactly() {
    use super::describe::decimal_text;
    assert_eq!(decimal_text(1234, 2), "12.34");
    assert_eq!(decimal_text(-5, 2), "-0.05");
    assert_eq!(decimal_text(7, 0), "7");
    assert_eq!(decimal_text(i64::MIN, 3), "-9223372036854775.808");
}

#[test]
fn cursors_round_trip_through_text() {
    use super::keys::Cursor;
    for cursor in [
        Cursor {
            recorded_at: NOW,
            position: 42,
        },
        Cursor {
            recorded_at: Timestamp(-7),
            position: 0,
        },
    ] {
        assert_eq!(cursor.to_string().parse::<Cursor>(), Ok(cursor));
    }
    for bad in ["", "12", "a.b", "1.-2", "1.2.x"] {
        assert!(bad.parse::<Cursor>().is_err(), "{bad}");
    }
}
