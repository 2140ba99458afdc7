//! The ticket catalogue as the edge needs it: the default statuses, ticket types and priorities
//! installed on start, and the resolution of a client's status or type id into the
//! [`StatusRef`] / [`TicketTypeRef`] that ticket commands carry.
//!
//! **Defaults.** One status per [`StatusCategory`] (New, Open, In progress, Pending, Waiting,
//! Resolved, Closed, Cancelled, Rejected), the six InvGate request types and five priorities
//! with SLA targets. Each is created under an idempotency key (`bootstrap:status:new`...), so
//! running [`install_defaults`] on every start creates each default once in the life of the
//! log: a restart after an interrupted first start completes it, and a default an admin later
//! renamed or deleted is not brought back. The same keys find the defaults again
//! ([`default_status`]), whatever they are called now.
//!
//! **Type kinds.** The ticket-type aggregate has no kind field, yet a ticket needs its type's
//! [`TicketKind`]. Until the catalogue records it, the kind is derived here, and only here,
//! from the type's current name ([`kind_of_type_name`]); an unknown name is
//! [`TicketKind::Other`]. A rename therefore changes the kind of tickets typed afterwards.

use std::collections::BTreeSet;

use ledgerdesk_core::aggregate::CommandContext;
use ledgerdesk_core::command::{derived_event_id, CommandOptions};
use ledgerdesk_core::directory::priority::{PriorityAggregate, PriorityCommand, SlaTargets};
use ledgerdesk_core::directory::status::{StatusAggregate, StatusCategory, StatusCommand};
use ledgerdesk_core::directory::ticket_type::{TicketTypeAggregate, TicketTypeCommand};
use ledgerdesk_core::directory::Lifecycle;
use ledgerdesk_core::ticket::{StatusRef, TicketKind, TicketTypeRef};
use ledgerdesk_core::{Actor, EventStore, StoreError, StreamId, StreamKind, Timestamp};
use ulid::Ulid;

use crate::commands::parse_id;
use crate::error::ApiError;
use crate::state::AppState;

/// The default statuses: name and category, one per category.
const STATUSES: [(&str, StatusCategory); 9] = [
    ("New", StatusCategory::New),
    ("Open", StatusCategory::Open),
    ("In progress", StatusCategory::InProgress),
    ("Pending", StatusCategory::Pending),
    ("Waiting", StatusCategory::Waiting),
    ("Resolved", StatusCategory::Resolved),
    ("Closed", StatusCategory::Closed),
    ("Cancelled", StatusCategory::Cancelled),
    ("Rejected", StatusCategory::Rejected),
];

/// The one name → kind table (see the module docs): the default types are exactly these names.
const TYPE_KINDS: [(&str, TicketKind); 6] = [
    ("Incident", TicketKind::Incident),
    ("Service request", TicketKind::ServiceRequest),
    ("Question", TicketKind::Question),
    ("Problem", TicketKind::Problem),
    ("Change", TicketKind::Change),
    ("Major incident", TicketKind::MajorIncident),
];

/// The default priorities: name, colour, and SLA targets in minutes (overdue-in, first
/// response, resolution), round the clock.
const PRIORITIES: [(&str, &str, [u32; 3]); 5] = [
    ("Low", "#6b7280", [2_880, 1_440, 7_200]),
    ("Medium", "#2563eb", [1_440, 480, 2_880]),
    ("High", "#d97706", [480, 120, 1_440]),
    ("Urgent", "#dc2626", [120, 30, 480]),
    ("Critical", "#7f1d1d", [60, 15, 240]),
];

/// The kind of a ticket type called `name` (case and surrounding spaces ignored).
pub fn kind_of_type_name(name: &str) -> TicketKind {
    let name = name.trim();
    TYPE_KINDS
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(name))
        .map_or(TicketKind::Other, |(_, kind)| *kind)
}

fn status_key(category: StatusCategory) -> String {
    format!("bootstrap:status:{category:?}").to_lowercase()
}

fn type_key(kind: TicketKind) -> String {
    format!("bootstrap:ticket_type:{kind:?}").to_lowercase()
}

fn priority_key(name: &str) -> String {
    format!("bootstrap:priority:{}", name.to_lowercase())
}

