//! Secondary indexes and maintained counters of the ticket list.
//!
//! A summary yields a set of *entries* `(field, value)`: one per filterable field (`all`,
//! status, status category, group, ... one per tag) plus the counted-only creation and closing
//! days. From the entries come
//! - index keys `i <scope> <field> <value> <sort> <sort key> <ticket>` (empty values), one per
//!   indexed entry and sort order, so a list filtered on one field and sorted any way is a
//!   range scan;
//! - counter keys `c <scope> <field> <value>` (u64 BE), one per entry.
//!
//! `scope` is `a` (active) or `t` (trashed): a trash move moves the ticket between two disjoint
//! sets of indexes, so a list of active tickets never steps over trashed ones. A purged ticket
//! has no entries. [`sync`] diffs the entries and keys of the summary before and after an event
//! and writes exactly the difference, so indexes and counters never go stale.
//!
//! Every value has a fixed length per field (ids are 17 bytes: a 0/1 tag then the ULID, so
//! "unassigned" is a value of its own), which keeps prefixes unambiguous.

use std::collections::BTreeSet;

use ledgerdesk_core::ticket::StatusCategory;
use ledgerdesk_core::Timestamp;
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::bump;
use super::summary::TicketSummary;
pub(crate) use crate::kv::{from_ordered_i64, ordered_i64};
use crate::{Changes, ProjectionError};

/// Prefix of index keys.
pub(crate) const INDEX: u8 = b'i';
/// Prefix of counter keys.
pub(crate) const COUNTER: u8 = b'c';
/// Scope byte of tickets not in the trash.
pub(crate) const ACTIVE: u8 = b'a';
/// Scope byte of tickets in the trash.
pub(crate) const TRASHED: u8 = b't';
/// Microseconds in a UTC day.
const DAY_MICROS: i64 = 86_400_000_000;

/// A field tickets are indexed or counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Every ticket (the index of an unfiltered list; its counter is the total).
    All,
    /// The status of the catalogue.
    Status,
    /// The status's category.
    StatusCategory,
    /// The assigned group.
    Group,
    /// The HelpDeskZ department.
    Department,
    /// The InvGate help desk.
    HelpDesk,
    /// The assigned agent (unassigned is a value).
    Agent,
    /// The requester.
    Requester,
    /// The priority.
    Priority,
    /// The ticket type.
    Type,
    /// The top-level category.
    Category,
    /// A tag (one entry per tag).
    Tag,
    /// The source.
    Source,
    /// The UTC day of creation (counted, not indexed: statistics).
    CreatedDay,
    /// The UTC day of closing (counted, not indexed: statistics).
    ClosedDay,
}

impl Field {
    /// Every field, in code order.
    pub const ALL: [Field; 15] = [
        Field::All,
        Field::Status,
        Field::StatusCategory,
        Field::Group,
        Field::Department,
        Field::HelpDesk,
        Field::Agent,
        Field::Requester,
        Field::Priority,
        Field::Type,
        Field::Category,
        Field::Tag,
        Field::Source,
        Field::CreatedDay,
        Field::ClosedDay,
    ];

    /// The byte in keys; frozen for a projection version.
    pub(crate) fn code(self) -> u8 {
        self as u8
    }

    /// Whether lists can be driven from this field's index.
    pub(crate) fn indexed(self) -> bool {
        !matches!(self, Field::CreatedDay | Field::ClosedDay)
    }
}

/// What a list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortField {
    /// Creation time. The same index as [`SortField::Number`]: both follow the log.
    #[default]
    Created,
    /// The ticket number.
    Number,
    /// The time of the latest event.
    Updated,
    /// The closing time; tickets not closed come after closed ones in ascending order.
    Closed,
    /// The priority (by id: the catalogue's ranking is not in ticket events), then number.
    Priority,
    /// The status category (in its declared order), then the status id, then number.
    Status,
}

impl SortField {
    /// The sort byte in index keys.
    pub(crate) fn code(self) -> u8 {
        match self {
            SortField::Created | SortField::Number => 0,
            SortField::Updated => 1,
            SortField::Closed => 2,
            SortField::Priority => 3,
            SortField::Status => 4,
        }
    }
}

