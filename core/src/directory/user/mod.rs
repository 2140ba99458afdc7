//! People: requesters (Trudesk customers, HelpDeskZ users, SDP requesters and org users) and
//! agents (staff, technicians), with the facts about their credentials.
//!
//! Credentials themselves (argon2id password hashes, API token hashes, two-factor secrets) live
//! in the credential store beside the log and are written by the API edge through
//! [`crate::CredentialWrite`] in the same append. The events here carry no secret and no hash:
//! only that a password was set, that a token (id, label, scopes, expiry) was issued or revoked,
//! that two-factor was switched on or off, by whom and when. A log export handed to an auditor
//! therefore holds no secret material.
//!
//! Unique values: `user.username` and `user.email` (the primary address, normalised).
//! Secondary emails are not claimed.

mod decide;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::{change_claims, claim, release, CommonError, Lifecycle, Stamp};
use crate::envelope::UniqueClaim;
use crate::ids::{Actor, Timestamp};

pub use decide::decide;

/// Claim scope of usernames.
pub const USERNAME_SCOPE: &str = "user.username";
/// Claim scope of primary emails.
pub const EMAIL_SCOPE: &str = "user.email";

/// Whether a person asks for help or gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum UserKind {
    /// A requester: customer, end user, org user.
    #[default]
    Requester,
    /// An agent: staff, technician.
    Agent,
}

/// The descriptive fields of a person, all optional. In commands they are raw input (validated
/// by `decide`); in events and state they are validated and trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UserProfile {
    /// Given name (SDP `first_name`).
    pub first_name: Option<String>,
    /// Family name (SDP `last_name`, InvGate `lastname`).
    pub last_name: Option<String>,
    /// Further email addresses (SDP `secondary_emailids`, InvGate `other-email`).
    pub secondary_emails: Vec<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Mobile phone number.
    pub mobile: Option<String>,
    /// Job title or position (Trudesk `title`, SDP `jobtitle`, InvGate `position`).
    pub title: Option<String>,
    /// Employee number (SDP `employee_id`, InvGate `employee_number`).
    pub employee_number: Option<String>,
    /// The person's department.
    pub department_id: Option<Ulid>,
    /// The person's reporting manager (SDP `reporting_to`, InvGate `manager_id`).
    pub manager_id: Option<Ulid>,
    /// The person's location.
    pub location_id: Option<Ulid>,
    /// The person's company.
    pub company_id: Option<Ulid>,
    /// Free description.
    pub description: Option<String>,
}

/// What the log knows about one API token: never the token or its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// Human label ("CI integration").
    pub label: String,
    /// Permissions granted to the token (HelpDeskZ per-resource permissions, e.g.
    /// `tickets.create`); empty means the owner's role grants.
    pub scopes: Vec<String>,
    /// When the token stops working, if ever.
    pub expires_at: Option<Timestamp>,
    /// When it was issued.
    pub issued_at: Timestamp,
}

/// A person, folded from their stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserState {
    /// Where the user stands in its life.
    pub lifecycle: Lifecycle,
    /// The user's id (the stream's ULID).
    pub id: Ulid,
    /// Requester or agent.
    pub kind: UserKind,
    /// Login name, if any (HelpDeskZ users have none).
    pub username: Option<String>,
    /// Primary email, if any.
    pub email: Option<String>,
    /// Display name.
    pub full_name: String,
    /// Descriptive fields.
    pub profile: UserProfile,
    /// The user's role.
    pub role_id: Ulid,
    /// False once disabled: a disabled user cannot log in or be given tokens.
    pub enabled: bool,
    /// Whether a password has been set (the hash is in the credential store).
    pub password_set: bool,
    /// Whether the next login must change the password.
    pub must_change_password: bool,
    /// Live API tokens by id.
    pub tokens: BTreeMap<Ulid, TokenInfo>,
    /// Whether a two-factor secret is set.
    pub two_factor: bool,
    /// When the user was created (`None` before creation).
    pub created_at: Option<Timestamp>,
}

/// Creates a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateUser {
    /// The new user's id (the stream's ULID).
    pub user_id: Ulid,
    /// Requester or agent.
    pub kind: UserKind,
    /// Login name; at least one of username and email is required.
    pub username: Option<String>,
    /// Primary email; at least one of username and email is required.
    pub email: Option<String>,
    /// Display name.
    pub full_name: String,
    /// Descriptive fields (raw input).
    pub profile: UserProfile,
    /// The user's role.
    pub role_id: Ulid,
    /// True when the edge writes a password hash in the same append.
    pub with_password: bool,
}