/// Creates whatever default has never been created (see the module docs). A default whose name
/// is already taken by an entity an admin made is skipped, not an error: the admin's wins.
pub async fn install_defaults(state: &AppState) -> anyhow::Result<usize> {
    let ctx = CommandContext {
        actor: Actor::System,
        now: Timestamp::now(),
    };
    let options = |key: String| CommandOptions {
        idempotency_key: Some(key),
        ..CommandOptions::default()
    };
    let mut created = 0;
    for (name, category) in STATUSES {
        let status_id = Ulid::new();
        let command = StatusCommand::Create {
            status_id,
            name: name.to_owned(),
            category,
            colour: None,
        };
        let done = state
            .commands
            .execute::<StatusAggregate>(
                StreamId::new(StreamKind::Status, status_id),
                &command,
                &ctx,
                options(status_key(category)),
            )
            .await;
        created += count(done.map(|d| d.duplicate), "status", name)?;
    }
    for (name, kind) in TYPE_KINDS {
        let type_id = Ulid::new();
        let command = TicketTypeCommand::Create {
            type_id,
            name: name.to_owned(),
            priority_ids: BTreeSet::new(),
        };
        let done = state
            .commands
            .execute::<TicketTypeAggregate>(
                StreamId::new(StreamKind::TicketType, type_id),
                &command,
                &ctx,
                options(type_key(kind)),
            )
            .await;
        created += count(done.map(|d| d.duplicate), "ticket type", name)?;
    }
    for (name, colour, [overdue, first_response, resolution]) in PRIORITIES {
        let priority_id = Ulid::new();
        let command = PriorityCommand::Create {
            priority_id,
            name: name.to_owned(),
            colour: colour.to_owned(),
            sla: SlaTargets {
                overdue_in_minutes: Some(overdue),
                first_response_minutes: Some(first_response),
                resolution_minutes: Some(resolution),
                calendar_id: None,
            },
        };
        let done = state
            .commands
            .execute::<PriorityAggregate>(
                StreamId::new(StreamKind::Priority, priority_id),
                &command,
                &ctx,
                options(priority_key(name)),
            )
            .await;
        created += count(done.map(|d| d.duplicate), "priority", name)?;
    }
    Ok(created)
}

/// 1 for a default created now, 0 for one that existed or whose name is taken.
fn count<E: std::error::Error>(
    done: Result<bool, ledgerdesk_core::command::CommandError<E>>,
    what: &str,
    name: &str,
) -> anyhow::Result<usize> {
    use ledgerdesk_core::command::CommandError;
    match done {
        Ok(duplicate) => Ok(usize::from(!duplicate)),
        Err(CommandError::Store(StoreError::UniqueViolation { .. })) => {
            tracing::info!(
                what,
                name,
                "a default's name is taken: keeping the existing one"
            );
            Ok(0)
        }
        Err(e) => Err(anyhow::anyhow!(
            "installing the default {what} {name:?}: {e}"
        )),
    }
}

/// The status `input` names, with its category; 400 on `field` if it is not an existing one.
pub async fn status_ref(
    state: &AppState,
    input: &str,
    field: &'static str,
) -> Result<StatusRef, ApiError> {
    let id = parse_id(input, StreamKind::Status, field)?;
    let (status, _) = state
        .commands
        .load::<StatusAggregate>(StreamId::new(StreamKind::Status, id))
        .await
        .map_err(|e| ApiError::internal("loading a status", e))?;
    match (status.lifecycle, status.category) {
        (Lifecycle::Active, Some(category)) => Ok(StatusRef {
            status_id: id,
            category,
        }),
        _ => Err(ApiError::invalid(format!("no status {input}")).with_field(field)),
    }
}

/// The ticket type `input` names, with its kind; 400 on `field` if it is not an existing one.
pub async fn type_ref(
    state: &AppState,
    input: &str,
    field: &'static str,
) -> Result<TicketTypeRef, ApiError> {
    let id = parse_id(input, StreamKind::TicketType, field)?;
    let (ticket_type, _) = state
        .commands
        .load::<TicketTypeAggregate>(StreamId::new(StreamKind::TicketType, id))
        .await
        .map_err(|e| ApiError::internal("loading a ticket type", e))?;
    if ticket_type.lifecycle != Lifecycle::Active {
        return Err(ApiError::invalid(format!("no ticket type {input}")).with_field(field));
    }
    Ok(TicketTypeRef {
        type_id: id,
        kind: kind_of_type_name(&ticket_type.name),
    })
}

