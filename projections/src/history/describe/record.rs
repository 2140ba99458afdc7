//! Entries of the events that create a ticket and change its fields, status and assignment.

use std::collections::BTreeSet;

use ulid::Ulid;

use ledgerdesk_core::ticket::events::{
    AssignmentChange, Change, CustomFieldChange, StatusChange, TicketCreated,
};
use ledgerdesk_core::ticket::{CategoryPath, CustomFieldValue, TicketTypeRef};
use ledgerdesk_core::Timestamp;

use super::{category_label, format_time, id, kind_label, text, waiting_text, Described, Known};
use crate::history::entry::{FieldChange, Value};
use crate::ProjectionError;

/// How one single-valued field is named in entries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    /// The field name in [`FieldChange::field`].
    pub name: &'static str,
    /// Its label in sentences, Trudesk-style (`Ticket Priority`).
    pub label: &'static str,
    /// Trudesk's history action.
    pub trudesk: &'static str,
}

macro_rules! fields {
    ($($konst:ident = $name:literal, $label:literal, $trudesk:literal;)+) => {
        $(
            #[doc = concat!("The `", $name, "` field.")]
            pub(crate) const $konst: Field = Field { name: $name, label: $label, trudesk: $trudesk };
        )+
    };
}

fields! {
    ON_BEHALF_OF = "on_behalf_of", "On behalf of", "ticket:set:onbehalfof";
    PRIORITY = "priority", "Ticket Priority", "ticket:set:priority";
    URGENCY = "urgency", "Ticket Urgency", "ticket:set:urgency";
    IMPACT = "impact", "Ticket Impact", "ticket:set:impact";
    SOURCE = "source", "Ticket Source", "ticket:set:source";
    DEPARTMENT = "department", "Ticket Department", "ticket:set:department";
    HELPDESK = "helpdesk", "Ticket Help Desk", "ticket:set:helpdesk";
    LEVEL = "level", "Ticket Level", "ticket:set:level";
    LOCATION = "location", "Ticket Location", "ticket:set:location";
    DUE_AT = "due_at", "Ticket Due Date", "ticket:set:duedate";
    OCCURRED_AT = "occurred_at", "Occurred at", "ticket:set:occurredat";
}

fn set_or_cleared(label: &str, shown: Option<String>) -> String {
    match shown {
        Some(v) => format!("{label} set to: {v}"),
        None => format!("{label} was cleared"),
    }
}

pub(super) fn created(e: &TicketCreated) -> Described {
    let mut changes = vec![
        FieldChange::set("subject", Value::Text(e.subject.clone())),
        FieldChange::set("description", Value::Text(e.description.clone())),
        FieldChange::set("requester", Value::Id(e.requester_id)),
    ];
    let type_value = Value::TicketType {
        type_id: e.ticket_type.type_id,
        kind: e.ticket_type.kind,
    };
    let status_value = Value::Status {
        status_id: e.status.status_id,
        category: e.status.category,
    };
    let optional: [(&str, Option<Value>); 20] = [
        ("creator", id(e.creator_id)),
        (ON_BEHALF_OF.name, id(e.on_behalf_of_id)),
        ("type", Some(type_value)),
        ("status", Some(status_value)),
        (PRIORITY.name, id(e.priority_id)),
        (URGENCY.name, id(e.urgency_id)),
        (IMPACT.name, id(e.impact_id)),
        ("impact_details", text(&e.impact_details)),
        ("category", id(e.category.category_id)),
        ("subcategory", id(e.category.subcategory_id)),
        ("item", id(e.category.item_id)),
        (SOURCE.name, id(e.source_id)),
        ("group", id(e.group_id)),
        ("agent", id(e.agent_id)),
        (DEPARTMENT.name, id(e.department_id)),
        (HELPDESK.name, id(e.helpdesk_id)),
        (LEVEL.name, id(e.level_id)),
        (LOCATION.name, id(e.location_id)),
        (DUE_AT.name, e.due_at.map(Value::Time)),
        (OCCURRED_AT.name, e.occurred_at.map(Value::Time)),
    ];
    for (field, value) in optional {
        if let Some(value) = value {
            changes.push(FieldChange::set(field, value));
        }
    }
    if !e.tag_ids.is_empty() {
        changes.push(FieldChange::set("tags", ids(&e.tag_ids)));
    }
    for (field_id, value) in &e.custom_fields {
        changes.push(FieldChange::set(
            custom_field_name(*field_id),
            custom_value(value),
        ));
    }
    Described::public("ticket:created", "Ticket was created.".to_owned(), changes)
}

