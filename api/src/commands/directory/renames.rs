//! Renames (admins): `PATCH /api/{departments,companies,locations,helpdesks,custom_fields,
//! calendars,roles,categories}/{id}` and `PATCH /api/catalogue/{kind}/{id}`, each with
//! `{"name": "..."}`. Names stay unique where the domain says so (409 `already_exists`); an
//! empty name is a 400 on `name`; the built-in roles keep their names (409 `built_in_role`).
//!
//! Each is one rename command on the entity's stream: the body is only a name so that other
//! changes (moves, descriptions) get routes of their own rather than a PATCH of several
//! commands whose partial failure a client would have to untangle.

use actix_web::{patch, web, HttpRequest, HttpResponse};
use ledgerdesk_core::directory::calendar::{CalendarAggregate, CalendarCommand};
use ledgerdesk_core::directory::catalogue_item::{ItemAggregate, ItemCommand};
use ledgerdesk_core::directory::category::{CategoryAggregate, CategoryCommand};
use ledgerdesk_core::directory::company::{CompanyAggregate, CompanyCommand};
use ledgerdesk_core::directory::custom_field::{CustomFieldAggregate, CustomFieldCommand};
use ledgerdesk_core::directory::department::{DepartmentAggregate, DepartmentCommand};
use ledgerdesk_core::directory::helpdesk::{HelpDeskAggregate, HelpDeskCommand};
use ledgerdesk_core::directory::location::{LocationAggregate, LocationCommand};
use ledgerdesk_core::directory::role::{RoleAggregate, RoleCommand};
use ledgerdesk_core::{StreamId, StreamKind};
use serde::Deserialize;
use ulid::Ulid;

use super::catalogue::item_kind;
use super::{run, DirectoryResponses, ADMINS};
use crate::auth::Caller;
use crate::commands::parse_id;
use crate::commands::tickets::CommandHeaders;
use crate::error::ApiError;
use crate::state::AppState;

/// A new name.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewName {
    /// The new name (not empty; unique where the entity's names are).
    name: String,
}

/// The stream of `path` as an id of `kind`.
fn stream(path: &str, kind: StreamKind) -> Result<StreamId, ApiError> {
    Ok(StreamId::new(kind, parse_id(path, kind, "id")?))
}

/// The stream of a category: `category-ULID` (ticket tree), `kbcategory-ULID` (KB tree), or a
/// bare ULID (ticket tree).
pub(crate) fn category_stream(path: &str) -> Result<StreamId, ApiError> {
    match path.trim().parse::<StreamId>() {
        Ok(s) if matches!(s.kind, StreamKind::Category | StreamKind::KbCategory) => Ok(s),
        Ok(_) => Err(ApiError::invalid(format!("{path:?} is not a category id")).with_field("id")),
        Err(_) => Ulid::from_string(path.trim())
            .map(|id| StreamId::new(StreamKind::Category, id))
            .map_err(|_| {
                ApiError::invalid(format!("{path:?} is not a category id")).with_field("id")
            }),
    }
}

/// Renames a department (admins).
#[utoipa::path(tag = "catalogue", request_body = NewName, security(("bearer" = [])),
    params(("id" = String, Path, description = "`department-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[patch("/departments/{id}")]
pub async fn rename_department(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewName>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let stream = stream(&path, StreamKind::Department)?;
    let command = DepartmentCommand::Rename {
        name: body.into_inner().name,
    };
    run::<DepartmentAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Renames an item of a simple catalogue list (admins).
#[utoipa::path(tag = "catalogue", request_body = NewName, security(("bearer" = [])),
    params(("kind" = String, Path, description = "sources, urgencies, impacts, closure_codes, \
        tags or time_categories"),
        ("id" = String, Path, description = "`{kind}-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[patch("/catalogue/{kind}/{id}")]
pub async fn rename_item(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<NewName>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let (kind, id) = path.into_inner();
    let stream = stream(&id, item_kind(&kind)?.stream_kind())?;
    let command = ItemCommand::Rename {
        name: body.into_inner().name,
    };
    run::<ItemAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Renames a ticket or KB category (admins).
#[utoipa::path(tag = "catalogue", request_body = NewName, security(("bearer" = [])),
    params(("id" = String, Path,
        description = "`category-ULID`, `kbcategory-ULID` or ULID (a ticket category)"),
        CommandHeaders),
    responses(DirectoryResponses))]
#[patch("/categories/{id}")]
pub async fn rename_category(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewName>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let stream = category_stream(&path)?;
    let command = CategoryCommand::Rename {
        name: body.into_inner().name,
    };
    run::<CategoryAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Renames a company (admins).
#[utoipa::path(tag = "directory", request_body = NewName, security(("bearer" = [])),
    params(("id" = String, Path, description = "`company-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[patch("/companies/{id}")]
pub async fn rename_company(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewName>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let stream = stream(&path, StreamKind::Company)?;
    let command = CompanyCommand::Rename {
        name: body.into_inner().name,
    };
    run::<CompanyAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Renames a location (admins).
#[utoipa::path(tag = "directory", request_body = NewName, security(("bearer" = [])),
    params(("id" = String, Path, description = "`location-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[patch("/locations/{id}")]
pub async fn rename_location(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewName>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let stream = stream(&path, StreamKind::Location)?;
    let command = LocationCommand::Rename {
        name: body.into_inner().name,
    };
    run::<LocationAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Renames a help desk (admins).
#[utoipa::path(tag = "directory", request_body = NewName, security(("bearer" = [])),
    params(("id" = String, Path, description = "`helpdesk-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[patch("/helpdesks/{id}")]
pub async fn rename_helpdesk(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewName>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let stream = stream(&path, StreamKind::HelpDesk)?;
    let command = HelpDeskCommand::Rename {
        name: body.into_inner().name,
    };
    run::<HelpDeskAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Renames a custom field (admins).
#[utoipa::path(tag = "catalogue", request_body = NewName, security(("bearer" = [])),
    params(("id" = String, Path, description = "`customfield-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[patch("/custom_fields/{id}")]
pub async fn rename_custom_field(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewName>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let stream = stream(&path, StreamKind::CustomField)?;
    let command = CustomFieldCommand::Rename {
        name: body.into_inner().name,
    };
    run::<CustomFieldAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Renames a business-hours calendar (admins).
#[utoipa::path(tag = "catalogue", request_body = NewName, security(("bearer" = [])),
    params(("id" = String, Path, description = "`calendar-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[patch("/calendars/{id}")]
pub async fn rename_calendar(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewName>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let stream = stream(&path, StreamKind::Calendar)?;
    let command = CalendarCommand::Rename {
        name: body.into_inner().name,
    };
    run::<CalendarAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Renames a custom role (admins; the built-in roles keep their names: 409).
#[utoipa::path(tag = "directory", request_body = NewName, security(("bearer" = [])),
    params(("id" = String, Path, description = "`role-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[patch("/roles/{id}")]
pub async fn rename_role(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewName>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let stream = stream(&path, StreamKind::Role)?;
    let command = RoleCommand::Rename {
        name: body.into_inner().name,
    };
    run::<RoleAggregate>(&state, &caller, &req, stream, command, None, None).await
}
