//! The `directory` read model: the current state of every directory and catalogue entity
//! (users without secrets, roles, groups, departments, help desks, companies, locations,
//! priorities, ticket types, statuses, categories, catalogue items, custom fields,
//! calendars, settings, approval templates), by id and listed per kind in name order, with group membership
//! both ways.
//!
//! **Events consumed**: every event of those stream kinds (KB articles, breaking news and
//! notices have their own models, [`crate::kb`] and [`crate::news`]). Each is decoded by its
//! domain enum, turned into JSON and folded by the rules of [`entry`].
//!
//! **Keys**: `e<kind><id>` → [`Entry`]; `n<kind><normalised name>\0<id>` for each entity not
//! deleted (the listing order); `m<user><group>` while the user is a member of the group.
//! An event touches its entity's key, at most two name keys and the membership keys of the
//! members it changes.
//!
//! **Queries** ([`get`], [`list`], [`groups_of`], [`members_of`]) read a
//! [`crate::ProjectionView`] only; callers report its position. Bump [`VERSION`] when a rule
//! of [`entry`] or a key changes.

pub mod entry;
#[cfg(test)]
mod tests;

pub use entry::Entry;

use std::collections::BTreeSet;

use ledgerdesk_core::directory::{
    approval_template::TemplateEvent, calendar::CalendarEvent, catalogue_item::ItemEvent,
    category::CategoryEvent, company::CompanyEvent, custom_field::CustomFieldEvent,
    department::DepartmentEvent, group::GroupEvent, helpdesk::HelpDeskEvent,
    location::LocationEvent, priority::PriorityEvent, role::RoleEvent, setting::SettingEvent,
    status::StatusEvent, ticket_type::TicketTypeEvent, user::UserEvent,
};
use ledgerdesk_core::{DomainEvent, RecordedEvent, StreamKind};
use serde::Serialize;
use serde_json::Value;
use ulid::Ulid;

use crate::kv::{decode_value, load, save};
use crate::{Changes, Projection, ProjectionError, ProjectionView};

/// The projection's name.
pub const NAME: &str = "directory";
/// The projection's version.
pub const VERSION: u32 = 5;
/// The largest page [`list`] answers.
pub const MAX_LIMIT: usize = 500;

/// The directory read model.
#[derive(Debug, Clone, Copy, Default)]
pub struct DirectoryProjection;

/// Whether the directory model keeps entities of `kind`.
pub fn is_directory_kind(kind: StreamKind) -> bool {
    !matches!(
        kind,
        StreamKind::Ticket
            | StreamKind::KbArticle
            | StreamKind::BreakingNews
            | StreamKind::Notice
            | StreamKind::System
    )
}

/// Decodes a recorded event by its domain enum and answers its payload as JSON.
pub(crate) fn payload_json<E: DomainEvent + Serialize>(
    record: &RecordedEvent,
) -> Result<Value, ProjectionError> {
    let bad = |detail: String| ProjectionError::Decode {
        position: record.position,
        detail,
    };
    let event = E::from_recorded(record).map_err(|e| bad(e.to_string()))?;
    // Event enums are externally tagged: `{"Variant": payload}`.
    match serde_json::to_value(&event).map_err(|e| bad(e.to_string()))? {
        Value::Object(m) if m.len() == 1 => {
            Ok(m.into_iter().next().map(|(_, v)| v).unwrap_or_default())
        }
        other => Ok(other),
    }
}

fn directory_payload(record: &RecordedEvent) -> Result<Option<Value>, ProjectionError> {
    use StreamKind as K;
    Ok(Some(match record.stream.kind {
        K::User => payload_json::<UserEvent>(record)?,
        K::Role => payload_json::<RoleEvent>(record)?,
        K::Group => payload_json::<GroupEvent>(record)?,
        K::Department => payload_json::<DepartmentEvent>(record)?,
        K::HelpDesk => payload_json::<HelpDeskEvent>(record)?,
        K::Company => payload_json::<CompanyEvent>(record)?,
        K::Location => payload_json::<LocationEvent>(record)?,
        K::Priority => payload_json::<PriorityEvent>(record)?,
        K::TicketType => payload_json::<TicketTypeEvent>(record)?,
        K::Status => payload_json::<StatusEvent>(record)?,
        K::Category | K::KbCategory => payload_json::<CategoryEvent>(record)?,
        K::Source | K::Urgency | K::Impact | K::ClosureCode | K::Tag | K::TimeCategory => {
            payload_json::<ItemEvent>(record)?
        }
        K::CustomField => payload_json::<CustomFieldEvent>(record)?,
        K::Calendar => payload_json::<CalendarEvent>(record)?,
        K::Setting => payload_json::<SettingEvent>(record)?,
        K::ApprovalTemplate => payload_json::<TemplateEvent>(record)?,
        _ => return Ok(None),
    }))
}

fn entity_key(kind: StreamKind, id: Ulid) -> Vec<u8> {
    let mut k = vec![b'e', kind.code()];
    k.extend_from_slice(&id.to_bytes());
    k
}