/// What can be asked of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserCommand {
    /// Create the user.
    Create(CreateUser),
    /// Replace the display name and descriptive fields.
    UpdateProfile {
        /// New display name.
        full_name: String,
        /// New descriptive fields (raw input).
        profile: UserProfile,
    },
    /// Change the login name.
    ChangeUsername {
        /// New username.
        username: String,
    },
    /// Change the primary email.
    ChangeEmail {
        /// New email.
        email: String,
    },
    /// Give the user another role.
    AssignRole {
        /// The role.
        role_id: Ulid,
    },
    /// Turn a requester into an agent or back, with the role that goes with the new kind.
    ChangeKind {
        /// The new kind.
        kind: UserKind,
        /// The role for the new kind.
        role_id: Ulid,
    },
    /// Allow the user to log in again.
    Enable,
    /// Stop the user from logging in.
    Disable,
    /// Record that the edge stores a new password hash.
    SetPassword {
        /// Whether the next login must change it.
        force_change: bool,
    },
    /// Record that the edge stores a new API token hash.
    IssueToken {
        /// The token's id (chosen by the edge).
        token_id: Ulid,
        /// Human label.
        label: String,
        /// Permissions of the token.
        scopes: Vec<String>,
        /// Expiry, if any; must be in the future.
        expires_at: Option<Timestamp>,
    },
    /// Record that the edge deletes a token hash.
    RevokeToken {
        /// The token.
        token_id: Ulid,
    },
    /// Record that the edge stores a two-factor secret.
    EnableTwoFactor,
    /// Record that the edge deletes the two-factor secret.
    DisableTwoFactor,
    /// Delete the user (soft: tickets keep referring to them). Revokes every credential.
    Delete,
}

/// Why a user command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    /// Validation or lifecycle refusal.
    #[error(transparent)]
    Common(#[from] CommonError),
    /// Neither a username nor an email was given.
    #[error("a user needs a username or an email")]
    NoIdentity,
    /// The user is disabled.
    #[error("the user is disabled")]
    Disabled,
    /// The token id is already used.
    #[error("token {token_id} already exists")]
    TokenExists {
        /// The token id.
        token_id: Ulid,
    },
    /// No live token has this id.
    #[error("no token {token_id}")]
    TokenNotFound {
        /// The token id.
        token_id: Ulid,
    },
    /// A token expiry that is not in the future.
    #[error("expires_at must be in the future")]
    ExpiryInPast,
    /// The command needs a password and none is set.
    #[error("the user has no password")]
    NoPassword,
}

/// A user was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCreated {
    /// The user's id.
    pub user_id: Ulid,
    /// Requester or agent.
    pub kind: UserKind,
    /// Login name.
    pub username: Option<String>,
    /// Primary email.
    pub email: Option<String>,
    /// Display name.
    pub full_name: String,
    /// Descriptive fields.
    pub profile: UserProfile,
    /// The role.
    pub role_id: Ulid,
    /// When.
    pub at: Timestamp,
}

/// The display name and descriptive fields were replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfileUpdated {
    /// New display name.
    pub full_name: String,
    /// New descriptive fields.
    pub profile: UserProfile,
}

/// A unique identity (username or email) changed; carries the old value to release it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityChanged {
    /// The value before, if any.
    pub old: Option<String>,
    /// The value after.
    pub new: String,
}

/// The user's role changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRoleAssigned {
    /// The new role.
    pub role_id: Ulid,
}

/// The user became an agent or a requester.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserKindChanged {
    /// The new kind.
    pub kind: UserKind,
    /// The role that goes with it.
    pub role_id: Ulid,
}

/// A password was set (its hash went to the credential store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordSet {
    /// Who set it.
    pub by: Actor,
    /// When.
    pub at: Timestamp,
    /// Whether the next login must change it.
    pub force_change: bool,
}

/// An API token was issued (its hash went to the credential store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenIssued {
    /// The token's id.
    pub token_id: Ulid,
    /// Human label.
    pub label: String,
    /// Permissions of the token.
    pub scopes: Vec<String>,
    /// Expiry, if any.
    pub expires_at: Option<Timestamp>,
    /// Who issued it.
    pub by: Actor,
    /// When.
    pub at: Timestamp,
}

/// An API token was revoked (its hash was deleted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRevoked {
    /// The token's id.
    pub token_id: Ulid,
    /// Who revoked it.
    pub by: Actor,
    /// When.
    pub at: Timestamp,
}

/// The user was deleted; carries the identities to release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDeleted {
    /// The username released.
    pub username: Option<String>,
    /// The email released.
    pub email: Option<String>,
    /// When.
    pub at: Timestamp,
}

