//! Hand-computed entries of creation, field, status and assignment events.

use std::collections::{BTreeMap, BTreeSet};

use ulid::Ulid;

use ledgerdesk_core::ticket::events::{
    AssignmentChange, Change, CustomFieldChange, StatusChange, TicketCreated,
};
use ledgerdesk_core::ticket::{
    CategoryPath, CustomFieldValue, StatusCategory, TicketEvent as E, TicketKind, TicketTypeRef,
    WaitingReason,
};
use ledgerdesk_core::Timestamp;

use super::*;

fn created() -> TicketCreated {
    TicketCreated {
        ticket_id: TICKET,
        subject: "Printer on fire".into(),
        description: "Smoke everywhere".into(),
        requester_id: REQUESTER,
        creator_id: Some(AGENT),
        on_behalf_of_id: None,
        ticket_type: incident(),
        status: status(StatusCategory::New),
        priority_id: Some(Ulid(50)),
        urgency_id: None,
        impact_id: None,
        impact_details: None,
        category: CategoryPath {
            category_id: Some(Ulid(60)),
            subcategory_id: None,
            item_id: None,
        },
        source_id: None,
        group_id: Some(GROUP),
        agent_id: None,
        department_id: None,
        helpdesk_id: None,
        level_id: None,
        location_id: None,
        tag_ids: BTreeSet::from([Ulid(71), Ulid(70)]),
        custom_fields: BTreeMap::from([(Ulid(80), CustomFieldValue::Integer(3))]),
        due_at: Some(NOW),
        occurred_at: None,
        at: NOW,
    }
}

fn some_id(n: u128) -> Option<Ulid> {
    Some(Ulid(n))
}

fn id_change(old: Option<Ulid>, new: Option<Ulid>) -> Change<Option<Ulid>> {
    Change { old, new }
}

fn status_change(
    old: StatusCategory,
    new: StatusCategory,
    waiting_for: Option<WaitingReason>,
    comment: Option<&str>,
) -> E {
    E::StatusChanged(StatusChange {
        old: status(old),
        old_waiting_for: None,
        new: status(new),
        waiting_for,
        comment: comment.map(str::to_owned),
    })
}

fn assignment(
    group: (Option<Ulid>, Option<Ulid>),
    agent: (Option<Ulid>, Option<Ulid>),
    picked_up: bool,
) -> E {
    E::AssignmentChanged(AssignmentChange {
        old_group_id: group.0,
        new_group_id: group.1,
        old_agent_id: agent.0,
        new_agent_id: agent.1,
        picked_up,
    })
}

fn created_case() -> Case {
    Case::public(
        "created",
        E::Created(created()),
        "ticket:created",
        "Ticket was created.",
        vec![
            set("subject", text("Printer on fire")),
            set("description", text("Smoke everywhere")),
            set("requester", id(10)),
            set("creator", id(11)),
            set(
                "type",
                Value::TicketType {
                    type_id: Ulid(30),
                    kind: TicketKind::Incident,
                },
            ),
            set("status", status_value(StatusCategory::New)),
            set("priority", id(50)),
            set("category", id(60)),
            set("group", id(20)),
            set("due_at", Value::Time(NOW)),
            set("tags", Value::Ids(vec![Ulid(70), Ulid(71)])),
            set(&format!("custom_fields.{}", Ulid(80)), Value::Integer(3)),
        ],
    )
}