fn name_prefix(kind: StreamKind) -> Vec<u8> {
    vec![b'n', kind.code()]
}

fn name_key(kind: StreamKind, name: &str, id: Ulid) -> Vec<u8> {
    let mut k = name_prefix(kind);
    k.extend_from_slice(name.trim().to_lowercase().as_bytes());
    k.push(0);
    k.extend_from_slice(&id.to_bytes());
    k
}

fn member_key(user: Ulid, group: Ulid) -> Vec<u8> {
    let mut k = vec![b'm'];
    k.extend_from_slice(&user.to_bytes());
    k.extend_from_slice(&group.to_bytes());
    k
}

impl Projection for DirectoryProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn apply(
        &self,
        changes: &mut Changes<'_>,
        record: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        let kind = record.stream.kind;
        if !is_directory_kind(kind) {
            return Ok(());
        }
        let Some(payload) = directory_payload(record)? else {
            return Ok(());
        };
        let id = record.stream.id;
        let key = entity_key(kind, id);
        let before: Option<Entry> = load(changes, &key)?;
        let mut after = before
            .clone()
            .unwrap_or_else(|| Entry::new(kind.as_str(), id, record.recorded_at.0));
        let verb = record
            .event_type
            .split_once('.')
            .map_or(record.event_type.as_str(), |(_, v)| v);
        if verb == "deleted" {
            if let Some(new) = replacement_in(&payload) {
                if let Some(link) = profile_link(kind) {
                    move_users(changes, link, id, new)?;
                }
                if kind == StreamKind::Calendar {
                    move_priorities(changes, id, new)?;
                }
            }
        }
        entry::fold(
            &mut after,
            verb,
            payload,
            record.recorded_at.0,
            record.version,
        );
        let listed = |e: &Option<&Entry>| {
            e.filter(|e| !e.deleted)
                .map(|e| name_key(kind, &e.name, id))
        };
        let (old_name, new_name) = (listed(&before.as_ref()), listed(&Some(&after)));
        if old_name != new_name {
            if let Some(k) = old_name {
                changes.remove(&k);
            }
            if let Some(k) = new_name {
                changes.insert(&k, Vec::new());
            }
        }
        if kind == StreamKind::Group {
            let members = |e: Option<&Entry>| -> BTreeSet<Ulid> {
                e.filter(|e| !e.deleted)
                    .map(|e| e.set("members"))
                    .unwrap_or_default()
            };
            let (old, new) = (members(before.as_ref()), members(Some(&after)));
            for gone in old.difference(&new) {
                changes.remove(&member_key(*gone, id));
            }
            for came in new.difference(&old) {
                changes.insert(&member_key(*came, id), Vec::new());
            }
        }
        save(changes, &key, &after)
    }
}

/// The user-profile link that refers to entities of `kind` (users move off a deleted one).
fn profile_link(kind: StreamKind) -> Option<&'static str> {
    match kind {
        StreamKind::Company => Some("company_id"),
        StreamKind::Location => Some("location_id"),
        StreamKind::Department => Some("department_id"),
        _ => None,
    }
}

/// The replacement a delete names: `replacement_id`, or `removed.replacement_id` for deletes
/// that nest it (locations).
fn replacement_in(payload: &Value) -> Option<Ulid> {
    payload
        .get("replacement_id")
        .or_else(|| payload.get("removed")?.get("replacement_id"))
        .and_then(Value::as_str)
        .and_then(|s| Ulid::from_string(s).ok())
}

/// The users whose profile link `link` is `old`, moved to `new` (the delete's replacement, in
/// the delete's chunk). One scan of the user entries: deletes with a replacement are rare
/// admin acts, and the scan keeps the model free of per-link secondary keys.
fn move_users(
    changes: &mut Changes<'_>,
    link: &str,
    old: Ulid,
    new: Ulid,
) -> Result<(), ProjectionError> {
    let old = Value::String(old.to_string());
    for key in changes.keys_with_prefix(&[b'e', StreamKind::User.code()])? {
        let Some(mut user) = load::<Entry>(changes, &key)? else {
            continue;
        };
        let Some(Value::Object(mut profile)) = user.attribute("profile") else {
            continue;
        };
        if profile.get(link) != Some(&old) {
            continue;
        }
        profile.insert(link.to_owned(), Value::String(new.to_string()));
        user.attributes
            .insert("profile".to_owned(), Value::Object(profile).to_string());
        save(changes, &key, &user)?;
    }
    Ok(())
}

