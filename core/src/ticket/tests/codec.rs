//! Every event type round-trips through the codec; unknown types and versions are refused.

use std::collections::BTreeSet;

use ulid::Ulid;

use crate::ids::Timestamp;

use crate::codec::{CodecError, DomainEvent};
use crate::ticket::events::*;
use crate::ticket::testkit::*;
use crate::ticket::types::*;
use crate::ticket::StatusCategory;

fn opt() -> Change<Option<Ulid>> {
    Change {
        old: None,
        new: Some(Ulid(5)),
    }
}

fn ended() -> ApprovalEnded {
    ApprovalEnded {
        approval_id: Ulid(800),
    }
}

fn message_edited() -> MessageEdited {
    MessageEdited {
        message_id: Ulid(500),
        old_body: "a".into(),
        new_body: "b".into(),
    }
}

fn message_deleted() -> MessageDeleted {
    MessageDeleted {
        message_id: Ulid(500),
        body: "b".into(),
    }
}

fn person() -> PersonChange {
    PersonChange {
        role: PersonRole::Collaborator,
        user_id: AGENT,
    }
}

/// One sample of every event type.
pub(super) fn samples() -> Vec<TicketEvent> {
    use TicketEvent as E;
    let mut created = created();
    if let Some(E::Created(c)) = created.first_mut() {
        c.custom_fields = [
            (Ulid(1), CustomFieldValue::Text("t".into())),
            (Ulid(2), CustomFieldValue::Integer(-3)),
            (
                Ulid(3),
                CustomFieldValue::Decimal {
                    mantissa: 1234,
                    scale: 2,
                },
            ),
            (Ulid(4), CustomFieldValue::Boolean(true)),
            (Ulid(5), CustomFieldValue::Date(NOW)),
            (Ulid(6), CustomFieldValue::Choices(vec!["a".into()])),
        ]
        .into();
        c.tag_ids = [Ulid(7)].into();
    }
    let mut all = created;
    all.extend([
        E::SubjectChanged(Change {
            old: "a".into(),
            new: "b".into(),
        }),
        E::DescriptionChanged(Change {
            old: "a".into(),
            new: "b".into(),
        }),
        E::RequesterChanged(Change {
            old: REQUESTER,
            new: AGENT,
        }),
        E::OnBehalfOfChanged(opt()),
        E::TypeChanged(Change {
            old: incident(),
            new: TicketTypeRef {
                type_id: MAJOR_TYPE,
                kind: TicketKind::MajorIncident,
            },
        }),
        E::PriorityChanged(opt()),
        E::UrgencyChanged(opt()),
        E::ImpactChanged(opt()),
        E::ImpactDetailsChanged(Change {
            old: None,
            new: Some("all floors".into()),
        }),
        E::CategoryChanged(Change {
            old: CategoryPath::default(),
            new: CategoryPath {
                category_id: Some(Ulid(1)),
                subcategory_id: Some(Ulid(2)),
                item_id: Some(Ulid(3)),
            },
        }),
        E::SourceChanged(opt()),
        E::DepartmentChanged(opt()),
        E::HelpDeskChanged(opt()),
        E::LevelChanged(opt()),
        E::LocationChanged(opt()),
        E::DueDateChanged(Change {
            old: None,
            new: Some(NOW),
        }),
        E::OccurredAtChanged(Change {
            old: Some(NOW),
            new: None,
        }),
        E::TagsChanged(Change {
            old: BTreeSet::new(),
            new: [Ulid(9)].into(),
        }),
        E::CustomFieldChanged(CustomFieldChange {
            field_id: Ulid(1),
            old: Some(CustomFieldValue::Integer(1)),
            new: None,
        }),
        E::StatusChanged(StatusChange {
            old: status(StatusCategory::New),
            old_waiting_for: None,
            new: status(StatusCategory::Waiting),
            waiting_for: Some(WaitingReason::Until(NOW)),
            comment: Some("c".into()),
        }),
        E::AssignmentChanged(AssignmentChange {
            old_group_id: None,
            new_group_id: Some(GROUP),
            old_agent_id: None,
            new_agent_id: Some(AGENT),
            picked_up: true,
        }),
        E::ReplyAdded(ReplyAdded {
            comment_id: Ulid(500),
            author_id: AGENT,
            side: Side::Agent,
            body: "hi".into(),
            is_solution: true,
            propagate: false,
            at: NOW,
        }),
        E::ReplyEdited(message_edited()),
        E::ReplyDeleted(message_deleted()),
        E::NoteAdded(NoteAdded {
            note_id: Ulid(600),
            author_id: AGENT,
            body: "n".into(),
            at: NOW,
        }),
        E::NoteEdited(message_edited()),
        E::NoteDeleted(message_deleted()),
        E::FirstResponseRecorded(FirstResponse {
            comment_id: Ulid(500),
            at: NOW,
        }),
        E::AttachmentAdded(AttachmentAdded {
            target: AttachmentTarget::Note(Ulid(600)),
            attachment: file(70),
        }),
        E::AttachmentRemoved(AttachmentRemoved {
            attachment_id: Ulid(70),
            blake3_hex: "ab".repeat(32),
        }),
        E::PersonAdded(person()),
        E::PersonRemoved(person()),
        E::Linked(TicketLinked {
            link_id: Ulid(80),
            ticket_id: OTHER_TICKET,
            comment: None,
        }),
        E::Unlinked(TicketUnlinked {
            link_id: Ulid(80),
            ticket_id: OTHER_TICKET,
        }),
        E::ExternalLinked(ExternalLinked {
            link_id: Ulid(90),
            entity_id: "X-1".into(),
            reference: Some("r".into()),
        }),
        E::ExternalUnlinked(ExternalUnlinked {
            link_id: Ulid(90),
            entity_id: "X-1".into(),
        }),
        E::AssociationChanged(AssociationChange {
            kind: AssociationKind::InitiatedChange,
            old: None,
            new: Some(OTHER_TICKET),
        }),
        E::ClosureRecorded(ClosureRecorded {
            reason: ClosedReason::CustomerTimeout,
            closure_code_id: Some(Ulid(45)),
            comments: None,
            requester_acknowledged: Some(false),
            requester_comments: Some("meh".into()),
        }),
        E::ResolutionChanged(ResolutionChange {
            old: None,
            new: "r".into(),
            propagate: true,
        }),
        E::SolutionAccepted(SolutionAccepted {
            comment_id: Some(Ulid(500)),
            rating: 4,
            comment: None,
        }),
        E::SolutionRejected(SolutionRejected {
            comment_id: None,
            reason: "no".into(),
        }),
        E::Trashed(LifecycleMark { at: NOW }),
        E::Restored(LifecycleMark { at: NOW }),
        E::Purged(LifecycleMark { at: NOW }),
        E::ApprovalRequested(ApprovalRequested {
            approval_id: Ulid(800),
            kind: ApprovalKind::Predefined(Ulid(801)),
            description: "d".into(),
            voters: [AGENT, OTHER_AGENT].into(),
            rule: ApprovalRule::Quorum(2),
            expires_at: Some(NOW),
            at: NOW,
        }),
        E::VoterAdded(VoterAdded {
            approval_id: Ulid(800),
            voter_id: REQUESTER,
        }),
        E::VoteCast(VoteCast {
            approval_id: Ulid(800),
            voter_id: AGENT,
            decision: VoteDecision::Reject,
            note: Some("n".into()),
        }),
        E::ApprovalDecided(ApprovalDecided {
            approval_id: Ulid(800),
            status: ApprovalStatus::Rejected,
        }),
        E::ApprovalCancelled(ended()),
        E::ApprovalExpired(ended()),
        E::TimeLogged(TimeLogged {
            entry_id: Ulid(700),
            user_id: AGENT,
            from: None,
            to: NOW,
            category_id: Some(Ulid(3)),
            comment: None,
        }),
        E::TimeEntryDeleted(TimeEntryDeleted {
            entry_id: Ulid(700),
        }),
        E::TimeEntryEdited(TimeEntryEdited {
            entry_id: Ulid(700),
            old: TimeEntryValues {
                user_id: AGENT,
                from: None,
                to: NOW,
                category_id: Some(Ulid(3)),
                comment: None,
            },
            new: TimeEntryValues {
                user_id: OTHER_AGENT,
                from: Some(Timestamp(NOW.0 - 60_000_000)),
                to: NOW,
                category_id: None,
                comment: Some("c".into()),
            },
        }),
    ]);
    all
}

