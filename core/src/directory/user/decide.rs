//! `decide` for users, and the validation of their input.

use ulid::Ulid;

use super::{
    CreateUser, IdentityChanged, PasswordSet, TokenIssued, TokenRevoked, UserCommand, UserCreated,
    UserDeleted, UserError, UserEvent, UserKindChanged, UserProfile, UserProfileUpdated,
    UserRoleAssigned, UserState,
};
use crate::directory::role::Grant;
use crate::directory::values::{optional, required, Email, Username, LONG_MAX, SHORT_MAX};
use crate::directory::{CommandContext, CommonError, Stamp};

/// Decides the events of a user command, or refuses it.
pub fn decide(
    state: &UserState,
    command: &UserCommand,
    ctx: &CommandContext,
) -> Result<Vec<UserEvent>, UserError> {
    if let UserCommand::Create(create) = command {
        state.lifecycle.require_new()?;
        return create_user(create, ctx);
    }
    state.lifecycle.require_active()?;
    let stamp = Stamp::of(ctx);
    let events = match command {
        UserCommand::Create(_) => return Err(CommonError::AlreadyExists.into()),
        UserCommand::UpdateProfile { full_name, profile } => {
            let full_name = required("full_name", full_name, SHORT_MAX)?;
            let profile = parse_profile(profile, state.id)?;
            if full_name == state.full_name && profile == state.profile {
                return Ok(Vec::new());
            }
            vec![UserEvent::ProfileUpdated(UserProfileUpdated {
                full_name,
                profile,
            })]
        }
        UserCommand::ChangeUsername { username } => {
            let new = Username::parse("username", username)?.into_inner();
            if state.username.as_deref() == Some(new.as_str()) {
                return Ok(Vec::new());
            }
            let old = state.username.clone();
            vec![UserEvent::UsernameChanged(IdentityChanged { old, new })]
        }
        UserCommand::ChangeEmail { email } => {
            let new = Email::parse("email", email)?.into_inner();
            if state.email.as_deref() == Some(new.as_str()) {
                return Ok(Vec::new());
            }
            let old = state.email.clone();
            vec![UserEvent::EmailChanged(IdentityChanged { old, new })]
        }
        UserCommand::AssignRole { role_id } if *role_id == state.role_id => Vec::new(),
        UserCommand::AssignRole { role_id } => {
            vec![UserEvent::RoleAssigned(UserRoleAssigned {
                role_id: *role_id,
            })]
        }
        UserCommand::ChangeKind { kind, role_id } => {
            if *kind == state.kind && *role_id == state.role_id {
                return Ok(Vec::new());
            }
            vec![UserEvent::KindChanged(UserKindChanged {
                kind: *kind,
                role_id: *role_id,
            })]
        }
        UserCommand::Enable if state.enabled => Vec::new(),
        UserCommand::Enable => vec![UserEvent::Enabled(stamp)],
        UserCommand::Disable if !state.enabled => Vec::new(),
        UserCommand::Disable => vec![UserEvent::Disabled(stamp)],
        UserCommand::SetPassword { force_change } => vec![UserEvent::PasswordSet(PasswordSet {
            by: stamp.by,
            at: stamp.at,
            force_change: *force_change,
        })],
        UserCommand::IssueToken {
            token_id,
            label,
            scopes,
            expires_at,
        } => vec![issue_token(
            state,
            ctx,
            *token_id,
            label,
            scopes,
            *expires_at,
        )?],
        UserCommand::RevokeToken { token_id } => {
            if !state.tokens.contains_key(token_id) {
                return Err(UserError::TokenNotFound {
                    token_id: *token_id,
                });
            }
            vec![UserEvent::TokenRevoked(TokenRevoked {
                token_id: *token_id,
                by: stamp.by,
                at: stamp.at,
            })]
        }
        UserCommand::EnableTwoFactor if state.two_factor => Vec::new(),
        UserCommand::EnableTwoFactor if !state.password_set => return Err(UserError::NoPassword),
        UserCommand::EnableTwoFactor => vec![UserEvent::TwoFactorEnabled(stamp)],
        UserCommand::DisableTwoFactor if !state.two_factor => Vec::new(),
        UserCommand::DisableTwoFactor => vec![UserEvent::TwoFactorDisabled(stamp)],
        UserCommand::Delete => vec![UserEvent::Deleted(UserDeleted {
            username: state.username.clone(),
            email: state.email.clone(),
            at: ctx.now,
        })],
    };
    Ok(events)
}

