//! One directory entity as the read model keeps it, and the fold of one event into it.
//!
//! The directory has some twenty aggregates and over a hundred event types; rather than a
//! hand-written struct per family, every entity is an [`Entry`] whose shape follows the
//! event payloads (as JSON, the same decoding the log API uses), by a few rules on the event
//! type's verb (the part after the dot):
//!
//! - `created` / `defined`: the payload's fields become attributes (`name` or `full_name`
//!   becomes the entry's name; the entity's own id and the time are dropped; arrays of ids
//!   such as `members` or `priority_ids` become sets: `members`, `priorities`; lists of
//!   objects such as `options` or `holidays` become the collections below; empty lists
//!   are left out);
//! - `renamed`: the name (also when nested as `renamed.name`, as a location's is); `deleted` / `removed`: the entry is marked deleted;
//! - `moved`: the new `parent_id` (also when nested as `moved.parent_id`, as a location's is;
//!   the old parent is not kept);
//! - `<x>_added` / `<x>_removed` with one id (`user_id`, `group_id`, `priority_id`): the set
//!   `<x>s`; with a level (`level_id` and `user_id`): the set `level/<level>/<x>s`;
//!   other payloads (levels, options, holidays): the collection `<x>s`, keyed by `<x>_id`
//!   (or `date`), and `<x>_renamed` / `<x>_relabelled` merge into that item;
//! - `<x>_changed` with `{old, new}`: attribute `<x>` takes `new`;
//! - `enabled` / `disabled`, `two_factor_enabled` / `_disabled`: booleans `enabled`,
//!   `two_factor`; `password_set`: `password_set_at` and `must_change_password`;
//!   token events are not kept (the token list is the owner's business, not the directory's);
//! - anything else: the payload's fields are merged into the attributes.
//!
//! No event carries a secret (credentials live beside the log), so no entry holds one.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ulid::Ulid;

/// A directory or catalogue entity, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The stream kind (`group`, `priority`, `source`...).
    pub kind: String,
    /// The entity's id.
    pub id: Ulid,
    /// Its display name (users: the full name).
    pub name: String,
    /// Whether it was deleted (kept for references and history).
    pub deleted: bool,
    /// Every other field, as JSON text by field name.
    pub attributes: BTreeMap<String, String>,
    /// Sets of ids (members, observers, recipients, groups, priorities...).
    pub sets: BTreeMap<String, BTreeSet<Ulid>>,
    /// Keyed sub-items (levels, options, holidays), as JSON text by key.
    pub items: BTreeMap<String, BTreeMap<String, String>>,
    /// `recorded_at` of the first event (microseconds).
    pub created_at: i64,
    /// `recorded_at` of the latest event (microseconds).
    pub updated_at: i64,
    /// The stream version of the latest event (what `If-Match` wants).
    pub version: u64,
}

impl Entry {
    /// A fresh entry before its first event.
    pub fn new(kind: &str, id: Ulid, at: i64) -> Entry {
        Entry {
            kind: kind.to_owned(),
            id,
            name: String::new(),
            deleted: false,
            attributes: BTreeMap::new(),
            sets: BTreeMap::new(),
            items: BTreeMap::new(),
            created_at: at,
            updated_at: at,
            version: 0,
        }
    }

    /// The attribute `key` parsed back to JSON.
    pub fn attribute(&self, key: &str) -> Option<Value> {
        self.attributes
            .get(key)
            .and_then(|v| serde_json::from_str(v).ok())
    }

    /// The set `name` (empty when absent).
    pub fn set(&self, name: &str) -> BTreeSet<Ulid> {
        self.sets.get(name).cloned().unwrap_or_default()
    }
}

/// The set a link stem names: `member` → `members`, `priority` → `priorities`.
fn set_name(stem: &str) -> String {
    match stem.strip_suffix('y') {
        Some(s) => format!("{s}ies"),
        None => format!("{stem}s"),
    }
}