/// The priority `input` names; 400 on `field` if it is not an existing one.
pub async fn priority_id(
    state: &AppState,
    input: &str,
    field: &'static str,
) -> Result<Ulid, ApiError> {
    let id = parse_id(input, StreamKind::Priority, field)?;
    let (priority, _) = state
        .commands
        .load::<PriorityAggregate>(StreamId::new(StreamKind::Priority, id))
        .await
        .map_err(|e| ApiError::internal("loading a priority", e))?;
    if priority.lifecycle != Lifecycle::Active {
        return Err(ApiError::invalid(format!("no priority {input}")).with_field(field));
    }
    Ok(id)
}

/// The stream a default was created on, found by its bootstrap key (`None`: never created).
async fn default_stream(state: &AppState, key: &str) -> Result<Option<StreamId>, ApiError> {
    let known = |defaults: &std::collections::HashMap<String, StreamId>| defaults.get(key).copied();
    if let Some(stream) = state.catalogue_defaults.lock().ok().and_then(|d| known(&d)) {
        return Ok(Some(stream));
    }
    let found = state
        .store
        .find_event(derived_event_id(key, 0))
        .await?
        .map(|record| record.stream);
    if let (Some(stream), Ok(mut defaults)) = (found, state.catalogue_defaults.lock()) {
        defaults.insert(key.to_owned(), stream);
    }
    Ok(found)
}

/// The default status of `category`, when it still exists: what a command uses when the client
/// names no status (create: New, close: Closed, reopen: Open). 400 on `field` otherwise.
pub async fn default_status(
    state: &AppState,
    category: StatusCategory,
    field: &'static str,
) -> Result<StatusRef, ApiError> {
    let missing = || {
        ApiError::invalid(format!(
            "there is no default {category:?} status any more: name one"
        ))
        .with_field(field)
    };
    let stream = default_stream(state, &status_key(category))
        .await?
        .ok_or_else(missing)?;
    let found = status_ref(state, &stream.id.to_string(), field)
        .await
        .map_err(|_| missing())?;
    if found.category == category {
        Ok(found)
    } else {
        Err(missing())
    }
}

/// The default Incident type, when it still exists (create without a type). 400 otherwise.
pub async fn default_type(
    state: &AppState,
    field: &'static str,
) -> Result<TicketTypeRef, ApiError> {
    let missing = || {
        ApiError::invalid("there is no default ticket type any more: name one").with_field(field)
    };
    let stream = default_stream(state, &type_key(TicketKind::Incident))
        .await?
        .ok_or_else(missing)?;
    type_ref(state, &stream.id.to_string(), field)
        .await
        .map_err(|_| missing())
}

/// The default ticket type of `kind`, when it still exists (e.g. the Major incident type a
/// promotion uses when the client names none). 400 on `field` otherwise.
pub async fn default_type_of(
    state: &AppState,
    kind: TicketKind,
    field: &'static str,
) -> Result<TicketTypeRef, ApiError> {
    let missing = || {
        ApiError::invalid(format!(
            "there is no default {kind:?} type any more: name one"
        ))
        .with_field(field)
    };
    let stream = default_stream(state, &type_key(kind))
        .await?
        .ok_or_else(missing)?;
    type_ref(state, &stream.id.to_string(), field)
        .await
        .map_err(|_| missing())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_type_maps_to_its_kind_and_others_are_other() {
        for (name, kind) in TYPE_KINDS {
            assert_eq!(kind_of_type_name(name), kind, "{name}");
            assert_eq!(
                kind_of_type_name(&format!(" {} ", name.to_uppercase())),
                kind
            );
        }
        assert_eq!(kind_of_type_name("Task"), TicketKind::Other);
    }

    #[test]
    fn one_default_status_per_category() {
        let categories: BTreeSet<_> = STATUSES.iter().map(|(_, c)| *c).collect();
        assert_eq!(categories.len(), StatusCategory::ALL.len());
    }
}