#[test]
fn every_event_type_round_trips() {
    let samples = samples();
    let mut covered = BTreeSet::new();
    for event in &samples {
        let bytes = event.encode().expect("encodes");
        let back = TicketEvent::decode(event.event_type(), event.schema_version(), &bytes)
            .expect("decodes");
        assert_eq!(&back, event);
        assert_eq!(event.schema_version(), 1);
        covered.insert(event.event_type());
        assert!(matches!(
            TicketEvent::decode(event.event_type(), 2, &bytes),
            Err(CodecError::UnknownSchemaVersion { .. })
        ));
        let via_envelope = event.to_new_event(Ulid(1)).expect("wraps");
        assert_eq!(via_envelope.payload, bytes);
    }
    let missing: Vec<_> = TicketEvent::EVENT_TYPES
        .iter()
        .filter(|t| !covered.contains(*t))
        .collect();
    assert!(missing.is_empty(), "no sample for {missing:?}");
    assert_eq!(covered.len(), TicketEvent::EVENT_TYPES.len());
    crate::golden::check("ticket", &samples);
}

#[test]
fn type_names_are_unique_and_namespaced() {
    let names: BTreeSet<_> = TicketEvent::EVENT_TYPES.iter().collect();
    assert_eq!(names.len(), TicketEvent::EVENT_TYPES.len());
    assert!(TicketEvent::EVENT_TYPES
        .iter()
        .all(|n| n.starts_with("ticket.")));
}

#[test]
fn unknown_types_and_garbage_are_refused() {
    assert!(matches!(
        TicketEvent::decode("ticket.exploded", 1, &[]),
        Err(CodecError::UnknownEventType { .. })
    ));
    assert!(matches!(
        TicketEvent::decode("ticket.created", 1, &[1, 2, 3]),
        Err(CodecError::Decode { .. })
    ));
}

#[test]
fn evolve_survives_every_sample_in_any_order() {
    use crate::ticket::state::{evolve, TicketState};
    let samples = samples();
    let forward = samples.iter().fold(TicketState::default(), evolve);
    assert_eq!(forward.ticket_id, TICKET);
    let _ = samples.iter().rev().fold(TicketState::default(), evolve);
    let _ = samples.iter().skip(1).fold(forward, evolve);
}

#[test]
fn the_catalogue_documents_every_event_type() {
    let catalogue = include_str!("../../../../docs/events/ticket.md");
    for name in TicketEvent::EVENT_TYPES {
        assert!(
            catalogue.contains(&format!("| `{name}` |")),
            "{name} is missing from docs/events/ticket.md"
        );
    }
}