/// The distinct index orders: one per sort code.
const SORTS: [SortField; 5] = [
    SortField::Created,
    SortField::Updated,
    SortField::Closed,
    SortField::Priority,
    SortField::Status,
];

/// A ULID as 16 big-endian bytes.
pub(crate) fn id_bytes(id: Ulid) -> [u8; 16] {
    id.to_bytes()
}

/// An optional id as a fixed 17-byte value (`0` then zeros for none).
pub(crate) fn opt_id(id: Option<Ulid>) -> [u8; 17] {
    let mut out = [0u8; 17];
    if let Some(id) = id {
        out[0] = 1;
        out[1..].copy_from_slice(&id.to_bytes());
    }
    out
}

/// The UTC day (days since 1970-01-01) of a time.
pub(crate) fn day_of(t: Timestamp) -> i64 {
    t.0.div_euclid(DAY_MICROS)
}

/// The byte of a status category (its declaration order).
pub(crate) fn category_byte(c: StatusCategory) -> u8 {
    StatusCategory::ALL
        .iter()
        .position(|x| *x == c)
        .unwrap_or(0) as u8
}

/// The scope byte of a summary.
pub(crate) fn scope_of(s: &TicketSummary) -> u8 {
    if s.trashed {
        TRASHED
    } else {
        ACTIVE
    }
}

/// The `(field, value)` entries of a summary; none for a purged ticket.
pub(crate) fn entries(s: &TicketSummary) -> BTreeSet<(Field, Vec<u8>)> {
    let mut out = BTreeSet::new();
    if s.purged {
        return out;
    }
    let mut add = |f: Field, v: &[u8]| {
        out.insert((f, v.to_vec()));
    };
    add(Field::All, &[]);
    add(Field::Status, &opt_id(Some(s.status_id)));
    add(Field::StatusCategory, &[category_byte(s.status_category)]);
    add(Field::Group, &opt_id(s.group_id));
    add(Field::Department, &opt_id(s.department_id));
    add(Field::HelpDesk, &opt_id(s.helpdesk_id));
    add(Field::Agent, &opt_id(s.agent_id));
    add(Field::Requester, &opt_id(Some(s.requester_id)));
    add(Field::Priority, &opt_id(s.priority_id));
    add(Field::Type, &opt_id(Some(s.type_id)));
    add(Field::Category, &opt_id(s.category.category_id));
    add(Field::Source, &opt_id(s.source_id));
    for tag in &s.tag_ids {
        add(Field::Tag, &opt_id(Some(*tag)));
    }
    add(Field::CreatedDay, &ordered_i64(day_of(s.created_at)));
    if let Some(closed) = s.closed_at {
        add(Field::ClosedDay, &ordered_i64(day_of(closed)));
    }
    out
}

/// The bytes a summary sorts by in the index of `sort` (before the ticket id).
pub(crate) fn sort_key(sort: SortField, s: &TicketSummary) -> Vec<u8> {
    let mut k = Vec::with_capacity(34);
    match sort {
        SortField::Created | SortField::Number => k.extend(ordered_i64(s.created_at.0)),
        SortField::Updated => k.extend(ordered_i64(s.updated_at.0)),
        SortField::Closed => match s.closed_at {
            Some(t) => {
                k.push(0);
                k.extend(ordered_i64(t.0));
            }
            None => k.push(1),
        },
        SortField::Priority => k.extend(opt_id(s.priority_id)),
        SortField::Status => {
            k.push(category_byte(s.status_category));
            k.extend(id_bytes(s.status_id));
        }
    }
    k.extend(s.number.to_be_bytes());
    k
}

/// The part of a time-sorted index key before the rest of the sort key: where a time range
/// starts or ends. `None` for orders that are not by time.
pub(crate) fn time_seek(sort: SortField, t: i64) -> Option<Vec<u8>> {
    match sort {
        SortField::Created | SortField::Number | SortField::Updated => {
            Some(ordered_i64(t).to_vec())
        }
        SortField::Closed => {
            let mut k = vec![0];
            k.extend(ordered_i64(t));
            Some(k)
        }
        SortField::Priority | SortField::Status => None,
    }
}

