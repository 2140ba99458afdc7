//! The catalogue (admins): `POST /api/priorities`, `PATCH /api/priorities/{id}` (SLA
//! targets), `POST /api/statuses`, `POST /api/departments`, `POST /api/catalogue/{kind}`
//! (sources, urgencies, impacts, closure codes, tags, time categories), `POST /api/categories`
//! (ticket and KB category trees) and
//! `PUT /api/settings/{name}`. Names are unique per kind (409 `already_taken`).

use actix_web::{patch, post, put, web, HttpRequest, HttpResponse};
use ledgerdesk_core::directory::calendar::CalendarAggregate;
use ledgerdesk_core::directory::catalogue_item::{ItemAggregate, ItemCommand, ItemKind};
use ledgerdesk_core::directory::category::{CategoryAggregate, CategoryCommand, TreeKind};
use ledgerdesk_core::directory::department::{DepartmentAggregate, DepartmentCommand};
use ledgerdesk_core::directory::priority::{PriorityAggregate, PriorityCommand, SlaTargets};
use ledgerdesk_core::directory::setting::{
    SettingAggregate, SettingCommand, SettingValue, NAME_SCOPE as SETTING_SCOPE,
};
use ledgerdesk_core::directory::status::{StatusAggregate, StatusCategory, StatusCommand};
use ledgerdesk_core::directory::Lifecycle;
use ledgerdesk_core::{EventStore, StreamId, StreamKind};
use serde::Deserialize;
use serde_json::Value;
use ulid::Ulid;

use super::{run, run_all, DirectoryResponses, ADMINS};
use crate::auth::Caller;
use crate::commands::parse_id;
use crate::commands::tickets::CommandHeaders;
use crate::error::ApiError;
use crate::state::AppState;

/// SLA targets in minutes (business minutes when a calendar is given).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// Trudesk `overdueIn`: minutes without an update before a ticket is overdue.
    overdue_in_minutes: Option<u32>,
    /// Minutes to the first response.
    first_response_minutes: Option<u32>,
    /// Minutes to resolution.
    resolution_minutes: Option<u32>,
    /// A business-hours calendar (`calendar-ULID` or ULID).
    calendar_id: Option<String>,
}

impl Targets {
    /// The targets, with the calendar checked to exist.
    async fn parse(self, state: &AppState) -> Result<SlaTargets, ApiError> {
        let calendar_id = match &self.calendar_id {
            Some(c) => {
                let id = parse_id(c, StreamKind::Calendar, "calendar_id")?;
                let (calendar, _) = state
                    .commands
                    .load::<CalendarAggregate>(StreamId::new(StreamKind::Calendar, id))
                    .await
                    .map_err(|e| ApiError::internal("loading a calendar", e))?;
                if calendar.lifecycle != Lifecycle::Active {
                    return Err(
                        ApiError::invalid(format!("no calendar {c}")).with_field("calendar_id")
                    );
                }
                Some(id)
            }
            None => None,
        };
        Ok(SlaTargets {
            overdue_in_minutes: self.overdue_in_minutes,
            first_response_minutes: self.first_response_minutes,
            resolution_minutes: self.resolution_minutes,
            calendar_id,
        })
    }
}

/// A new priority.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPriority {
    /// Its name (unique).
    name: String,
    /// Its colour, `#rrggbb`.
    colour: String,
    /// Its SLA targets.
    #[serde(default)]
    sla: Targets,
}

/// Changes to a priority; absent fields stay.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityPatch {
    /// A new name.
    name: Option<String>,
    /// A new colour.
    colour: Option<String>,
    /// New SLA targets (replacing all of them).
    sla: Option<Targets>,
}

/// A new status.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStatus {
    /// Its name (unique).
    name: String,
    /// What it means: `new`, `open`, `in_progress`, `pending`, `waiting`, `resolved`,
    /// `closed`, `cancelled` or `rejected` (never changes).
    category: String,
    /// Its colour, `#rrggbb`.
    colour: Option<String>,
}

/// A new department.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDepartment {
    /// Its name (unique).
    name: String,
    /// Whether requesters can pick it.
    #[serde(default)]
    public: bool,
}

/// A new catalogue item.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    /// Its name (unique in its kind).
    name: String,
    /// A description.
    description: Option<String>,
    /// Cost per hour in cents (time categories only).
    cost_per_hour_cents: Option<u64>,
    /// The parent time category.
    parent_id: Option<String>,
}