fn field_cases() -> Vec<Case> {
    let (o, n) = (Ulid(51), Ulid(52));
    let opt = |name, event: fn(Change<Option<Ulid>>) -> E, trudesk, desc: String| {
        Case::public(
            name,
            event(id_change(Some(o), Some(n))),
            trudesk,
            desc,
            vec![change(name, Some(id(51)), Some(id(52)))],
        )
    };
    vec![
        Case::public(
            "subject",
            E::SubjectChanged(Change {
                old: "a".into(),
                new: "b".into(),
            }),
            "ticket:set:subject",
            "Ticket Subject set to: b",
            vec![change("subject", Some(text("a")), Some(text("b")))],
        ),
        Case::public(
            "description",
            E::DescriptionChanged(Change {
                old: "x".into(),
                new: "y".into(),
            }),
            "ticket:set:issue",
            "Ticket Issue was updated.",
            vec![change("description", Some(text("x")), Some(text("y")))],
        ),
        Case::public(
            "requester",
            E::RequesterChanged(Change {
                old: REQUESTER,
                new: AGENT,
            }),
            "ticket:set:owner",
            format!("Ticket Requester set to: user {AGENT}"),
            vec![change("requester", Some(id(10)), Some(id(11)))],
        ),
        Case::public(
            "on behalf of, cleared",
            E::OnBehalfOfChanged(id_change(Some(REQUESTER), None)),
            "ticket:set:onbehalfof",
            "On behalf of was cleared",
            vec![change("on_behalf_of", Some(id(10)), None)],
        ),
        opt(
            "priority",
            E::PriorityChanged,
            "ticket:set:priority",
            format!("Ticket Priority set to: {n}"),
        ),
        opt(
            "urgency",
            E::UrgencyChanged,
            "ticket:set:urgency",
            format!("Ticket Urgency set to: {n}"),
        ),
        opt(
            "impact",
            E::ImpactChanged,
            "ticket:set:impact",
            format!("Ticket Impact set to: {n}"),
        ),
        opt(
            "source",
            E::SourceChanged,
            "ticket:set:source",
            format!("Ticket Source set to: {n}"),
        ),
        opt(
            "department",
            E::DepartmentChanged,
            "ticket:set:department",
            format!("Ticket Department set to: {n}"),
        ),
        opt(
            "helpdesk",
            E::HelpDeskChanged,
            "ticket:set:helpdesk",
            format!("Ticket Help Desk set to: {n}"),
        ),
        opt(
            "level",
            E::LevelChanged,
            "ticket:set:level",
            format!("Ticket Level set to: {n}"),
        ),
        opt(
            "location",
            E::LocationChanged,
            "ticket:set:location",
            format!("Ticket Location set to: {n}"),
        ),
        Case::public(
            "priority, set from nothing",
            E::PriorityChanged(id_change(None, some_id(50))),
            "ticket:set:priority",
            format!("Ticket Priority set to: {}", Ulid(50)),
            vec![change("priority", None, Some(id(50)))],
        ),
        Case::public(
            "type",
            E::TypeChanged(Change {
                old: incident(),
                new: TicketTypeRef {
                    type_id: Ulid(31),
                    kind: TicketKind::MajorIncident,
                },
            }),
            "ticket:set:type",
            format!("Ticket type set to: Major Incident ({})", Ulid(31)),
            vec![change(
                "type",
                Some(Value::TicketType {
                    type_id: Ulid(30),
                    kind: TicketKind::Incident,
                }),
                Some(Value::TicketType {
                    type_id: Ulid(31),
                    kind: TicketKind::MajorIncident,
                }),
            )],
        ),
        Case::public(
            "impact details",
            E::ImpactDetailsChanged(Change {
                old: None,
                new: Some("floor 3".into()),
            }),
            "ticket:set:impactdetails",
            "Impact details were updated.",
            vec![change("impact_details", None, Some(text("floor 3")))],
        ),
        Case::public(
            "category, deeper",
            E::CategoryChanged(Change {
                old: CategoryPath {
                    category_id: some_id(60),
                    subcategory_id: None,
                    item_id: None,
                },
                new: CategoryPath {
                    category_id: some_id(60),
                    subcategory_id: some_id(61),
                    item_id: None,
                },
            }),
            "ticket:set:category",
            format!("Ticket Category set to: {} / {}", Ulid(60), Ulid(61)),
            vec![change("subcategory", None, Some(id(61)))],
        ),
        Case::public(
            "due date",
            E::DueDateChanged(Change {
                old: None,
                new: Some(NOW),
            }),
            "ticket:set:duedate",
            "Ticket Due Date set to: 2023-11-14T22:13:20Z",
            vec![change("due_at", None, Some(Value::Time(NOW)))],
        ),
        Case::public(
            "occurred at, cleared",
            E::OccurredAtChanged(Change {
                old: Some(Timestamp(5)),
                new: None,
            }),
            "ticket:set:occurredat",
            "Occurred at was cleared",
            vec![change("occurred_at", Some(Value::Time(Timestamp(5))), None)],
        ),
        Case::public(
            "tags",
            E::TagsChanged(Change {
                old: BTreeSet::from([Ulid(70), Ulid(71)]),
                new: BTreeSet::from([Ulid(71), Ulid(72)]),
            }),
            "ticket:set:tags",
            format!(
                "Ticket Tags were updated: added {}; removed {}",
                Ulid(72),
                Ulid(70)
            ),
            vec![change(
                "tags",
                Some(Value::Ids(vec![Ulid(70), Ulid(71)])),
                Some(Value::Ids(vec![Ulid(71), Ulid(72)])),
            )],
        ),
        Case::public(
            "custom field, decimal",
            E::CustomFieldChanged(CustomFieldChange {
                field_id: Ulid(80),
                old: None,
                new: Some(CustomFieldValue::Decimal {
                    mantissa: 1234,
                    scale: 2,
                }),
            }),
            "ticket:set:customfield",
            format!("Custom field {} set to: 12.34", Ulid(80)),
            vec![change(
                &format!("custom_fields.{}", Ulid(80)),
                None,
                Some(Value::Decimal {
                    mantissa: 1234,
                    scale: 2,
                }),
            )],
        ),
    ]
}