fn text(v: &Value) -> String {
    v.to_string()
}

fn as_ids(v: &Value) -> Option<BTreeSet<Ulid>> {
    v.as_array()?
        .iter()
        .map(|x| x.as_str().and_then(|s| Ulid::from_string(s).ok()))
        .collect()
}

fn take_fields(entry: &mut Entry, fields: Map<String, Value>, creating: bool) {
    let own = entry.id.to_string();
    for (k, v) in fields {
        if k == "at" || k == "by" || k == "old_name" || v.as_str() == Some(own.as_str()) {
            continue;
        }
        if k == "name" || (k == "full_name" && entry.kind == "user") {
            if let Some(name) = v.as_str() {
                entry.name = name.to_owned();
                continue;
            }
        }
        if creating && v.as_array().is_some_and(|a| a.is_empty()) {
            // An empty list at creation is the same as none (sets and lists start empty).
            continue;
        }
        if creating {
            if let Some(items) = creation_items(&k, &v) {
                entry.items.insert(k, items);
                continue;
            }
            if let Some(ids) = as_ids(&v) {
                let name = match k.strip_suffix("_ids") {
                    Some(stem) => set_name(stem),
                    None => k,
                };
                entry.sets.insert(name, ids);
                continue;
            }
        }
        entry.attributes.insert(k, text(&v));
    }
}

/// A list of objects at creation (options, holidays, levels) as the keyed collection their
/// later `_added` / `_removed` events maintain.
fn creation_items(key: &str, v: &Value) -> Option<BTreeMap<String, String>> {
    let list = v.as_array()?;
    let stem = key
        .strip_suffix("ies")
        .map(|s| format!("{s}y"))
        .or_else(|| key.strip_suffix('s').map(str::to_owned))?;
    list.iter()
        .map(|item| {
            let fields = item.as_object()?;
            Some((item_key(&stem, fields), text(item)))
        })
        .collect()
}

/// The single id field of a link payload, with its value.
fn link_id(fields: &Map<String, Value>) -> Option<Ulid> {
    let ids: Vec<Ulid> = fields
        .iter()
        .filter(|(k, _)| k.ends_with("_id") && k.as_str() != "level_id")
        .filter_map(|(_, v)| v.as_str().and_then(|s| Ulid::from_string(s).ok()))
        .collect();
    let only_ids = fields.keys().all(|k| k.ends_with("_id"));
    (only_ids && ids.len() == 1).then(|| ids[0])
}

fn item_key(stem: &str, fields: &Map<String, Value>) -> String {
    fields
        .get(&format!("{stem}_id"))
        .or_else(|| fields.get("date"))
        .map(text)
        .unwrap_or_else(|| text(&Value::Object(fields.clone())))
}

/// Folds one event (its type's verb and its payload as JSON) into `entry`.
pub fn fold(entry: &mut Entry, verb: &str, payload: Value, at: i64, version: u64) {
    entry.updated_at = at;
    entry.version = version;
    let fields = match payload {
        Value::Object(m) => m,
        other => {
            entry.attributes.insert(verb.to_owned(), text(&other));
            return;
        }
    };
    let flag = |entry: &mut Entry, key: &str, on: bool| {
        entry.attributes.insert(key.to_owned(), on.to_string());
    };
    match verb {
        "created" | "defined" => {
            entry.created_at = at;
            entry.deleted = false;
            take_fields(entry, fields, true);
        }
        "renamed" => {
            // A location's rename nests the rename beside the parent that scopes its name.
            let fields = match fields.get("renamed") {
                Some(Value::Object(inner)) if !fields.contains_key("name") => inner.clone(),
                _ => fields,
            };
            take_fields(entry, fields, false)
        }
        "deleted" | "removed" => entry.deleted = true,
        "moved" => {
            // A location's move nests the move beside the name it claims again; the parent
            // before is history, not state.
            let mut fields = match fields.get("moved") {
                Some(Value::Object(inner)) => inner.clone(),
                _ => fields,
            };
            fields.remove("old_parent_id");
            take_fields(entry, fields, false)
        }
        "enabled" => flag(entry, "enabled", true),
        "disabled" => flag(entry, "enabled", false),
        "two_factor_enabled" => flag(entry, "two_factor", true),
        "two_factor_disabled" => flag(entry, "two_factor", false),
        "password_set" => {
            if let Some(at) = fields.get("at") {
                entry.attributes.insert("password_set_at".into(), text(at));
            }
            if let Some(force) = fields.get("force_change") {
                entry
                    .attributes
                    .insert("must_change_password".into(), text(force));
            }
        }
        "token_issued" | "token_revoked" => {}
        _ => fold_other(entry, verb, fields),
    }
}

