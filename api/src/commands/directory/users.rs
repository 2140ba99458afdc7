//! People: `POST /api/users` (with an initial password), `POST /api/users/{id}/password`,
//! `POST /api/users/{id}/deactivate`, `POST /api/users/{id}/activate`,
//! `POST /api/users/{id}/role`, `PATCH /api/users/{id}` (name and profile),
//! `PUT /api/users/{id}/email`.
//!
//! Passwords are hashed here (argon2id) and written to the credential store in the same
//! append as the event that says a password was set; the event carries no secret.

use actix_web::{patch, post, put, web, HttpRequest, HttpResponse};
use ledgerdesk_core::command::CommandOptions;
use ledgerdesk_core::directory::role::{RoleAggregate, NAME_SCOPE as ROLE_SCOPE};
use ledgerdesk_core::directory::user::{
    CreateUser, UserAggregate, UserCommand, UserKind, UserProfile,
};
use ledgerdesk_core::directory::Lifecycle;
use ledgerdesk_core::{CredentialWrite, EventStore, StreamId, StreamKind};
use serde::Deserialize;
use ulid::Ulid;

use super::links::LinkPatch;
use super::{run, DirectoryResponses, ADMINS};
use crate::auth::{credentials, Caller};
use crate::commands::parse_id;
use crate::commands::tickets::{nullable, CommandHeaders};
use crate::error::ApiError;
use crate::state::AppState;

/// The shortest accepted password.
const PASSWORD_MIN: usize = 12;
/// The longest accepted password (argon2 input stays bounded).
const PASSWORD_MAX: usize = 1024;

/// A new user.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Login name (unique; a username or an email is required).
    username: Option<String>,
    /// Primary email (unique).
    email: Option<String>,
    /// Full name.
    full_name: String,
    /// `agent` or `requester`.
    kind: String,
    /// A role: `role-ULID`, ULID or a role's name (`agent`, `requester`, ...).
    role: String,
    /// The initial password (12 to 1024 characters); none: the user cannot log in yet.
    password: Option<String>,
}

/// A password change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    /// The new password (12 to 1024 characters).
    password: String,
}

/// A role change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    /// A role: `role-ULID`, ULID or a role's name.
    role: String,
}

fn kind(input: &str) -> Result<UserKind, ApiError> {
    match input.trim().to_ascii_lowercase().as_str() {
        "agent" => Ok(UserKind::Agent),
        "requester" => Ok(UserKind::Requester),
        other => Err(
            ApiError::invalid(format!("{other:?} is not a user kind (agent, requester)"))
                .with_field("kind"),
        ),
    }
}

/// A role that exists: by id, or by its (unique) name.
async fn role(state: &AppState, input: &str) -> Result<Ulid, ApiError> {
    let id = match parse_id(input, StreamKind::Role, "role") {
        Ok(id) => id,
        Err(bad) => match state
            .store
            .claim_holder(ROLE_SCOPE, &input.trim().to_lowercase())
            .await?
        {
            Some(stream) => stream.id,
            None => return Err(bad),
        },
    };
    let (role, _) = state
        .commands
        .load::<RoleAggregate>(StreamId::new(StreamKind::Role, id))
        .await
        .map_err(|e| ApiError::internal("loading a role", e))?;
    if role.lifecycle != Lifecycle::Active {
        return Err(ApiError::invalid(format!("no role {input}")).with_field("role"));
    }
    Ok(id)
}

/// The credential write of `password` for `user`, after checking its length.
async fn password_write(user: Ulid, password: String) -> Result<CommandOptions, ApiError> {
    let chars = password.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&chars) {
        return Err(ApiError::invalid(format!(
            "password must have {PASSWORD_MIN} to {PASSWORD_MAX} characters"
        ))
        .with_field("password"));
    }
    let hash = tokio::task::spawn_blocking(move || credentials::hash_password(&password))
        .await
        .map_err(|e| ApiError::internal("hashing a password", e))?
        .map_err(|e| ApiError::internal("hashing a password", e))?;
    Ok(CommandOptions {
        credentials: vec![CredentialWrite {
            key: credentials::password_key(user),
            value: Some(hash.into_bytes()),
        }],
        ..CommandOptions::default()
    })
}

/// Creates a user (admins). With a password they can log in at once; the hash goes to the
/// credential store, never into the log. Username and email are unique (409).
#[utoipa::path(tag = "directory", request_body = NewUser, security(("bearer" = [])),
    params(CommandHeaders), responses(DirectoryResponses))]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let input = body.into_inner();
    let kind = kind(&input.kind)?;
    let role_id = role(&state, &input.role).await?;
    let user_id = Ulid::new();
    let extra = match input.password {
        Some(p) => Some(password_write(user_id, p).await?),
        None => None,
    };
    let command = UserCommand::Create(CreateUser {
        user_id,
        kind,
        username: input.username,
        email: input.email,
        full_name: input.full_name,
        profile: UserProfile::default(),
        role_id,
        with_password: extra.is_some(),
    });
    let stream = StreamId::new(StreamKind::User, user_id);
    run::<UserAggregate>(
        &state,
        &caller,
        &req,
        stream,
        command,
        Some("/api/users"),
        extra,
    )
    .await
}