pub(super) fn subject(c: &Change<String>) -> Described {
    Described::public(
        "ticket:set:subject",
        format!("Ticket Subject set to: {}", c.new),
        vec![text_change("subject", &c.old, &c.new)],
    )
}

pub(super) fn description(c: &Change<String>) -> Described {
    Described::public(
        "ticket:set:issue",
        "Ticket Issue was updated.".to_owned(),
        vec![text_change("description", &c.old, &c.new)],
    )
}

fn text_change(field: &str, old: &str, new: &str) -> FieldChange {
    FieldChange::new(
        field,
        Some(Value::Text(old.to_owned())),
        Some(Value::Text(new.to_owned())),
    )
}

pub(super) fn requester(c: &Change<Ulid>) -> Described {
    Described::public(
        "ticket:set:owner",
        format!("Ticket Requester set to: user {}", c.new),
        vec![FieldChange::new(
            "requester",
            Some(Value::Id(c.old)),
            Some(Value::Id(c.new)),
        )],
    )
}

pub(super) fn optional_id(field: Field, c: &Change<Option<Ulid>>) -> Described {
    Described::public(
        field.trudesk,
        set_or_cleared(field.label, c.new.map(|v| v.to_string())),
        vec![FieldChange::new(field.name, id(c.old), id(c.new))],
    )
}

pub(super) fn optional_time(field: Field, c: &Change<Option<Timestamp>>) -> Described {
    Described::public(
        field.trudesk,
        set_or_cleared(field.label, c.new.map(format_time)),
        vec![FieldChange::new(
            field.name,
            c.old.map(Value::Time),
            c.new.map(Value::Time),
        )],
    )
}

pub(super) fn ticket_type(c: &Change<TicketTypeRef>) -> Described {
    let value = |t: TicketTypeRef| Value::TicketType {
        type_id: t.type_id,
        kind: t.kind,
    };
    Described::public(
        "ticket:set:type",
        format!(
            "Ticket type set to: {} ({})",
            kind_label(c.new.kind),
            c.new.type_id
        ),
        vec![FieldChange::new(
            "type",
            Some(value(c.old)),
            Some(value(c.new)),
        )],
    )
}

pub(super) fn impact_details(c: &Change<Option<String>>) -> Described {
    let description = match c.new {
        Some(_) => "Impact details were updated.",
        None => "Impact details were cleared.",
    };
    Described::public(
        "ticket:set:impactdetails",
        description.to_owned(),
        vec![FieldChange::new(
            "impact_details",
            text(&c.old),
            text(&c.new),
        )],
    )
}

pub(super) fn category(c: &Change<CategoryPath>) -> Described {
    let levels = [
        ("category", c.old.category_id, c.new.category_id),
        ("subcategory", c.old.subcategory_id, c.new.subcategory_id),
        ("item", c.old.item_id, c.new.item_id),
    ];
    let changes = levels
        .iter()
        .filter(|(_, old, new)| old != new)
        .map(|(field, old, new)| FieldChange::new(*field, id(*old), id(*new)))
        .collect();
    let path: Vec<String> = levels
        .iter()
        .filter_map(|(_, _, new)| new.map(|v| v.to_string()))
        .collect();
    let shown = (!path.is_empty()).then(|| path.join(" / "));
    Described::public(
        "ticket:set:category",
        set_or_cleared("Ticket Category", shown),
        changes,
    )
}

fn ids(set: &BTreeSet<Ulid>) -> Value {
    Value::Ids(set.iter().copied().collect())
}

pub(super) fn tags(c: &Change<BTreeSet<Ulid>>) -> Described {
    let list = |set: Vec<&Ulid>| {
        set.iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let added = list(c.new.difference(&c.old).collect());
    let removed = list(c.old.difference(&c.new).collect());
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("added {added}"));
    }
    if !removed.is_empty() {
        parts.push(format!("removed {removed}"));
    }
    Described::public(
        "ticket:set:tags",
        format!("Ticket Tags were updated: {}", parts.join("; ")),
        vec![FieldChange::new(
            "tags",
            Some(ids(&c.old)),
            Some(ids(&c.new)),
        )],
    )
}

fn custom_field_name(field_id: Ulid) -> String {
    format!("custom_fields.{field_id}")
}