/// `i <scope> <field> <value> <sort>`: the prefix a list scans.
pub(crate) fn index_prefix(scope: u8, field: Field, value: &[u8], sort: SortField) -> Vec<u8> {
    let mut k = vec![INDEX, scope, field.code()];
    k.extend_from_slice(value);
    k.push(sort.code());
    k
}

/// `c <scope> <field> <value>`.
pub(crate) fn counter_key(scope: u8, field: Field, value: &[u8]) -> Vec<u8> {
    let mut k = vec![COUNTER, scope, field.code()];
    k.extend_from_slice(value);
    k
}

/// The ticket id at the end of an index key.
pub(crate) fn ticket_of_key(key: &[u8]) -> Option<Ulid> {
    let tail: [u8; 16] = key.get(key.len().checked_sub(16)?..)?.try_into().ok()?;
    Some(Ulid::from_bytes(tail))
}

fn index_keys(s: &TicketSummary, entries: &BTreeSet<(Field, Vec<u8>)>) -> BTreeSet<Vec<u8>> {
    let scope = scope_of(s);
    let ticket = id_bytes(s.ticket_id);
    let sort_keys: Vec<(SortField, Vec<u8>)> = SORTS.iter().map(|&o| (o, sort_key(o, s))).collect();
    let mut out = BTreeSet::new();
    for (field, value) in entries.iter().filter(|(f, _)| f.indexed()) {
        for (sort, key) in &sort_keys {
            let mut k = index_prefix(scope, *field, value, *sort);
            k.extend_from_slice(key);
            k.extend_from_slice(&ticket);
            out.insert(k);
        }
    }
    out
}

fn counters(s: &TicketSummary, entries: &BTreeSet<(Field, Vec<u8>)>) -> BTreeSet<Vec<u8>> {
    let scope = scope_of(s);
    entries
        .iter()
        .map(|(f, v)| counter_key(scope, *f, v))
        .collect()
}

/// Writes the index and counter changes from `before` to `after`: removes the keys only the
/// old summary had, inserts the keys only the new one has, moves counters by one.
pub(crate) fn sync(
    changes: &mut Changes<'_>,
    before: Option<&TicketSummary>,
    after: Option<&TicketSummary>,
) -> Result<(), ProjectionError> {
    let keys = |s: Option<&TicketSummary>| match s {
        Some(s) => {
            let e = entries(s);
            (index_keys(s, &e), counters(s, &e))
        }
        None => (BTreeSet::new(), BTreeSet::new()),
    };
    let (old_index, old_counters) = keys(before);
    let (new_index, new_counters) = keys(after);
    for k in old_index.difference(&new_index) {
        changes.remove(k);
    }
    for k in new_index.difference(&old_index) {
        changes.insert(k, Vec::new());
    }
    for k in old_counters.difference(&new_counters) {
        bump(changes, k, -1)?;
    }
    for k in new_counters.difference(&old_counters) {
        bump(changes, k, 1)?;
    }
    Ok(())
}

/// The text form of a stored value in count answers: a ULID or `none`, a status category
/// name, or a `YYYY-MM-DD` day.
pub(crate) fn value_to_text(field: Field, value: &[u8]) -> Result<String, ProjectionError> {
    let bad = || ProjectionError::Inconsistent(format!("malformed {field:?} value"));
    match field {
        Field::All => Ok(String::new()),
        Field::StatusCategory => {
            let c = StatusCategory::ALL
                .get(usize::from(*value.first().ok_or_else(bad)?))
                .ok_or_else(bad)?;
            Ok(format!("{c:?}"))
        }
        Field::CreatedDay | Field::ClosedDay => Ok(super::stats::civil_date(
            from_ordered_i64(value).ok_or_else(bad)?,
        )),
        _ => match value.first() {
            Some(0) => Ok("none".to_owned()),
            Some(1) => {
                let id: [u8; 16] = value
                    .get(1..17)
                    .ok_or_else(bad)?
                    .try_into()
                    .map_err(|_| bad())?;
                Ok(Ulid::from_bytes(id).to_string())
            }
            _ => Err(bad()),
        },
    }
}