event_enum! {
    /// Everything that can happen to a user.
    pub enum UserEvent {
        /// `user.created`
        Created(UserCreated) = "user.created",
        /// `user.profile_updated`
        ProfileUpdated(UserProfileUpdated) = "user.profile_updated",
        /// `user.username_changed`
        UsernameChanged(IdentityChanged) = "user.username_changed",
        /// `user.email_changed`
        EmailChanged(IdentityChanged) = "user.email_changed",
        /// `user.role_assigned`
        RoleAssigned(UserRoleAssigned) = "user.role_assigned",
        /// `user.kind_changed`: requester to agent or back.
        KindChanged(UserKindChanged) = "user.kind_changed",
        /// `user.enabled`
        Enabled(Stamp) = "user.enabled",
        /// `user.disabled`
        Disabled(Stamp) = "user.disabled",
        /// `user.password_set`
        PasswordSet(PasswordSet) = "user.password_set",
        /// `user.token_issued`
        TokenIssued(TokenIssued) = "user.token_issued",
        /// `user.token_revoked`
        TokenRevoked(TokenRevoked) = "user.token_revoked",
        /// `user.two_factor_enabled`
        TwoFactorEnabled(Stamp) = "user.two_factor_enabled",
        /// `user.two_factor_disabled`
        TwoFactorDisabled(Stamp) = "user.two_factor_disabled",
        /// `user.deleted`
        Deleted(UserDeleted) = "user.deleted",
    }
}

aggregate!(
    /// The user aggregate, for generic command handling.
    UserAggregate,
    UserState,
    UserCommand,
    UserEvent,
    UserError
);

/// Applies one user event. Never panics.
pub fn evolve(mut state: UserState, event: &UserEvent) -> UserState {
    match event {
        UserEvent::Created(e) => {
            state = UserState {
                lifecycle: Lifecycle::Active,
                id: e.user_id,
                kind: e.kind,
                username: e.username.clone(),
                email: e.email.clone(),
                full_name: e.full_name.clone(),
                profile: e.profile.clone(),
                role_id: e.role_id,
                enabled: true,
                created_at: Some(e.at),
                ..UserState::default()
            };
        }
        UserEvent::ProfileUpdated(e) => {
            state.full_name = e.full_name.clone();
            state.profile = e.profile.clone();
        }
        UserEvent::UsernameChanged(e) => state.username = Some(e.new.clone()),
        UserEvent::EmailChanged(e) => state.email = Some(e.new.clone()),
        UserEvent::RoleAssigned(e) => state.role_id = e.role_id,
        UserEvent::KindChanged(e) => {
            state.kind = e.kind;
            state.role_id = e.role_id;
        }
        UserEvent::Enabled(_) => state.enabled = true,
        UserEvent::Disabled(_) => state.enabled = false,
        UserEvent::PasswordSet(e) => {
            state.password_set = true;
            state.must_change_password = e.force_change;
        }
        UserEvent::TokenIssued(e) => {
            let info = TokenInfo {
                label: e.label.clone(),
                scopes: e.scopes.clone(),
                expires_at: e.expires_at,
                issued_at: e.at,
            };
            state.tokens.insert(e.token_id, info);
        }
        UserEvent::TokenRevoked(e) => {
            state.tokens.remove(&e.token_id);
        }
        UserEvent::TwoFactorEnabled(_) => state.two_factor = true,
        UserEvent::TwoFactorDisabled(_) => state.two_factor = false,
        UserEvent::Deleted(_) => {
            state.lifecycle = Lifecycle::Deleted;
            state.enabled = false;
            state.password_set = false;
            state.two_factor = false;
            state.tokens.clear();
        }
    }
    state
}

/// The unique values a user event takes or gives back.
pub fn claims(event: &UserEvent) -> Vec<UniqueClaim> {
    match event {
        UserEvent::Created(e) => {
            let username = e.username.as_deref().map(|u| claim(USERNAME_SCOPE, u));
            let email = e.email.as_deref().map(|m| claim(EMAIL_SCOPE, m));
            username.into_iter().chain(email).collect()
        }
        UserEvent::UsernameChanged(e) => {
            change_claims(USERNAME_SCOPE, e.old.as_deref(), Some(&e.new))
        }
        UserEvent::EmailChanged(e) => change_claims(EMAIL_SCOPE, e.old.as_deref(), Some(&e.new)),
        UserEvent::Deleted(e) => {
            let username = e.username.as_deref().map(|u| release(USERNAME_SCOPE, u));
            let email = e.email.as_deref().map(|m| release(EMAIL_SCOPE, m));
            username.into_iter().chain(email).collect()
        }
        _ => Vec::new(),
    }
}