/// A setting's value: a boolean, a whole number, a text, or any other JSON.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingInput {
    /// The value.
    #[schema(value_type = Object)]
    value: Value,
}

/// `in_progress` → [`StatusCategory::InProgress`].
pub(crate) fn category(input: &str) -> Result<StatusCategory, ApiError> {
    let wanted: String = input.chars().filter(|c| *c != '_').collect();
    StatusCategory::ALL
        .into_iter()
        .find(|c| format!("{c:?}").eq_ignore_ascii_case(&wanted))
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "{input:?} is not a status category (new, open, in_progress, pending, waiting, \
                 resolved, closed, cancelled, rejected)"
            ))
            .with_field("category")
        })
}

/// The catalogue-item kind of a path segment (`sources`, `closure_codes`, ...).
pub(crate) fn item_kind(input: &str) -> Result<ItemKind, ApiError> {
    Ok(match input {
        "sources" => ItemKind::Source,
        "urgencies" => ItemKind::Urgency,
        "impacts" => ItemKind::Impact,
        "closure_codes" => ItemKind::ClosureCode,
        "tags" => ItemKind::Tag,
        "time_categories" => ItemKind::TimeCategory,
        other => {
            return Err(ApiError::invalid(format!(
                "{other:?} is not a catalogue list (sources, urgencies, impacts, closure_codes, \
                 tags, time_categories)"
            ))
            .with_field("kind"))
        }
    })
}

/// Creates a priority with its SLA targets (admins).
#[utoipa::path(tag = "catalogue", request_body = NewPriority, security(("bearer" = [])),
    params(CommandHeaders), responses(DirectoryResponses))]
#[post("/priorities")]
pub async fn create_priority(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewPriority>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let input = body.into_inner();
    let priority_id = Ulid::new();
    let command = PriorityCommand::Create {
        priority_id,
        name: input.name,
        colour: input.colour,
        sla: input.sla.parse(&state).await?,
    };
    let stream = StreamId::new(StreamKind::Priority, priority_id);
    let location = Some("/api/directory/priorities");
    run::<PriorityAggregate>(&state, &caller, &req, stream, command, location, None).await
}

/// Renames, recolours or retargets a priority (admins); each change is its own command (see
/// [`super::run_all`]) and the answer is the last one's.
#[utoipa::path(tag = "catalogue", request_body = PriorityPatch, security(("bearer" = [])),
    params(("id" = String, Path, description = "`priority-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[patch("/priorities/{id}")]
pub async fn update_priority(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<PriorityPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let stream = StreamId::new(
        StreamKind::Priority,
        parse_id(&path, StreamKind::Priority, "id")?,
    );
    let input = body.into_inner();
    let mut commands = Vec::new();
    if let Some(name) = input.name {
        commands.push(PriorityCommand::Rename { name });
    }
    if let Some(colour) = input.colour {
        commands.push(PriorityCommand::Recolour { colour });
    }
    if let Some(sla) = input.sla {
        commands.push(PriorityCommand::SetSla {
            sla: sla.parse(&state).await?,
        });
    }
    if commands.is_empty() {
        return Err(ApiError::invalid(
            "nothing to change: give name, colour or sla",
        ));
    }
    run_all::<PriorityAggregate>(&state, &caller, &req, stream, commands).await
}

/// Creates a status of a fixed category (admins).
#[utoipa::path(tag = "catalogue", request_body = NewStatus, security(("bearer" = [])),
    params(CommandHeaders), responses(DirectoryResponses))]
#[post("/statuses")]
pub async fn create_status(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewStatus>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let input = body.into_inner();
    let status_id = Ulid::new();
    let command = StatusCommand::Create {
        status_id,
        name: input.name,
        category: category(&input.category)?,
        colour: input.colour,
    };
    let stream = StreamId::new(StreamKind::Status, status_id);
    let location = Some("/api/directory/statuses");
    run::<StatusAggregate>(&state, &caller, &req, stream, command, location, None).await
}

/// Creates a department (admins).
#[utoipa::path(tag = "catalogue", request_body = NewDepartment, security(("bearer" = [])),
    params(CommandHeaders), responses(DirectoryResponses))]
#[post("/departments")]
pub async fn create_department(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewDepartment>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let input = body.into_inner();
    let department_id = Ulid::new();
    let command = DepartmentCommand::Create {
        department_id,
        name: input.name,
        public: input.public,
    };
    let stream = StreamId::new(StreamKind::Department, department_id);
    let location = Some("/api/directory/departments");
    run::<DepartmentAggregate>(&state, &caller, &req, stream, command, location, None).await
}

