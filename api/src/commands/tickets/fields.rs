//! Opening a ticket and changing its descriptive fields.

use actix_web::{patch, post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::aggregate::Aggregate;
use ledgerdesk_core::directory::category::CategoryAggregate;
use ledgerdesk_core::directory::location::LocationAggregate;
use ledgerdesk_core::directory::Lifecycle;
use ledgerdesk_core::ticket::{
    CategoryPath, CreateTicket, StatusCategory, TicketCommand, UpdateTicket,
};
use ledgerdesk_core::{StreamId, StreamKind};
use serde::Deserialize;
use ulid::Ulid;

use super::{
    group, nullable, only_workers, run, target, user, CommandHeaders, OnTicketResponses,
    PARTICIPANTS, WORKERS,
};
use crate::auth::{Caller, Role};
use crate::catalogue;
use crate::commands::{parse_id, CommandAnswer};
use crate::error::ApiError;
use crate::state::AppState;

/// A new ticket. Ids are `kind-ULID` or bare ULIDs.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicket {
    /// Subject, 1 to 255 characters.
    subject: String,
    /// Description (may be empty).
    #[serde(default)]
    description: String,
    /// Who the ticket is for (default: the caller; requesters can only open their own).
    requester_id: Option<String>,
    /// Ticket type (default: the catalogue's Incident).
    type_id: Option<String>,
    /// Initial status, of the new, open or in-progress category (default: New). Agents only.
    status_id: Option<String>,
    /// Priority.
    priority_id: Option<String>,
    /// Assigned group. Agents only.
    group_id: Option<String>,
    /// Assigned agent. Agents only.
    agent_id: Option<String>,
    /// A top-level category of the ticket-category tree.
    category_id: Option<String>,
    /// Location.
    location_id: Option<String>,
}

/// The live entity of `kind` that `input` names (400 on `field` otherwise), with its state.
async fn live<A>(
    state: &AppState,
    kind: StreamKind,
    input: &str,
    field: &'static str,
    lifecycle: impl Fn(&A::State) -> Lifecycle,
) -> Result<(Ulid, A::State), ApiError>
where
    A: Aggregate,
    A::State: Send + Sync + 'static,
{
    let id = parse_id(input, kind, field)?;
    let (found, _) = state
        .commands
        .load::<A>(StreamId::new(kind, id))
        .await
        .map_err(|e| ApiError::internal("loading a referenced entity", e))?;
    if lifecycle(&found) != Lifecycle::Active {
        return Err(ApiError::invalid(format!("no {} {input}", kind.as_str())).with_field(field));
    }
    Ok((id, found))
}

/// Opens a ticket. Answers 201 with the new ticket's id and number (and `Location`).
#[utoipa::path(tag = "tickets", request_body = NewTicket, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retry return the first answer")),
    responses(
    (status = 201, body = CommandAnswer),
    (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
    (status = 403, body = crate::error::ErrorBody),
))]
#[post("/tickets")]
pub async fn create_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewTicket>,
) -> Result<HttpResponse, ApiError> {
    caller.require(PARTICIPANTS)?;
    let input = body.into_inner();
    only_workers(&caller, input.status_id.is_some(), "status_id")?;
    only_workers(&caller, input.group_id.is_some(), "group_id")?;
    only_workers(&caller, input.agent_id.is_some(), "agent_id")?;
    let requester_id = match &input.requester_id {
        Some(r) => user(&state, r, "requester_id", false).await?,
        None => caller.user_id,
    };
    if caller.role == Role::Requester && requester_id != caller.user_id {
        return Err(
            ApiError::forbidden("requesters open tickets for themselves only")
                .with_field("requester_id"),
        );
    }
    let ticket_type = match &input.type_id {
        Some(t) => catalogue::type_ref(&state, t, "type_id").await?,
        None => catalogue::default_type(&state, "type_id").await?,
    };
    let status = match &input.status_id {
        Some(s) => catalogue::status_ref(&state, s, "status_id").await?,
        None => catalogue::default_status(&state, StatusCategory::New, "status_id").await?,
    };
    let priority_id = match &input.priority_id {
        Some(p) => Some(catalogue::priority_id(&state, p, "priority_id").await?),
        None => None,
    };
    let group_id = match &input.group_id {
        Some(g) => Some(group(&state, g, "group_id").await?),
        None => None,
    };
    let agent_id = match &input.agent_id {
        Some(a) => Some(user(&state, a, "agent_id", true).await?),
        None => None,
    };
    let category = match &input.category_id {
        Some(c) => {
            let (id, node) =
                live::<CategoryAggregate>(&state, StreamKind::Category, c, "category_id", |x| {
                    x.lifecycle
                })
                .await?;
            if node.parent_id.is_some() {
                return Err(
                    ApiError::invalid(format!("{c} is not a top-level category"))
                        .with_field("category_id"),
                );
            }
            CategoryPath {
                category_id: Some(id),
                ..CategoryPath::default()
            }
        }
        None => CategoryPath::default(),
    };
    let location_id = match &input.location_id {
        Some(l) => Some(
            live::<LocationAggregate>(&state, StreamKind::Location, l, "location_id", |x| {
                x.lifecycle
            })
            .await?
            .0,
        ),
        None => None,
    };
    let stream = StreamId::generate(StreamKind::Ticket);
    let command = TicketCommand::Create(Box::new(CreateTicket {
        ticket_id: stream.id,
        subject: input.subject,
        description: input.description,
        requester_id,
        creator_id: Some(caller.user_id),
        on_behalf_of_id: None,
        ticket_type,
        status,
        priority_id,
        urgency_id: None,
        impact_id: None,
        impact_details: None,
        category,
        source_id: None,
        group_id,
        agent_id,
        department_id: None,
        helpdesk_id: None,
        level_id: None,
        location_id,
        tag_ids: Default::default(),
        custom_fields: Default::default(),
        due_at: None,
        occurred_at: None,
        attachments: Vec::new(),
        related: Vec::new(),
    }));
    run(&state, &caller, &req, stream, command, true).await
}

/// Fields to change; absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketChanges {
    /// New subject, 1 to 255 characters.
    subject: Option<String>,
    /// New description.
    description: Option<String>,
    /// New requester.
    requester_id: Option<String>,
    /// New ticket type.
    type_id: Option<String>,
    /// New priority, or `null` for none.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, nullable)]
    priority_id: Option<Option<String>>,
}

/// Changes descriptive fields: one history entry per changed field, none for unchanged ones.
#[utoipa::path(tag = "tickets", request_body = TicketChanges, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[patch("/tickets/{id}")]
pub async fn update_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<TicketChanges>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let stream = target(&state, &caller, &path).await?;
    let input = body.into_inner();
    let requester_id = match &input.requester_id {
        Some(r) => Some(user(&state, r, "requester_id", false).await?),
        None => None,
    };
    let ticket_type = match &input.type_id {
        Some(t) => Some(catalogue::type_ref(&state, t, "type_id").await?),
        None => None,
    };
    let priority_id = match &input.priority_id {
        Some(Some(p)) => Some(Some(
            catalogue::priority_id(&state, p, "priority_id").await?,
        )),
        Some(None) => Some(None),
        None => None,
    };
    let command = TicketCommand::Update(Box::new(UpdateTicket {
        subject: input.subject,
        description: input.description,
        requester_id,
        ticket_type,
        priority_id,
        ..UpdateTicket::default()
    }));
    run(&state, &caller, &req, stream, command, false).await
}
