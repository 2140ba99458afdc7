//! First start: the built-in roles and the first admin.
//!
//! When no user is named `admin` yet, the server installs the four built-in roles (admin,
//! agent, requester, auditor) and creates `admin` with a password (from
//! `LEDGERDESK_ADMIN_PASSWORD`, or generated) and an API token, and prints what the operator
//! needs once: the generated password (never an env-supplied one) and the token. Only their
//! hashes are stored, in the credential store; the log records that they were set.

use ledgerdesk_core::aggregate::CommandContext;
use ledgerdesk_core::command::{CommandOptions, CommandService};
use ledgerdesk_core::directory::role::{BuiltInRole, RoleAggregate, RoleCommand};
use ledgerdesk_core::directory::user::{
    CreateUser, UserAggregate, UserCommand, UserKind, UserProfile, USERNAME_SCOPE,
};
use ledgerdesk_core::{
    Actor, CredentialWrite, EventStore, SledEventStore, StreamId, StreamKind, Timestamp,
};
use ulid::Ulid;

use super::credentials;
use crate::state::AppState;

/// What the first start created, for the operator (printed once, never logged).
pub struct FirstStart {
    /// The admin's password, when it was generated here.
    pub generated_password: Option<String>,
    /// The admin's API token.
    pub token: String,
}

/// Installs roles and the first admin if there is no `admin` yet.
pub async fn first_start(state: &AppState) -> anyhow::Result<Option<FirstStart>> {
    if state
        .store
        .claim_holder(USERNAME_SCOPE, "admin")
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let ctx = CommandContext {
        actor: Actor::System,
        now: Timestamp::now(),
    };
    let mut admin_role = None;
    for role in BuiltInRole::ALL {
        let role_id = Ulid::new();
        let options = CommandOptions {
            // A restart after an interrupted first start finds the roles it already made.
            idempotency_key: Some(format!("bootstrap:role:{}", role.name())),
            ..CommandOptions::default()
        };
        let done = state
            .commands
            .execute::<RoleAggregate>(
                StreamId::new(StreamKind::Role, role_id),
                &RoleCommand::InstallBuiltIn { role_id, role },
                &ctx,
                options,
            )
            .await
            .map_err(|e| anyhow::anyhow!("installing the {} role: {e}", role.name()))?;
        if role == BuiltInRole::Admin {
            admin_role = Some(done.stream.id);
        }
    }
    let admin_role =
        admin_role.ok_or_else(|| anyhow::anyhow!("the admin role was not installed"))?;

    let (password, generated) = match &state.config.admin_password {
        Some(p) => (p.clone(), false),
        None => (credentials::new_password(), true),
    };
    let hash = {
        let password = password.clone();
        tokio::task::spawn_blocking(move || credentials::hash_password(&password))
            .await?
            .map_err(|e| anyhow::anyhow!("hashing the admin password: {e}"))?
    };
    let user_id = Ulid::new();
    let stream = StreamId::new(StreamKind::User, user_id);
    let create = UserCommand::Create(CreateUser {
        user_id,
        kind: UserKind::Agent,
        username: Some("admin".to_owned()),
        email: None,
        full_name: "Administrator".to_owned(),
        profile: UserProfile::default(),
        role_id: admin_role,
        with_password: true,
    });
    let options = CommandOptions {
        credentials: vec![CredentialWrite {
            key: credentials::password_key(user_id),
            value: Some(hash.into_bytes()),
        }],
        ..CommandOptions::default()
    };
    state
        .commands
        .execute::<UserAggregate>(stream, &create, &ctx, options)
        .await
        .map_err(|e| anyhow::anyhow!("creating the admin: {e}"))?;
    let token = issue_token(&state.commands, stream, "first start", None, &ctx).await?;
    Ok(Some(FirstStart {
        generated_password: generated.then_some(password),
        token,
    }))
}

/// Issues a new API token for the user of `stream`: the event in the log, the hash in the
/// credential store, in one append. Returns the token (shown once, stored nowhere). Takes the
/// command service rather than the whole state so that tools and tests that open a data
/// directory offline issue tokens exactly as the server does.
pub async fn issue_token(
    commands: &CommandService<SledEventStore>,
    stream: StreamId,
    label: &str,
    expires_at: Option<Timestamp>,
    ctx: &CommandContext,
) -> anyhow::Result<String> {
    let token = credentials::new_token();
    let token_id = Ulid::new();
    let key = credentials::token_key(&token);
    let options = CommandOptions {
        credentials: vec![
            CredentialWrite {
                key: key.clone(),
                value: Some(credentials::token_value(stream.id, token_id)),
            },
            CredentialWrite {
                key: credentials::token_id_key(token_id),
                value: Some(key),
            },
        ],
        ..CommandOptions::default()
    };
    let command = UserCommand::IssueToken {
        token_id,
        label: label.to_owned(),
        scopes: Vec::new(),
        expires_at,
    };
    commands
        .execute::<UserAggregate>(stream, &command, ctx, options)
        .await
        .map_err(|e| anyhow::anyhow!("issuing a token: {e}"))?;
    Ok(token)
}
