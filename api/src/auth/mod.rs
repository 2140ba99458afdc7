//! Who is calling, and what they may do.
//!
//! Every route but login, health and the docs needs `Authorization: Bearer <token>`. The token
//! is looked up by its hash in the credential store; the user's state (enabled, not deleted,
//! token not revoked or expired) and role come from their streams, through the command
//! service's cache. Roles: admins manage everything, agents work tickets, requesters see and act
//! on their own tickets only, auditors read everything (log and history included) and change
//! nothing.

pub mod bootstrap;
pub mod credentials;
pub mod limits;

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};
use ledgerdesk_core::directory::role::{BuiltInRole, RoleAggregate};
use ledgerdesk_core::directory::user::UserAggregate;
use ledgerdesk_core::directory::Lifecycle;
use ledgerdesk_core::{Actor, EventStore, StreamId, StreamKind, Timestamp};
use ulid::Ulid;

use crate::error::ApiError;
use crate::state::AppState;

/// The caller's role, as far as route checks go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything.
    Admin,
    /// Works tickets.
    Agent,
    /// Own tickets only.
    Requester,
    /// Reads everything, changes nothing.
    Auditor,
    /// A custom role: its grants decide.
    Custom,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user's id (their stream's ULID).
    pub user_id: Ulid,
    /// Their role.
    pub role: Role,
    /// The role's grants (custom roles), narrowed by the token's scopes when it has any.
    pub grants: BTreeSet<String>,
    /// The token used.
    pub token_id: Ulid,
}

impl Caller {
    /// The actor recorded on the events this caller causes.
    pub fn actor(&self) -> Actor {
        Actor::User(self.user_id)
    }

    /// Refuses with 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this action is not allowed for the {:?} role",
                self.role
            )))
        }
    }
}

/// Resolves a bearer token to a caller, or says why not (always 401, with no detail that would
/// help a guesser tell a wrong token from a revoked one).
pub async fn authenticate(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    let denied = || ApiError::unauthorized("missing, unknown, revoked or expired token");
    let value = state
        .store
        .credential(&credentials::token_key(token))
        .await
        .map_err(ApiError::from)?
        .ok_or_else(denied)?;
    let (user_id, token_id) = credentials::parse_token_value(&value).ok_or_else(denied)?;
    let (user, _) = state
        .commands
        .load::<UserAggregate>(StreamId::new(StreamKind::User, user_id))
        .await
        .map_err(|e| ApiError::internal("loading the caller", e))?;
    if user.lifecycle != Lifecycle::Active || !user.enabled {
        return Err(denied());
    }
    let info = user.tokens.get(&token_id).ok_or_else(denied)?;
    if info.expires_at.is_some_and(|at| at <= Timestamp::now()) {
        return Err(denied());
    }
    let (role, _) = state
        .commands
        .load::<RoleAggregate>(StreamId::new(StreamKind::Role, user.role_id))
        .await
        .map_err(|e| ApiError::internal("loading the caller's role", e))?;
    let grants: BTreeSet<String> = if info.scopes.is_empty() {
        role.grants.clone()
    } else {
        role.grants
            .iter()
            .filter(|g| info.scopes.contains(g))
            .cloned()
            .collect()
    };
    let kind = match (role.builtin, info.scopes.is_empty()) {
        (Some(BuiltInRole::Admin), true) => Role::Admin,
        (Some(BuiltInRole::Agent), true) => Role::Agent,
        (Some(BuiltInRole::Requester), true) => Role::Requester,
        (Some(BuiltInRole::Auditor), true) => Role::Auditor,
        // A custom role, or a token narrowed by scopes: what the grants amount to.
        _ => effective_role(&grants),
    };
    Ok(Caller {
        user_id,
        role: kind,
        grants,
        token_id,
    })
}

/// The built-in role whose powers `grants` amount to, for custom roles and scoped tokens:
/// `*` is an admin; `tickets:*` an agent; `*:read` an auditor; `tickets:create` a requester
/// (own tickets only); anything less is [`Role::Custom`], which no route admits. Routes check
/// roles, so a custom role acts as the most capable built-in role its grants cover (see the
/// built-in roles' default grants in `core/src/directory/role.rs`).
pub fn effective_role(grants: &BTreeSet<String>) -> Role {
    let has = |g: &str| grants.contains(g);
    if has("*") {
        Role::Admin
    } else if has("tickets:*") {
        Role::Agent
    } else if has("*:read") {
        Role::Auditor
    } else if has("tickets:create") {
        Role::Requester
    } else {
        Role::Custom
    }
}

/// The bearer token of a request, if it has one.
pub fn bearer(req: &HttpRequest) -> Option<String> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = header.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state
                .ok_or_else(|| ApiError::internal("authenticating", "no application state"))?;
            let token = token
                .ok_or_else(|| ApiError::unauthorized("send Authorization: Bearer <token>"))?;
            authenticate(&state, &token).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|g| (*g).to_owned()).collect()
    }

    #[test]
    fn custom_grants_map_to_the_role_they_amount_to() {
        assert_eq!(effective_role(&grants(&["*"])), Role::Admin);
        assert_eq!(effective_role(&grants(&["tickets:*", "kb:*"])), Role::Agent);
        assert_eq!(
            effective_role(&grants(&["*:read", "log:read"])),
            Role::Auditor
        );
        assert_eq!(
            effective_role(&grants(&["tickets:create", "kb:read:public"])),
            Role::Requester
        );
        assert_eq!(effective_role(&grants(&["kb:read:public"])), Role::Custom);
        assert_eq!(effective_role(&BTreeSet::new()), Role::Custom);
        // The built-in roles' own defaults amount to themselves.
        for (builtin, role) in [
            (BuiltInRole::Admin, Role::Admin),
            (BuiltInRole::Agent, Role::Agent),
            (BuiltInRole::Requester, Role::Requester),
            (BuiltInRole::Auditor, Role::Auditor),
        ] {
            let defaults = builtin
                .default_grants()
                .iter()
                .map(|g| (*g).to_owned())
                .collect();
            assert_eq!(effective_role(&defaults), role, "{builtin:?}");
        }
    }
}
