//! Help desks and custom fields (admins): `POST /api/helpdesks`,
//! `POST /api/helpdesks/{id}/levels`, `POST /api/custom_fields`.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::directory::custom_field::{
    AppliesTo, CustomFieldAggregate, CustomFieldCommand, CustomFieldError, FieldOption, FieldType,
};
use ledgerdesk_core::directory::helpdesk::{
    AssignmentEngine, HelpDeskAggregate, HelpDeskCommand, HelpDeskError, LevelCommand,
};
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

impl Refusal for HelpDeskError {
    fn to_api(&self) -> ApiError {
        let message = self.to_string();
        match self {
            HelpDeskError::Common(c) => c.to_api(),
            HelpDeskError::UnknownLevel(_) => ApiError::not_found(message),
            HelpDeskError::LevelExists(_) => {
                ApiError::new(StatusCode::CONFLICT, "already_exists", message)
            }
            HelpDeskError::LevelNameTaken(_) => {
                ApiError::new(StatusCode::CONFLICT, "already_taken", message).with_field("name")
            }
        }
    }
}

impl Refusal for CustomFieldError {
    fn to_api(&self) -> ApiError {
        let message = self.to_string();
        match self {
            CustomFieldError::Common(c) => c.to_api(),
            CustomFieldError::OptionsNotAllowed(_) | CustomFieldError::NestingNotAllowed => {
                ApiError::invalid(message).with_field("options")
            }
            CustomFieldError::UnknownOption(_) => ApiError::not_found(message),
            CustomFieldError::OptionExists(_) | CustomFieldError::LabelTaken(_) => {
                ApiError::new(StatusCode::CONFLICT, "already_taken", message).with_field("options")
            }
        }
    }
}

/// A help desk.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHelpDesk {
    /// Its name (unique).
    name: String,
    /// A description.
    description: Option<String>,
    /// Its parent help desk.
    parent_id: Option<String>,
}

/// A level of a help desk.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLevel {
    /// Its name (unique in the desk).
    name: String,
    /// How tickets are assigned: `manual` (default), `round_robin`, `by_load`, `free`.
    engine: Option<String>,
}

/// A custom field.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomField {
    /// Its name (unique).
    name: String,
    /// A description.
    description: Option<String>,
    /// `text` (default), `number`, `date`, `list`, `tree`, `user`, `multi`.
    field_type: Option<String>,
    /// Whether a ticket must fill it.
    #[serde(default)]
    required: bool,
    /// The labels of its options (list and multi fields).
    #[serde(default)]
    options: Vec<String>,
    /// Ticket types it applies to (none: all).
    #[serde(default)]
    ticket_type_ids: Vec<String>,
}

fn engine(input: Option<&str>) -> Result<AssignmentEngine, ApiError> {
    Ok(match input.unwrap_or("manual") {
        "manual" => AssignmentEngine::Manual,
        "round_robin" => AssignmentEngine::RoundRobin,
        "by_load" => AssignmentEngine::ByLoad,
        "free" => AssignmentEngine::Free,
        other => {
            return Err(ApiError::invalid(format!(
                "{other:?} is not an assignment engine (manual, round_robin, by_load, free)"
            ))
            .with_field("engine"))
        }
    })
}

fn field_type(input: Option<&str>) -> Result<FieldType, ApiError> {
    Ok(match input.unwrap_or("text") {
        "text" => FieldType::Text,
        "number" => FieldType::Number,
        "date" => FieldType::Date,
        "list" => FieldType::List,
        "tree" => FieldType::Tree,
        "user" => FieldType::User,
        "multi" => FieldType::Multi,
        other => {
            return Err(ApiError::invalid(format!(
                "{other:?} is not a field type (text, number, date, list, tree, user, multi)"
            ))
            .with_field("field_type"))
        }
    })
}

/// Creates a help desk (admins); the parent must exist.
#[utoipa::path(tag = "directory", request_body = NewHelpDesk, security(("bearer" = [])),
    params(CommandHeaders), responses(DirectoryResponses))]
#[post("/helpdesks")]
pub async fn create_helpdesk(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewHelpDesk>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let input = body.into_inner();
    let parent_id = match &input.parent_id {
        Some(p) => {
            let id = parse_id(p, StreamKind::HelpDesk, "parent_id")?;
            let (parent, _) = state
                .commands
                .load::<HelpDeskAggregate>(StreamId::new(StreamKind::HelpDesk, id))
                .await
                .map_err(|e| ApiError::internal("loading a help desk", e))?;
            if parent.lifecycle != Lifecycle::Active {
                return Err(ApiError::invalid(format!("no help desk {p}")).with_field("parent_id"));
            }
            Some(id)
        }
        None => None,
    };
    let helpdesk_id = Ulid::new();
    let command = HelpDeskCommand::Create {
        helpdesk_id,
        name: input.name,
        description: input.description,
        parent_id,
    };
    let stream = StreamId::new(StreamKind::HelpDesk, helpdesk_id);
    let location = Some("/api/directory/helpdesks");
    run::<HelpDeskAggregate>(&state, &caller, &req, stream, command, location, None).await
}

/// Adds a level to a help desk (admins).
#[utoipa::path(tag = "directory", request_body = NewLevel, security(("bearer" = [])),
    params(("id" = String, Path, description = "`helpdesk-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[post("/helpdesks/{id}/levels")]
pub async fn add_level(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewLevel>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let id = parse_id(&path, StreamKind::HelpDesk, "id")?;
    let input = body.into_inner();
    let command = HelpDeskCommand::Level {
        level_id: Ulid::new(),
        command: LevelCommand::Add {
            name: input.name,
            engine: engine(input.engine.as_deref())?,
        },
    };
    let stream = StreamId::new(StreamKind::HelpDesk, id);
    run::<HelpDeskAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Creates a custom field with its options (admins).
#[utoipa::path(tag = "catalogue", request_body = NewCustomField, security(("bearer" = [])),
    params(CommandHeaders), responses(DirectoryResponses))]
#[post("/custom_fields")]
pub async fn create_custom_field(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewCustomField>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let input = body.into_inner();
    let ticket_type_ids = input
        .ticket_type_ids
        .iter()
        .map(|t| parse_id(t, StreamKind::TicketType, "ticket_type_ids"))
        .collect::<Result<BTreeSet<Ulid>, ApiError>>()?;
    let options = input
        .options
        .into_iter()
        .map(|label| FieldOption {
            option_id: Ulid::new(),
            label,
            parent_id: None,
        })
        .collect();
    let field_id = Ulid::new();
    let command = CustomFieldCommand::Create {
        field_id,
        name: input.name,
        description: input.description,
        field_type: field_type(input.field_type.as_deref())?,
        required: input.required,
        applies_to: AppliesTo {
            ticket_type_ids,
            ..AppliesTo::default()
        },
        options,
    };
    let stream = StreamId::new(StreamKind::CustomField, field_id);
    let location = Some("/api/directory/custom_fields");
    run::<CustomFieldAggregate>(&state, &caller, &req, stream, command, location, None).await
}