/// The priorities whose SLA counts in calendar `old`, moved to `new` (the delete's
/// replacement), as the sla model moves them. One scan of the priorities.
fn move_priorities(changes: &mut Changes<'_>, old: Ulid, new: Ulid) -> Result<(), ProjectionError> {
    let old = Value::String(old.to_string());
    for key in changes.keys_with_prefix(&[b'e', StreamKind::Priority.code()])? {
        let Some(mut priority) = load::<Entry>(changes, &key)? else {
            continue;
        };
        let Some(Value::Object(mut sla)) = priority.attribute("sla") else {
            continue;
        };
        if sla.get("calendar_id") != Some(&old) {
            continue;
        }
        sla.insert("calendar_id".to_owned(), Value::String(new.to_string()));
        priority
            .attributes
            .insert("sla".to_owned(), Value::Object(sla).to_string());
        save(changes, &key, &priority)?;
    }
    Ok(())
}

/// The users whose profile link (`company_id`, `location_id`, `department_id` or
/// `manager_id`) is `id`: how many refer to an entity a delete would remove. Directory-sized:
/// one scan of the user entries.
pub fn users_linked(view: &ProjectionView, link: &str, id: Ulid) -> Result<u64, ProjectionError> {
    let id = Value::String(id.to_string());
    let mut count = 0u64;
    for item in view.scan(&[b'e', StreamKind::User.code()], None, false) {
        let (_, value) = item?;
        let user: Entry = decode_value(&value)?;
        if user.deleted {
            continue;
        }
        if let Some(Value::Object(profile)) = user.attribute("profile") {
            if profile.get(link) == Some(&id) {
                count += 1;
            }
        }
    }
    Ok(count)
}

/// The link `link` of a user entry's profile (`company_id`, `location_id`...), if set.
pub fn user_link(user: &Entry, link: &str) -> Option<Ulid> {
    match user.attribute("profile")? {
        Value::Object(profile) => profile
            .get(link)?
            .as_str()
            .and_then(|s| Ulid::from_string(s).ok()),
        _ => None,
    }
}

/// The entity `id` of `kind`, deleted or not.
pub fn get(
    view: &ProjectionView,
    kind: StreamKind,
    id: Ulid,
) -> Result<Option<Entry>, ProjectionError> {
    view.get(&entity_key(kind, id))?
        .map(|v| decode_value(&v))
        .transpose()
}

/// A page of [`list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The entities, in name order.
    pub items: Vec<Entry>,
    /// Pass as `after` for the next page; none on the last one.
    pub next: Option<String>,
}

/// Why a list cannot be answered.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// The cursor is not one this model gave.
    #[error("the cursor is not valid")]
    InvalidCursor,
    /// The page size is out of range.
    #[error("limit must be between 1 and {MAX_LIMIT}")]
    Limit,
    /// Reading the model failed.
    #[error(transparent)]
    Projection(#[from] ProjectionError),
}

/// The entities of `kind` that are not deleted, in name order (case-insensitive, then id),
/// `limit` at a time from the opaque cursor `after`.
pub fn list(
    view: &ProjectionView,
    kind: StreamKind,
    after: Option<&str>,
    limit: usize,
) -> Result<Page, ListError> {
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ListError::Limit);
    }
    let prefix = name_prefix(kind);
    let after = after
        .map(|c| hex::decode(c).map_err(|_| ListError::InvalidCursor))
        .transpose()?;
    if after.as_ref().is_some_and(|a| !a.starts_with(&prefix)) {
        return Err(ListError::InvalidCursor);
    }
    let mut items = Vec::new();
    let mut last = None;
    let mut more = false;
    for item in view.scan(&prefix, after.as_deref(), false) {
        let (k, _) = item?;
        if items.len() == limit {
            more = true;
            break;
        }
        let id_bytes: [u8; 16] = k[k.len().saturating_sub(16)..]
            .try_into()
            .map_err(|_| ProjectionError::Inconsistent("short name key".into()))?;
        let id = Ulid::from_bytes(id_bytes);
        let entry = get(view, kind, id)?
            .ok_or_else(|| ProjectionError::Inconsistent(format!("{id} listed but absent")))?;
        items.push(entry);
        last = Some(k);
    }
    Ok(Page {
        items,
        next: more.then(|| last.map(hex::encode)).flatten(),
    })
}

/// The groups `user` is a member of (not deleted), in id order.
pub fn groups_of(view: &ProjectionView, user: Ulid) -> Result<Vec<Entry>, ProjectionError> {
    let mut prefix = vec![b'm'];
    prefix.extend_from_slice(&user.to_bytes());
    let mut out = Vec::new();
    for item in view.scan(&prefix, None, false) {
        let (k, _) = item?;
        let bytes: [u8; 16] = k[17..]
            .try_into()
            .map_err(|_| ProjectionError::Inconsistent("bad member key".into()))?;
        if let Some(group) = get(view, StreamKind::Group, Ulid::from_bytes(bytes))? {
            out.push(group);
        }
    }
    Ok(out)
}

/// The members of `group` as user entries (users unknown to the model are left out).
pub fn members_of(view: &ProjectionView, group: &Entry) -> Result<Vec<Entry>, ProjectionError> {
    let mut out = Vec::new();
    for id in group.set("members") {
        if let Some(user) = get(view, StreamKind::User, id)? {
            out.push(user);
        }
    }
    Ok(out)
}