fn fold_other(entry: &mut Entry, verb: &str, fields: Map<String, Value>) {
    let added = verb.strip_suffix("_added");
    let removed = verb.strip_suffix("_removed");
    if let Some(stem) = added.or(removed) {
        let is_add = added.is_some();
        let collection = set_name(stem);
        let link = link_id(&fields).filter(|_| !entry.items.contains_key(&collection));
        if let Some(id) = link {
            let name = match (stem.strip_prefix("level_"), fields.get("level_id")) {
                (Some(sub), Some(level)) => {
                    format!(
                        "level/{}/{}",
                        level.as_str().unwrap_or_default(),
                        set_name(sub)
                    )
                }
                _ => set_name(stem),
            };
            let set = entry.sets.entry(name.clone()).or_default();
            if is_add {
                set.insert(id);
            } else {
                set.remove(&id);
                if set.is_empty() {
                    entry.sets.remove(&name);
                }
            }
            return;
        }
        let key = item_key(stem, &fields);
        let items = entry.items.entry(collection.clone()).or_default();
        if is_add {
            items.insert(key, text(&Value::Object(fields)));
        } else {
            items.remove(&key);
            if items.is_empty() {
                entry.items.remove(&collection);
            }
        }
        return;
    }
    let renamed = verb
        .strip_suffix("_renamed")
        .or_else(|| verb.strip_suffix("_relabelled"));
    if let Some(stem) = renamed {
        let key = item_key(stem, &fields);
        if let Some(item) = entry
            .items
            .get_mut(&set_name(stem))
            .and_then(|items| items.get_mut(&key))
        {
            let mut merged: Map<String, Value> = serde_json::from_str(item).unwrap_or_default();
            merged.extend(fields);
            *item = text(&Value::Object(merged));
        }
        return;
    }
    if let (Some(stem), Some(new)) = (verb.strip_suffix("_changed"), fields.get("new")) {
        if fields.contains_key("old") {
            entry.attributes.insert(stem.to_owned(), text(new));
            return;
        }
    }
    take_fields(entry, fields, false);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules_by_verb() {
        let g = Ulid(7);
        let u = Ulid(8);
        let mut e = Entry::new("group", g, 1);
        let created = json!({"group_id": g.to_string(), "name": "Ops", "public": true,
            "members": [u.to_string()], "recipients": [], "at": 1});
        fold(&mut e, "created", created, 1, 1);
        assert_eq!(e.name, "Ops");
        assert_eq!(e.attribute("public"), Some(json!(true)));
        assert_eq!(e.set("members"), [u].into());
        assert!(!e.attributes.contains_key("group_id"));
        assert!(!e.attributes.contains_key("recipients") && !e.sets.contains_key("recipients"));
        fold(
            &mut e,
            "renamed",
            json!({"old_name": "Ops", "name": "Run"}),
            2,
            2,
        );
        assert_eq!(e.name, "Run");
        assert!(!e.attributes.contains_key("old_name"));
        fold(
            &mut e,
            "observer_added",
            json!({"user_id": u.to_string()}),
            3,
            3,
        );
        fold(
            &mut e,
            "member_removed",
            json!({"user_id": u.to_string()}),
            4,
            4,
        );
        assert_eq!(e.set("observers"), [u].into());
        assert!(e.set("members").is_empty());
        fold(
            &mut e,
            "deleted",
            json!({"name": "Run", "replacement_id": null, "at": 5}),
            5,
            5,
        );
        assert!(e.deleted);
        assert_eq!((e.created_at, e.updated_at, e.version), (1, 5, 5));
    }

    #[test]
    fn a_nested_rename_renames() {
        let l = Ulid(4);
        let mut e = Entry::new("location", l, 0);
        fold(
            &mut e,
            "created",
            json!({"location_id": l.to_string(), "name": "Paris"}),
            1,
            1,
        );
        let renamed = json!({"parent_id": null, "renamed": {"name": "Lyon", "old_name": "Paris"}});
        fold(&mut e, "renamed", renamed, 2, 2);
        assert_eq!(e.name, "Lyon");
        assert!(!e.attributes.contains_key("renamed"), "{:?}", e.attributes);
    }

    #[test]
    fn changes_levels_and_flags() {
        let d = Ulid(1);
        let level = Ulid(2);
        let u = Ulid(3);
        let mut e = Entry::new("helpdesk", d, 0);
        fold(
            &mut e,
            "status_changed",
            json!({"old": "Active", "new": "Inactive"}),
            1,
            1,
        );
        assert_eq!(e.attribute("status"), Some(json!("Inactive")));
        fold(
            &mut e,
            "level_added",
            json!({"level_id": level.to_string(), "name": "L1"}),
            2,
            2,
        );
        fold(
            &mut e,
            "level_renamed",
            json!({"level_id": level.to_string(), "name": "L2"}),
            3,
            3,
        );
        let key = json!(level.to_string()).to_string();
        let item: Value = serde_json::from_str(&e.items["levels"][&key]).unwrap();
        assert_eq!(item["name"], json!("L2"));
        let link = json!({"level_id": level.to_string(), "user_id": u.to_string()});
        fold(&mut e, "level_member_added", link, 4, 4);
        assert_eq!(e.set(&format!("level/{level}/members")), [u].into());
        fold(
            &mut e,
            "level_removed",
            json!({"level_id": level.to_string()}),
            5,
            5,
        );
        assert!(!e.items.contains_key("levels"));
        fold(&mut e, "disabled", json!({"by": "system", "at": 6}), 6, 6);
        assert_eq!(e.attribute("enabled"), Some(json!(false)));
        let mut f = Entry::new("customfield", Ulid(11), 0);
        let option =
            |id: u128, label: &str| json!({"option_id": Ulid(id).to_string(), "label": label});
        let created = json!({"name": "Size", "options": [option(12, "S"), option(13, "M")]});
        fold(&mut f, "created", created, 1, 1);
        fold(&mut f, "option_added", option(14, "L"), 2, 2);
        fold(
            &mut f,
            "option_removed",
            json!({"option_id": Ulid(12).to_string()}),
            3,
            3,
        );
        let labels: Vec<Value> = f.items["options"]
            .values()
            .map(|v| serde_json::from_str::<Value>(v).unwrap()["label"].clone())
            .collect();
        assert_eq!(labels, [json!("M"), json!("L")]);
        assert!(!f.attributes.contains_key("options"));
        let mut t = Entry::new("tickettype", Ulid(9), 0);
        let p = Ulid(10);
        fold(
            &mut t,
            "created",
            json!({"name": "Task", "priority_ids": [p.to_string()]}),
            1,
            1,
        );
        assert_eq!(t.set("priorities"), [p].into());
        fold(
            &mut t,
            "priority_removed",
            json!({"priority_id": p.to_string()}),
            2,
            2,
        );
        assert!(t.sets.is_empty());
    }
}