/// Creates an item of a simple catalogue list (admins).
#[utoipa::path(tag = "catalogue", request_body = NewItem, security(("bearer" = [])),
    params(("kind" = String, Path, description = "sources, urgencies, impacts, closure_codes, \
        tags or time_categories"), CommandHeaders),
    responses(DirectoryResponses))]
#[post("/catalogue/{kind}")]
pub async fn create_item(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewItem>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let kind = item_kind(&path)?;
    let input = body.into_inner();
    let item_id = Ulid::new();
    let parent_id = input
        .parent_id
        .map(|p| parse_id(&p, kind.stream_kind(), "parent_id"))
        .transpose()?;
    let command = ItemCommand::Create {
        item_id,
        kind,
        name: input.name,
        description: input.description,
        cost_per_hour_cents: input.cost_per_hour_cents,
        parent_id,
    };
    let stream = StreamId::new(kind.stream_kind(), item_id);
    let location = format!("/api/directory/{}", path.as_str());
    run::<ItemAggregate>(
        &state,
        &caller,
        &req,
        stream,
        command,
        Some(&location),
        None,
    )
    .await
}

/// Defines or changes a setting (admins). Booleans, whole numbers and texts keep their type;
/// any other JSON is stored as JSON text.
#[utoipa::path(tag = "catalogue", request_body = SettingInput, security(("bearer" = [])),
    params(("name" = String, Path, description = "letters, digits and `: . _ -`"),
        CommandHeaders),
    responses(DirectoryResponses))]
#[put("/settings/{name}")]
pub async fn put_setting(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<SettingInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let name = path.into_inner();
    let value = match body.into_inner().value {
        Value::Bool(b) => SettingValue::Bool(b),
        Value::Number(n) if n.is_i64() => SettingValue::Integer(n.as_i64().unwrap_or_default()),
        Value::String(s) => SettingValue::Text(s),
        Value::Null => return Err(ApiError::invalid("value must not be null").with_field("value")),
        other => SettingValue::Json(other.to_string()),
    };
    let existing = state
        .store
        .claim_holder(SETTING_SCOPE, &name.trim().to_lowercase())
        .await?;
    let (stream, location) = match existing {
        Some(stream) => (stream, None),
        None => (
            StreamId::generate(StreamKind::Setting),
            Some("/api/settings"),
        ),
    };
    let command = SettingCommand::Set { name, value };
    run::<SettingAggregate>(&state, &caller, &req, stream, command, location, None).await
}

/// A new category.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategory {
    /// Which tree: `ticket` or `kb`.
    tree: String,
    /// Its name (unique among its siblings).
    name: String,
    /// Its parent in the same tree (none: a root).
    parent_id: Option<String>,
}

/// Creates a ticket or KB category (admins); the parent must exist in the same tree.
#[utoipa::path(tag = "catalogue", request_body = NewCategory, security(("bearer" = [])),
    params(CommandHeaders), responses(DirectoryResponses))]
#[post("/categories")]
pub async fn create_category(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewCategory>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let input = body.into_inner();
    let kind = match input.tree.as_str() {
        "ticket" => TreeKind::Ticket,
        "kb" => TreeKind::Knowledge,
        other => {
            return Err(
                ApiError::invalid(format!("{other:?} is not a category tree (ticket, kb)"))
                    .with_field("tree"),
            )
        }
    };
    let parent_id = match input.parent_id {
        Some(p) => {
            let id = parse_id(&p, kind.stream_kind(), "parent_id")?;
            let (parent, _) = state
                .commands
                .load::<CategoryAggregate>(StreamId::new(kind.stream_kind(), id))
                .await
                .map_err(|e| ApiError::internal("loading a category", e))?;
            if parent.lifecycle != Lifecycle::Active {
                return Err(ApiError::invalid(format!("no category {p}")).with_field("parent_id"));
            }
            Some(id)
        }
        None => None,
    };
    let category_id = Ulid::new();
    let command = CategoryCommand::Create {
        category_id,
        kind,
        name: input.name,
        parent_id,
    };
    let stream = StreamId::new(kind.stream_kind(), category_id);
    let location = match kind {
        TreeKind::Ticket => "/api/directory/categories",
        TreeKind::Knowledge => "/api/directory/kb_categories",
    };
    run::<CategoryAggregate>(&state, &caller, &req, stream, command, Some(location), None).await
}