fn create_user(create: &CreateUser, ctx: &CommandContext) -> Result<Vec<UserEvent>, UserError> {
    let username = create
        .username
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .map(|u| Username::parse("username", u).map(Username::into_inner))
        .transpose()?;
    let email = create
        .email
        .as_deref()
        .filter(|m| !m.trim().is_empty())
        .map(|m| Email::parse("email", m).map(Email::into_inner))
        .transpose()?;
    if username.is_none() && email.is_none() {
        return Err(UserError::NoIdentity);
    }
    let created = UserCreated {
        user_id: create.user_id,
        kind: create.kind,
        username,
        email,
        full_name: required("full_name", &create.full_name, SHORT_MAX)?,
        profile: parse_profile(&create.profile, create.user_id)?,
        role_id: create.role_id,
        at: ctx.now,
    };
    let mut events = vec![UserEvent::Created(created)];
    if create.with_password {
        events.push(UserEvent::PasswordSet(PasswordSet {
            by: ctx.actor,
            at: ctx.now,
            force_change: false,
        }));
    }
    Ok(events)
}

fn issue_token(
    state: &UserState,
    ctx: &CommandContext,
    token_id: Ulid,
    label: &str,
    scopes: &[String],
    expires_at: Option<crate::ids::Timestamp>,
) -> Result<UserEvent, UserError> {
    if !state.enabled {
        return Err(UserError::Disabled);
    }
    if state.tokens.contains_key(&token_id) {
        return Err(UserError::TokenExists { token_id });
    }
    if expires_at.is_some_and(|t| t <= ctx.now) {
        return Err(UserError::ExpiryInPast);
    }
    let scopes = scopes
        .iter()
        .map(|s| Grant::parse("scopes", s).map(Grant::into_inner))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(UserEvent::TokenIssued(TokenIssued {
        token_id,
        label: required("label", label, SHORT_MAX)?,
        scopes,
        expires_at,
        by: ctx.actor,
        at: ctx.now,
    }))
}

/// Validates raw profile input: trims, drops empty values, bounds lengths, checks secondary
/// emails, and refuses a user who manages themselves.
pub(super) fn parse_profile(raw: &UserProfile, self_id: Ulid) -> Result<UserProfile, CommonError> {
    if raw.manager_id == Some(self_id) {
        return Err(CommonError::SelfReference {
            field: "manager_id",
        });
    }
    let short = |field, value: &Option<String>| optional(field, value.as_deref(), SHORT_MAX);
    let mut secondary_emails = Vec::new();
    for email in raw.secondary_emails.iter().filter(|e| !e.trim().is_empty()) {
        let email = Email::parse("secondary_emails", email)?.into_inner();
        if !secondary_emails.contains(&email) {
            secondary_emails.push(email);
        }
    }
    Ok(UserProfile {
        first_name: short("first_name", &raw.first_name)?,
        last_name: short("last_name", &raw.last_name)?,
        secondary_emails,
        phone: short("phone", &raw.phone)?,
        mobile: short("mobile", &raw.mobile)?,
        title: short("title", &raw.title)?,
        employee_number: short("employee_number", &raw.employee_number)?,
        department_id: raw.department_id,
        manager_id: raw.manager_id,
        location_id: raw.location_id,
        company_id: raw.company_id,
        description: optional("description", raw.description.as_deref(), LONG_MAX)?,
    })
}
