//! Help desks, custom fields and business-hours calendars (admins): `POST /api/helpdesks`,
//! `POST /api/helpdesks/{id}/levels`, `POST /api/custom_fields`, `POST /api/calendars`.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::directory::calendar::{
    CalendarAggregate, CalendarCommand, CalendarError, CivilDate, Holiday, MinuteRange, WeeklyHours,
};
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

impl Refusal for CalendarError {
    fn to_api(&self) -> ApiError {
        let message = self.to_string();
        match self {
            CalendarError::Common(c) => c.to_api(),
            CalendarError::HolidayExists(_) => {
                ApiError::new(StatusCode::CONFLICT, "already_exists", message)
                    .with_field("holidays")
            }
            CalendarError::UnknownHoliday(_) => ApiError::not_found(message),
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

/// Opening hours of one span of a day, in minutes after midnight (`540` is 09:00).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Span {
    /// Start, minutes after midnight.
    start: u16,
    /// End (exclusive), minutes after midnight, at most 1440.
    end: u16,
}

/// A holiday.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayInput {
    /// The day, `YYYY-MM-DD`.
    date: String,
    /// Its name.
    name: String,
}

/// A business-hours calendar.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCalendar {
    /// Its name (unique).
    name: String,
    /// An IANA time zone (`Europe/Paris`).
    time_zone: String,
    /// Seven days, Monday first, each a list of opening spans.
    hours: Vec<Vec<Span>>,
    /// Days off.
    #[serde(default)]
    holidays: Vec<HolidayInput>,
}

fn civil_date(input: &str) -> Result<CivilDate, ApiError> {
    let bad =
        || ApiError::invalid(format!("{input:?} is not a YYYY-MM-DD date")).with_field("holidays");
    let date = chrono::NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d").map_err(|_| bad())?;
    use chrono::Datelike;
    Ok(CivilDate {
        year: u16::try_from(date.year()).map_err(|_| bad())?,
        month: u8::try_from(date.month()).map_err(|_| bad())?,
        day: u8::try_from(date.day()).map_err(|_| bad())?,
    })
}

/// Creates a business-hours calendar for SLA targets (admins).
#[utoipa::path(tag = "catalogue", request_body = NewCalendar, security(("bearer" = [])),
    params(CommandHeaders), responses(DirectoryResponses))]
#[post("/calendars")]
pub async fn create_calendar(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewCalendar>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let input = body.into_inner();
    let days: [Vec<MinuteRange>; 7] = input
        .hours
        .into_iter()
        .map(|day| {
            day.into_iter()
                .map(|s| MinuteRange {
                    start: s.start,
                    end: s.end,
                })
                .collect()
        })
        .collect::<Vec<Vec<MinuteRange>>>()
        .try_into()
        .map_err(|_| {
            ApiError::invalid("hours must list seven days, Monday first").with_field("hours")
        })?;
    let holidays = input
        .holidays
        .into_iter()
        .map(|h| {
            Ok(Holiday {
                date: civil_date(&h.date)?,
                name: h.name,
            })
        })
        .collect::<Result<Vec<Holiday>, ApiError>>()?;
    // The domain checks the name's shape; whether the zone exists is known here (the SLA
    // model would otherwise count in UTC).
    if input.time_zone.trim().parse::<chrono_tz::Tz>().is_err() {
        return Err(ApiError::invalid(format!(
            "{:?} is not a known IANA time zone",
            input.time_zone
        ))
        .with_field("time_zone"));
    }
    let calendar_id = Ulid::new();
    let command = CalendarCommand::Create {
        calendar_id,
        name: input.name,
        time_zone: input.time_zone,
        hours: WeeklyHours { days },
        holidays,
    };
    let stream = StreamId::new(StreamKind::Calendar, calendar_id);
    let location = Some("/api/directory/calendars");
    run::<CalendarAggregate>(&state, &caller, &req, stream, command, location, None).await
}