/// Sets a user's password: admins for anyone (the user must change it at next login), anyone
/// for themselves.
#[utoipa::path(tag = "directory", request_body = NewPassword, security(("bearer" = [])),
    params(("id" = String, Path, description = "`user-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[post("/users/{id}/password")]
pub async fn set_password(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewPassword>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, StreamKind::User, "id")?;
    if id != caller.user_id {
        caller.require(ADMINS)?;
    }
    let extra = password_write(id, body.into_inner().password).await?;
    let command = UserCommand::SetPassword {
        force_change: id != caller.user_id,
    };
    let stream = StreamId::new(StreamKind::User, id);
    run::<UserAggregate>(&state, &caller, &req, stream, command, None, Some(extra)).await
}

/// Deactivates a user (admins): their tokens stop working and they cannot log in.
#[utoipa::path(tag = "directory", security(("bearer" = [])),
    params(("id" = String, Path, description = "`user-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[post("/users/{id}/deactivate")]
pub async fn deactivate(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let id = parse_id(&path, StreamKind::User, "id")?;
    if id == caller.user_id {
        return Err(ApiError::invalid("admins cannot deactivate themselves").with_field("id"));
    }
    let stream = StreamId::new(StreamKind::User, id);
    run::<UserAggregate>(
        &state,
        &caller,
        &req,
        stream,
        UserCommand::Disable,
        None,
        None,
    )
    .await
}

/// Gives a user another role (admins).
#[utoipa::path(tag = "directory", request_body = RoleChange, security(("bearer" = [])),
    params(("id" = String, Path, description = "`user-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[post("/users/{id}/role")]
pub async fn assign_role(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<RoleChange>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let id = parse_id(&path, StreamKind::User, "id")?;
    let role_id = role(&state, &body.role).await?;
    let stream = StreamId::new(StreamKind::User, id);
    let command = UserCommand::AssignRole { role_id };
    run::<UserAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Changes to a user's name and descriptive fields; absent fields stay, an empty text clears
/// it. The links of the profile (department, manager, location, company) take an id of a live
/// entity of their kind, or `null` to clear them.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    /// Display name (not empty).
    full_name: Option<String>,
    /// Given name.
    first_name: Option<String>,
    /// Family name.
    last_name: Option<String>,
    /// Further email addresses (replacing them).
    secondary_emails: Option<Vec<String>>,
    /// Phone number.
    phone: Option<String>,
    /// Mobile phone number.
    mobile: Option<String>,
    /// Job title.
    title: Option<String>,
    /// Employee number.
    employee_number: Option<String>,
    /// Free description.
    description: Option<String>,
    /// The user's department (`department-ULID` or ULID), or `null` for none.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, nullable)]
    department_id: Option<Option<String>>,
    /// The user's manager (`user-ULID` or ULID, not the user), or `null` for none.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, nullable)]
    manager_id: Option<Option<String>>,
    /// The user's location (`location-ULID` or ULID), or `null` for none.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, nullable)]
    location_id: Option<Option<String>>,
    /// The user's company (`company-ULID` or ULID), or `null` for none.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, nullable)]
    company_id: Option<Option<String>>,
}

/// A new primary email.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEmail {
    /// The new email (unique).
    email: String,
}

/// `new` over `old` when given; an empty (blank) text clears the field.
fn merge(old: &mut Option<String>, new: Option<String>) {
    if let Some(new) = new {
        *old = if new.trim().is_empty() {
            None
        } else {
            Some(new)
        };
    }
}

/// Changes a user's display name, descriptive fields and links (admins). A link must name a
/// live entity of its kind (400 with the field); the domain checks the other values (400 with
/// the field); an unchanged profile writes nothing.
#[utoipa::path(tag = "directory", request_body = ProfilePatch, security(("bearer" = [])),
    params(("id" = String, Path, description = "`user-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[patch("/users/{id}")]
pub async fn update_profile(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<ProfilePatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let id = parse_id(&path, StreamKind::User, "id")?;
    let stream = StreamId::new(StreamKind::User, id);
    let (user, _) = state
        .commands
        .load::<UserAggregate>(stream)
        .await
        .map_err(|e| ApiError::internal("loading a user", e))?;
    if user.lifecycle == Lifecycle::New {
        return Err(ApiError::not_found(format!("no user {id}")));
    }
    let input = body.into_inner();
    let mut profile = user.profile.clone();
    merge(&mut profile.first_name, input.first_name);
    merge(&mut profile.last_name, input.last_name);
    merge(&mut profile.phone, input.phone);
    merge(&mut profile.mobile, input.mobile);
    merge(&mut profile.title, input.title);
    merge(&mut profile.employee_number, input.employee_number);
    merge(&mut profile.description, input.description);
    if let Some(emails) = input.secondary_emails {
        profile.secondary_emails = emails;
    }
    let links = LinkPatch {
        department: input.department_id,
        manager: input.manager_id,
        location: input.location_id,
        company: input.company_id,
    };
    super::links::apply(&state, id, &mut profile, links).await?;
    let command = UserCommand::UpdateProfile {
        full_name: input.full_name.unwrap_or(user.full_name),
        profile,
    };
    run::<UserAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Changes a user's primary email (admins): unique (409), well formed (400 on `email`).
#[utoipa::path(tag = "directory", request_body = NewEmail, security(("bearer" = [])),
    params(("id" = String, Path, description = "`user-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[put("/users/{id}/email")]
pub async fn change_email(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewEmail>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let stream = StreamId::new(StreamKind::User, parse_id(&path, StreamKind::User, "id")?);
    let command = UserCommand::ChangeEmail {
        email: body.into_inner().email,
    };
    run::<UserAggregate>(&state, &caller, &req, stream, command, None, None).await
}

/// Lets a deactivated user log in again (admins).
#[utoipa::path(tag = "directory", security(("bearer" = [])),
    params(("id" = String, Path, description = "`user-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[post("/users/{id}/activate")]
pub async fn activate(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let stream = StreamId::new(StreamKind::User, parse_id(&path, StreamKind::User, "id")?);
    run::<UserAggregate>(
        &state,
        &caller,
        &req,
        stream,
        UserCommand::Enable,
        None,
        None,
    )
    .await
}
