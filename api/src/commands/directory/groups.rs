//! Groups: `POST /api/groups`, `PATCH /api/groups/{id}`, `POST /api/groups/{id}/members`,
//! `DELETE /api/groups/{id}/members/{user}` (admins).
//! Deleting a group: [`super::deletes`].

use std::collections::BTreeSet;

use actix_web::{delete, patch, post, web, HttpRequest, HttpResponse};
use ledgerdesk_core::directory::group::{GroupAggregate, GroupCommand, GroupSet};
use ledgerdesk_core::directory::LinkOp;
use ledgerdesk_core::{StreamId, StreamKind};
use serde::Deserialize;
use ulid::Ulid;

use super::{run, run_all, DirectoryResponses, ADMINS};
use crate::auth::Caller;
use crate::commands::parse_id;
use crate::commands::tickets::{user, CommandHeaders};
use crate::error::ApiError;
use crate::state::AppState;

/// A new group.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    /// Its name (unique).
    name: String,
    /// Whether requesters can see and pick it (default: no).
    #[serde(default)]
    public: bool,
    /// First members (user ids).
    #[serde(default)]
    members: Vec<String>,
}

/// Changes to a group; absent fields stay.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupPatch {
    /// A new name.
    name: Option<String>,
    /// Public or private.
    public: Option<bool>,
}

/// A member to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    /// The user (`user-ULID` or ULID).
    user_id: String,
}

fn stream(id: Ulid) -> StreamId {
    StreamId::new(StreamKind::Group, id)
}

/// Creates a group (admins). Members must be existing users.
#[utoipa::path(tag = "directory", request_body = NewGroup, security(("bearer" = [])),
    params(CommandHeaders), responses(DirectoryResponses))]
#[post("/groups")]
pub async fn create_group(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<NewGroup>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let input = body.into_inner();
    let mut members = BTreeSet::new();
    for m in &input.members {
        members.insert(user(&state, m, "members", false).await?);
    }
    let group_id = Ulid::new();
    let command = GroupCommand::Create {
        group_id,
        name: input.name,
        public: input.public,
        members,
        recipients: BTreeSet::new(),
    };
    let location = Some("/api/directory/groups");
    run::<GroupAggregate>(
        &state,
        &caller,
        &req,
        stream(group_id),
        command,
        location,
        None,
    )
    .await
}

/// Renames a group or changes its visibility (admins). A rename and a visibility change are
/// two commands (see [`super::run_all`]): the answer is the last one's.
#[utoipa::path(tag = "directory", request_body = GroupPatch, security(("bearer" = [])),
    params(("id" = String, Path, description = "`group-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[patch("/groups/{id}")]
pub async fn update_group(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<GroupPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let id = parse_id(&path, StreamKind::Group, "id")?;
    let input = body.into_inner();
    let mut commands = Vec::new();
    if let Some(name) = input.name {
        commands.push(GroupCommand::Rename { name });
    }
    if let Some(public) = input.public {
        commands.push(GroupCommand::SetPublic { public });
    }
    if commands.is_empty() {
        return Err(ApiError::invalid("nothing to change: give name or public"));
    }
    run_all::<GroupAggregate>(&state, &caller, &req, stream(id), commands).await
}

/// Adds a member (admins): 409 when already a member.
#[utoipa::path(tag = "directory", request_body = NewMember, security(("bearer" = [])),
    params(("id" = String, Path, description = "`group-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[post("/groups/{id}/members")]
pub async fn add_member(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewMember>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let id = parse_id(&path, StreamKind::Group, "id")?;
    let member = user(&state, &body.user_id, "user_id", false).await?;
    let command = GroupCommand::Link {
        set: GroupSet::Members,
        op: LinkOp::Add(member),
    };
    run::<GroupAggregate>(&state, &caller, &req, stream(id), command, None, None).await
}

/// Removes a member (admins): 409 when not a member.
#[utoipa::path(tag = "directory", security(("bearer" = [])),
    params(("id" = String, Path, description = "`group-ULID` or ULID"),
        ("user" = String, Path, description = "`user-ULID` or ULID"), CommandHeaders),
    responses(DirectoryResponses))]
#[delete("/groups/{id}/members/{user}")]
pub async fn remove_member(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ADMINS)?;
    let (group, member) = path.into_inner();
    let id = parse_id(&group, StreamKind::Group, "id")?;
    let member = parse_id(&member, StreamKind::User, "user")?;
    let command = GroupCommand::Link {
        set: GroupSet::Members,
        op: LinkOp::Remove(member),
    };
    run::<GroupAggregate>(&state, &caller, &req, stream(id), command, None, None).await
}
