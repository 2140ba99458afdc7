//! `POST /api/auth/login`: username and password for a session token.

use actix_web::{post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::aggregate::CommandContext;
use ledgerdesk_core::directory::user::{UserAggregate, USERNAME_SCOPE};
use ledgerdesk_core::directory::Lifecycle;
use ledgerdesk_core::{Actor, EventStore, Timestamp};
use serde::{Deserialize, Serialize};

use crate::auth::{bootstrap, credentials};
use crate::error::ApiError;
use crate::state::AppState;

/// How long a login token lives.
const SESSION_HOURS: i64 = 12;

/// The login form.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    username: String,
    password: String,
}

#[derive(Serialize)]
struct LoggedIn {
    token: String,
    user_id: String,
    expires_at: i64,
}

/// Checks the password (argon2id) and issues a token that expires after 12 hours. Unknown user
/// and wrong password answer the same 401, after the same work.
#[utoipa::path(tag = "auth", request_body = Login, responses(
    (status = 200, description = "a session token, its user and expiry (Unix seconds)"),
    (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
    (status = 429, body = crate::error::ErrorBody),
))]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Json<Login>,
) -> Result<HttpResponse, ApiError> {
    let Login { username, password } = form.into_inner();
    if username.trim().is_empty() {
        return Err(ApiError::invalid("username must not be empty").with_field("username"));
    }
    if password.len() > 1024 {
        return Err(ApiError::invalid("password is too long").with_field("password"));
    }
    let address = req.peer_addr().map(|a| a.ip());
    if !state.login_limits.allow(&username, address) {
        return Err(ApiError::new(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many login attempts; wait a minute",
        ));
    }
    let normalised = username.trim().to_lowercase();
    let holder = state
        .store
        .claim_holder(USERNAME_SCOPE, &normalised)
        .await?;
    let stored = match holder {
        Some(stream) => {
            state
                .store
                .credential(&credentials::password_key(stream.id))
                .await?
        }
        None => None,
    };
    // Without a stored hash, verify against a throwaway one so timing does not tell.
    let check_against = match stored.as_deref() {
        Some(h) => String::from_utf8_lossy(h).into_owned(),
        None => credentials::dummy_hash().to_owned(),
    };
    let ok = tokio::task::spawn_blocking(move || {
        credentials::verify_password(&check_against, &password)
    })
    .await
    .map_err(|e| ApiError::internal("verifying a password", e))?;
    let denied = || ApiError::unauthorized("unknown user or wrong password");
    let (Some(stream), true, true) = (holder, ok, stored.is_some()) else {
        return Err(denied());
    };
    let (user, _) = state
        .commands
        .load::<UserAggregate>(stream)
        .await
        .map_err(|e| ApiError::internal("loading a user", e))?;
    if user.lifecycle != Lifecycle::Active || !user.enabled {
        return Err(denied());
    }
    let now = Timestamp::now();
    let expires_at = Timestamp(now.0 + SESSION_HOURS * 3_600_000_000);
    let ctx = CommandContext {
        actor: Actor::User(stream.id),
        now,
    };
    let token = bootstrap::issue_token(&state.commands, stream, "login", Some(expires_at), &ctx)
        .await
        .map_err(|e| ApiError::internal("issuing a session token", e))?;
    Ok(HttpResponse::Ok().json(LoggedIn {
        token,
        user_id: stream.to_string(),
        expires_at: expires_at.as_secs(),
    }))
}