fn status_and_assignment_cases() -> Vec<Case> {
    use StatusCategory::{Closed, New, Open, Waiting};
    vec![
        Case::public(
            "status with a comment",
            status_change(Open, Closed, None, Some("fixed")),
            "ticket:set:status",
            "Ticket Status set to: Closed",
            vec![
                change(
                    "status",
                    Some(status_value(Open)),
                    Some(status_value(Closed)),
                ),
                set("comment", text("fixed")),
            ],
        ),
        Case::public(
            "status waiting for another ticket",
            status_change(New, Waiting, Some(WaitingReason::Ticket(OTHER)), None),
            "ticket:set:status",
            "Ticket Status set to: Waiting (for ticket #1002)",
            vec![
                change(
                    "status",
                    Some(status_value(New)),
                    Some(status_value(Waiting)),
                ),
                set("waiting_for", Value::Waiting(WaitingReason::Ticket(OTHER))),
            ],
        ),
        Case::public(
            "agent assigned",
            assignment((Some(GROUP), Some(GROUP)), (None, Some(AGENT)), false),
            "ticket:set:assignee",
            format!("User {AGENT} was set as assignee"),
            vec![change("agent", None, Some(id(11)))],
        ),
        Case::public(
            "picked up, replacing another agent",
            assignment((None, None), (Some(OTHER_AGENT), Some(AGENT)), true),
            "ticket:set:assignee",
            format!("User {AGENT} picked up the ticket"),
            vec![
                change("agent", Some(id(12)), Some(id(11))),
                set("picked_up", Value::Flag(true)),
            ],
        ),
        Case::public(
            "group only",
            assignment((None, Some(GROUP)), (Some(AGENT), Some(AGENT)), false),
            "ticket:set:group",
            format!("Ticket Group set to: {GROUP}"),
            vec![change("group", None, Some(id(20)))],
        ),
        Case::public(
            "both cleared",
            assignment((Some(GROUP), None), (Some(AGENT), None), false),
            "ticket:set:assignee",
            "Assignee was cleared; Ticket Group was cleared",
            vec![
                change("agent", Some(id(11)), None),
                change("group", Some(id(20)), None),
            ],
        ),
    ]
}

pub(super) fn cases() -> Vec<Case> {
    let mut cases = vec![created_case()];
    cases.extend(field_cases());
    cases.extend(status_and_assignment_cases());
    cases
}
