//! Roles and the organisation (admins): `POST /api/roles` (a custom role with grants),
//! `PUT /api/roles/{id}/grants`, `POST /api/ticket_types` (with allowed priorities),
//! `POST /api/companies`, `POST /api/locations`.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{post, put, web, HttpRequest, HttpResponse};
use ledgerdesk_core::directory::company::{CompanyAggregate, CompanyCommand};
use ledgerdesk_core::directory::location::{LocationAggregate, LocationCommand};
use ledgerdesk_core::directory::priority::PriorityAggregate;
use ledgerdesk_core::directory::role::{RoleAggregate, RoleCommand, RoleError};
use ledgerdesk_core::directory::ticket_type::{TicketTypeAggregate, TicketTypeCommand};
use ledgerdesk_core::directory::Lifecycle;
use ledgerdesk_core::{StreamId, StreamKind};
use serde::Deserialize;
use ulid::Ulid;

use super::{run, DirectoryResponses, ADMINS};
use crate::auth::Caller;
use crate::commands::parse_id;
use crate::commands::tickets::CommandHeaders;
use crate::error::{ApiError, Refusal};
use crate::state::AppState;

impl Refusal for RoleError {
    fn to_api(&self) -> ApiError {
        match self {
            RoleError::Common(c) => c.to_api(),
            RoleError::BuiltIn(_) => {
                ApiError::new(StatusCode::CONFLICT, "built_in_role", self.to_string())
            }
        }
    }
}

/// A custom role.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    /// Its name (unique).
    name: String,
    /// Its grants (`tickets:create`, `kb:*`...).
    #[serde(default)]
    grants: Vec<String>,
    /// Whether it sees the tickets of roles below it.
    #[serde(default)]
    hierarchy: bool,
}

/// A role's new grants.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Grants {
    /// Every grant of the role (replacing them).
    grants: Vec<String>,
}

/// A ticket type.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicketType {
    /// Its name (unique).
    name: String,
    /// The priorities tickets of this type may have (existing priorities).
    #[serde(default)]
    priority_ids: Vec<String>,
}

/// A company.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCompany {
    /// Its name (unique).
    name: String,
    /// A description.
    description: Option<String>,
    /// Its id in another system.
    external_id: Option<String>,
}

/// A location.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLocation {
    /// Its name (unique among its siblings).
    name: String,
    /// Its parent location (none: a root).
    parent_id: Option<String>,
}

/// Creates a custom role with grants (admins).
#[utoipa::path(tag = "directory", request_body = NewRole, security(("bearer" = [])),
    params(CommandHeaders), responses(DirectoryResponses))]
#[post("/roles")]
pub async fn create_role(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewRole>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let input = body.into_inner();
    let role_id = Ulid::new();
    let command = RoleCommand::Create {
        role_id,
        name: input.name,
        grants: input.grants,
        hierarchy: input.hierarchy,
    };
    let stream = StreamId::new(StreamKind::Role, role_id);
    let location = Some("/api/directory/roles");
    run::<RoleAggregate>(&state, &caller, &req, stream, command, location, None).await
}

/// Replaces a role's grants (admins; the admin role's grants are fixed: 409).
#[utoipa::path(tag = "directory", request_body = Grants, security(("bearer" = [])),
    params(("id" = String, Path, description = "`role-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[put("/roles/{id}/grants")]
pub async fn set_grants(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<Grants>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let stream = StreamId::new(StreamKind::Role, parse_id(&path, StreamKind::Role, "id")?);
    let command = RoleCommand::SetGrants {
        grants: body.into_inner().grants,
    };
    run::<RoleAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Creates a ticket type with its allowed priorities (admins).
#[utoipa::path(tag = "catalogue", request_body = NewTicketType, security(("bearer" = [])),
    params(CommandHeaders), responses(DirectoryResponses))]
#[post("/ticket_types")]
pub async fn create_ticket_type(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewTicketType>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let input = body.into_inner();
    let mut priority_ids = BTreeSet::new();
    for p in &input.priority_ids {
        let id = parse_id(p, StreamKind::Priority, "priority_ids")?;
        let (priority, _) = state
            .commands
            .load::<PriorityAggregate>(StreamId::new(StreamKind::Priority, id))
            .await
            .map_err(|e| ApiError::internal("loading a priority", e))?;
        if priority.lifecycle != Lifecycle::Active {
            return Err(ApiError::invalid(format!("no priority {p}")).with_field("priority_ids"));
        }
        priority_ids.insert(id);
    }
    let type_id = Ulid::new();
    let command = TicketTypeCommand::Create {
        type_id,
        name: input.name,
        priority_ids,
    };
    let stream = StreamId::new(StreamKind::TicketType, type_id);
    let location = Some("/api/directory/ticket_types");
    run::<TicketTypeAggregate>(&state, &caller, &req, stream, command, location, None).await
}

/// Creates a company (admins).
#[utoipa::path(tag = "directory", request_body = NewCompany, security(("bearer" = [])),
    params(CommandHeaders), responses(DirectoryResponses))]
#[post("/companies")]
pub async fn create_company(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewCompany>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let input = body.into_inner();
    let company_id = Ulid::new();
    let command = CompanyCommand::Create {
        company_id,
        name: input.name,
        description: input.description,
        external_id: input.external_id,
        members: BTreeSet::new(),
    };
    let stream = StreamId::new(StreamKind::Company, company_id);
    let location = Some("/api/directory/companies");
    run::<CompanyAggregate>(&state, &caller, &req, stream, command, location, None).await
}

/// Creates a location (admins); the parent must exist.
#[utoipa::path(tag = "directory", request_body = NewLocation, security(("bearer" = [])),
    params(CommandHeaders), responses(DirectoryResponses))]
#[post("/locations")]
pub async fn create_location(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewLocation>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let input = body.into_inner();
    let parent_id = match &input.parent_id {
        Some(p) => {
            let id = parse_id(p, StreamKind::Location, "parent_id")?;
            let (parent, _) = state
                .commands
                .load::<LocationAggregate>(StreamId::new(StreamKind::Location, id))
                .await
                .map_err(|e| ApiError::internal("loading a location", e))?;
            if parent.lifecycle != Lifecycle::Active {
                return Err(ApiError::invalid(format!("no location {p}")).with_field("parent_id"));
            }
            Some(id)
        }
        None => None,
    };
    let location_id = Ulid::new();
    let command = LocationCommand::Create {
        location_id,
        name: input.name,
        parent_id,
    };
    let stream = StreamId::new(StreamKind::Location, location_id);
    let location = Some("/api/directory/locations");
    run::<LocationAggregate>(&state, &caller, &req, stream, command, location, None).await
}
