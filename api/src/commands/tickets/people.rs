//! The people around a ticket besides its requester and assignee: subscribers (notified of
//! changes), observers (follow it read-only) and collaborators (help the assignee). Agents and
//! admins manage them.

use actix_web::{delete, post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::ticket::{PersonRole, TicketCommand};
use serde::Deserialize;

use super::{run, target, user, CommandHeaders, OnTicketResponses, WORKERS};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// The part a person plays: `subscriber`, `observer` or `collaborator`.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Gets notified of changes.
    Subscriber,
    /// Follows the ticket read-only.
    Observer,
    /// Helps the assignee.
    Collaborator,
}

impl Part {
    fn role(self) -> PersonRole {
        match self {
            Part::Subscriber => PersonRole::Subscriber,
            Part::Observer => PersonRole::Observer,
            Part::Collaborator => PersonRole::Collaborator,
        }
    }

    fn parse(input: &str) -> Result<Part, ApiError> {
        match input {
            "subscriber" => Ok(Part::Subscriber),
            "observer" => Ok(Part::Observer),
            "collaborator" => Ok(Part::Collaborator),
            other => Err(ApiError::invalid(format!(
                "{other:?} is not subscriber, observer or collaborator"
            ))
            .with_field("role")),
        }
    }
}

/// A person to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPerson {
    /// Their part.
    role: Part,
    /// The user (`user-ULID` or ULID). Collaborators must be agents.
    user_id: String,
}

/// Adds a subscriber, observer or collaborator.
#[utoipa::path(tag = "tickets", request_body = NewPerson, security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[post("/tickets/{id}/people")]
pub async fn add_person(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewPerson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let input = body.into_inner();
    let stream = target(&state, &caller, &path).await?;
    let agent_only = matches!(input.role, Part::Collaborator);
    let user_id = user(&state, &input.user_id, "user_id", agent_only).await?;
    let command = TicketCommand::AddPerson {
        role: input.role.role(),
        user_id,
    };
    run(&state, &caller, &req, stream, command, false).await
}

/// Removes a subscriber, observer or collaborator.
#[utoipa::path(tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path, description = "number, `ticket-ULID` or ULID"),
        ("role" = String, Path, description = "`subscriber`, `observer` or `collaborator`"),
        ("user_id" = String, Path, description = "`user-ULID` or ULID"), CommandHeaders),
    responses(OnTicketResponses))]
#[delete("/tickets/{id}/people/{role}/{user_id}")]
pub async fn remove_person(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(WORKERS)?;
    let (id, role, user) = path.into_inner();
    let role = Part::parse(&role)?.role();
    let user_id = crate::commands::parse_id(&user, ledgerdesk_core::StreamKind::User, "user_id")?;
    let stream = target(&state, &caller, &id).await?;
    let command = TicketCommand::RemovePerson { role, user_id };
    run(&state, &caller, &req, stream, command, false).await
}