fn custom_value(value: &CustomFieldValue) -> Value {
    match value {
        CustomFieldValue::Text(t) => Value::Text(t.clone()),
        CustomFieldValue::Integer(n) => Value::Integer(*n),
        CustomFieldValue::Decimal { mantissa, scale } => Value::Decimal {
            mantissa: *mantissa,
            scale: *scale,
        },
        CustomFieldValue::Boolean(b) => Value::Flag(*b),
        CustomFieldValue::Date(at) => Value::Time(*at),
        CustomFieldValue::Choices(c) => Value::Choices(c.clone()),
    }
}

/// A custom-field value as words.
fn custom_text(value: &CustomFieldValue) -> String {
    match value {
        CustomFieldValue::Text(t) => t.clone(),
        CustomFieldValue::Integer(n) => n.to_string(),
        CustomFieldValue::Decimal { mantissa, scale } => decimal_text(*mantissa, *scale),
        CustomFieldValue::Boolean(b) => if *b { "yes" } else { "no" }.to_owned(),
        CustomFieldValue::Date(at) => format_time(*at),
        CustomFieldValue::Choices(c) => c.join(", "),
    }
}

/// `mantissa / 10^scale` written out exactly (`1234, 2` → `12.34`, `-5, 2` → `-0.05`).
pub(crate) fn decimal_text(mantissa: i64, scale: u8) -> String {
    let sign = if mantissa < 0 { "-" } else { "" };
    let digits = mantissa.unsigned_abs().to_string();
    let scale = usize::from(scale);
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, frac) = padded.split_at(padded.len() - scale);
    format!("{sign}{whole}.{frac}")
}

pub(super) fn custom_field(c: &CustomFieldChange) -> Described {
    Described::public(
        "ticket:set:customfield",
        set_or_cleared(
            &format!("Custom field {}", c.field_id),
            c.new.as_ref().map(custom_text),
        ),
        vec![FieldChange::new(
            custom_field_name(c.field_id),
            c.old.as_ref().map(custom_value),
            c.new.as_ref().map(custom_value),
        )],
    )
}

pub(super) fn status(c: &StatusChange, known: &dyn Known) -> Result<Described, ProjectionError> {
    let value = |s: ledgerdesk_core::ticket::StatusRef| Value::Status {
        status_id: s.status_id,
        category: s.category,
    };
    let mut description = format!("Ticket Status set to: {}", category_label(c.new.category));
    if let Some(reason) = c.waiting_for {
        description = format!("{description} (for {})", waiting_text(known, reason)?);
    }
    let mut changes = vec![FieldChange::new(
        "status",
        Some(value(c.old)),
        Some(value(c.new)),
    )];
    if c.old_waiting_for.is_some() || c.waiting_for.is_some() {
        changes.push(FieldChange::new(
            "waiting_for",
            c.old_waiting_for.map(Value::Waiting),
            c.waiting_for.map(Value::Waiting),
        ));
    }
    if let Some(comment) = &c.comment {
        changes.push(FieldChange::set("comment", Value::Text(comment.clone())));
    }
    Ok(Described::public("ticket:set:status", description, changes))
}

pub(super) fn assignment(c: &AssignmentChange) -> Described {
    let mut parts = Vec::new();
    let mut changes = Vec::new();
    let agent_changed = c.old_agent_id != c.new_agent_id;
    if agent_changed {
        parts.push(match c.new_agent_id {
            Some(a) if c.picked_up => format!("User {a} picked up the ticket"),
            Some(a) => format!("User {a} was set as assignee"),
            None => "Assignee was cleared".to_owned(),
        });
        changes.push(FieldChange::new(
            "agent",
            id(c.old_agent_id),
            id(c.new_agent_id),
        ));
    }
    if c.old_group_id != c.new_group_id {
        parts.push(set_or_cleared(
            "Ticket Group",
            c.new_group_id.map(|g| g.to_string()),
        ));
        changes.push(FieldChange::new(
            "group",
            id(c.old_group_id),
            id(c.new_group_id),
        ));
    }
    if c.picked_up {
        changes.push(FieldChange::set("picked_up", Value::Flag(true)));
    }
    if parts.is_empty() {
        parts.push("Assignment was confirmed".to_owned());
    }
    // One event is one entry; when both change, Trudesk's assignee action is the one shown.
    let action = if agent_changed || c.old_group_id == c.new_group_id {
        "ticket:set:assignee"
    } else {
        "ticket:set:group"
    };
    Described::public(action, parts.join("; "), changes)
}
