//! Links and associations: another ticket (written to this ticket's stream only; the `views`
//! model derives the other ticket's inbound side, and removing the link from either ticket
//! removes it from the stream that holds it), an entity of another system (a CI, an asset),
//! and the one problem, change or project per kind a ticket belongs to. Agents and admins.

use actix_web::{delete, post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::ticket::{AssociationKind, TicketAggregate, TicketCommand};
use serde::Deserialize;

use super::{
    item_id, new_item_id, other_ticket, run, run_creating, target, CommandHeaders,
    OnItemCreatedResponses, OnTicketResponses, WORKERS,
};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// A link to another ticket.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    /// The other ticket (number, `ticket-ULID` or ULID).
    ticket_id: String,
    /// Why they are linked.
    comment: Option<String>,
}

/// Links another ticket (InvGate `incident.link`, SDP `link_requests`); answers the link's id
/// as `item_id`.
#[utoipa::path(tag = "tickets", request_body = NewLink, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnItemCreatedResponses))]
#[post("/tickets/{id}/links")]
pub async fn link_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewLink>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let input = body.into_inner();
    let stream = target(&state, &caller, &path).await?;
    let ticket_id = other_ticket(&state, &caller, &input.ticket_id, "ticket_id").await?;
    let link_id = new_item_id(&req, &caller, "link");
    let command = TicketCommand::LinkTicket {
        link_id,
        ticket_id,
        comment: input.comment,
    };
    run_creating(&state, &caller, &req, stream, command, link_id).await
}

/// Removes the link between this ticket and another: the link made from this ticket, or else
/// the one the other ticket made to this one (an inbound link), so either side can unlink. The
/// answer is that of the ticket whose stream held the link.
#[utoipa::path(tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"),
        ("other" = String, Path, description = "the other ticket: number, `ticket-ULID` or ULID"),
        CommandHeaders),
    responses(OnTicketResponses))]
#[delete("/tickets/{id}/links/{other}")]
pub async fn unlink_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let (id, other) = path.into_inner();
    let stream = target(&state, &caller, &id).await?;
    let other = super::resolve(&state, &other)
        .await
        .map_err(|e| e.with_field("other"))?;
    let (this, _) = state
        .commands
        .load::<TicketAggregate>(stream)
        .await
        .map_err(|e| ApiError::internal("loading a ticket", e))?;
    if !this.linked_tickets.contains_key(&other.id) {
        let (that, _) = state
            .commands
            .load::<TicketAggregate>(other)
            .await
            .map_err(|e| ApiError::internal("loading a ticket", e))?;
        if that.linked_tickets.contains_key(&stream.id) {
            let command = TicketCommand::UnlinkTicket {
                ticket_id: stream.id,
            };
            return run(&state, &caller, &req, other, command, false).await;
        }
    }
    let command = TicketCommand::UnlinkTicket {
        ticket_id: other.id,
    };
    run(&state, &caller, &req, stream, command, false).await
}

/// A link to an entity of another system.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExternalLink {
    /// The entity's id in its system.
    entity_id: String,
    /// A reference within that entity.
    reference: Option<String>,
}

/// Links an entity of another system (InvGate `incident.external_entity`); answers the link's
/// id as `item_id`.
#[utoipa::path(tag = "tickets", request_body = NewExternalLink, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnItemCreatedResponses))]
#[post("/tickets/{id}/external-links")]
pub async fn link_external(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewExternalLink>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let input = body.into_inner();
    let stream = target(&state, &caller, &path).await?;
    let link_id = new_item_id(&req, &caller, "external-link");
    let command = TicketCommand::LinkExternal {
        link_id,
        entity_id: input.entity_id,
        reference: input.reference,
    };
    run_creating(&state, &caller, &req, stream, command, link_id).await
}

/// Removes a link to an external entity.
#[utoipa::path(tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"),
        ("link_id" = String, Path, description = "the link's ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[delete("/tickets/{id}/external-links/{link_id}")]
pub async fn unlink_external(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let (id, link) = path.into_inner();
    let link_id = item_id(&link, "link_id")?;
    let stream = target(&state, &caller, &id).await?;
    let command = TicketCommand::UnlinkExternal { link_id };
    run(&state, &caller, &req, stream, command, false).await
}

/// `problem`, `initiated_change`, `caused_by_change` or `project`.
fn kind(input: &str) -> Result<AssociationKind, ApiError> {
    match input {
        "problem" => Ok(AssociationKind::Problem),
        "initiated_change" => Ok(AssociationKind::InitiatedChange),
        "caused_by_change" => Ok(AssociationKind::CausedByChange),
        "project" => Ok(AssociationKind::Project),
        other => Err(ApiError::invalid(format!(
            "{other:?} is not problem, initiated_change, caused_by_change or project"
        ))
        .with_field("kind")),
    }
}

/// An association.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssociation {
    /// `problem`, `initiated_change`, `caused_by_change` or `project`.
    kind: String,
    /// The problem, change or project ticket (number, `ticket-ULID` or ULID).
    ticket_id: String,
}

/// Associates the ticket with a problem, change or project, replacing any of that kind.
#[utoipa::path(tag = "tickets", request_body = NewAssociation, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/associations")]
pub async fn associate(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewAssociation>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let input = body.into_inner();
    let kind = kind(&input.kind)?;
    let stream = target(&state, &caller, &path).await?;
    let ticket_id = other_ticket(&state, &caller, &input.ticket_id, "ticket_id").await?;
    let command = TicketCommand::Associate { kind, ticket_id };
    run(&state, &caller, &req, stream, command, false).await
}

/// Removes the association of a kind.
#[utoipa::path(tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"),
        ("kind" = String, Path, description = "`problem`, `initiated_change`, `caused_by_change` or `project`"),
        CommandHeaders),
    responses(OnTicketResponses))]
#[delete("/tickets/{id}/associations/{kind}")]
pub async fn dissociate(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let (id, kind_input) = path.into_inner();
    let kind = kind(&kind_input)?;
    let stream = target(&state, &caller, &id).await?;
    let command = TicketCommand::Dissociate { kind };
    run(&state, &caller, &req, stream, command, false).await
}
