//! The fields tickets are filtered, counted and sorted by, and the byte forms of their values.
//!
//! A summary yields a set of *entries* `(field, value)`: one per filterable field (`all`,
//! status, status category, group, ... one per tag) plus the counted-only creation and closing
//! days. The in-memory index ([`super::memory`]) keeps one set of tickets per entry and one
//! ordered set per sort order, so a list filtered on any fields and sorted any way is a set
//! intersection and an ordered walk, and a count is a set's size.
//!
//! Every value has a fixed length per field (ids are 17 bytes: a 0/1 tag then the ULID, so
//! "unassigned" is a value of its own), which keeps value order meaningful.

use std::collections::BTreeSet;

use ledgerdesk_core::ticket::StatusCategory;
use ledgerdesk_core::Timestamp;
use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::summary::TicketSummary;
pub(crate) use crate::kv::{from_ordered_i64, ordered_i64};
use crate::ProjectionError;

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
    /// The urgency.
    Urgency,
    /// The impact.
    Impact,
    /// The location.
    Location,
    /// The closure code of the latest closure.
    ClosureCode,
    /// Any node of the category path (category, subcategory, item: one entry each), so that
    /// the tickets under a node of any level are counted, e.g. before the node is deleted.
    CategoryNode,
}

impl Field {
    /// Every field, in code order.
    pub const ALL: [Field; 20] = [
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
        Field::Urgency,
        Field::Impact,
        Field::Location,
        Field::ClosureCode,
        Field::CategoryNode,
    ];

    /// The byte in keys; frozen for a projection version.
    pub(crate) fn code(self) -> u8 {
        self as u8
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

/// The distinct orders: one per sort code, in code order.
pub(crate) const SORTS: [SortField; 5] = [
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

/// The scope of a summary: [`ACTIVE`] or [`TRASHED`] (a trash move moves the ticket between
/// two disjoint sets of indexes, so a list of active tickets never steps over trashed ones).
pub(crate) fn scope_of(s: &TicketSummary) -> usize {
    if s.trashed {
        TRASHED
    } else {
        ACTIVE
    }
}

/// The scope of tickets not in the trash.
pub(crate) const ACTIVE: usize = 0;
/// The scope of tickets in the trash.
pub(crate) const TRASHED: usize = 1;

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
    add(Field::Urgency, &opt_id(s.urgency_id));
    add(Field::Impact, &opt_id(s.impact_id));
    add(Field::Location, &opt_id(s.location_id));
    add(Field::ClosureCode, &opt_id(s.closure_code_id));
    let path = &s.category;
    for node in [path.category_id, path.subcategory_id, path.item_id]
        .into_iter()
        .flatten()
    {
        add(Field::CategoryNode, &opt_id(Some(node)));
    }
    for tag in &s.tag_ids {
        add(Field::Tag, &opt_id(Some(*tag)));
    }
    add(Field::CreatedDay, &ordered_i64(day_of(s.created_at)));
    if let Some(closed) = s.closed_at {
        add(Field::ClosedDay, &ordered_i64(day_of(closed)));
    }
    out
}

/// Width of a sort key: the longest order (priority or status: 17 bytes) and the number.
pub(crate) const SORT_KEY_LEN: usize = 25;

/// A position in one sort order: the sort value, then the ticket number (unique), zero-padded
/// to a fixed width (each order has one length, so padding never changes the order).
pub(crate) type SortKey = [u8; SORT_KEY_LEN];

/// Where `s` stands in the order `sort`. Unclosed tickets sort after every closed one.
pub(crate) fn sort_key(sort: SortField, s: &TicketSummary) -> SortKey {
    let mut k = Vec::with_capacity(SORT_KEY_LEN);
    sort_value(sort, s, &mut k);
    k.extend(s.number.to_be_bytes());
    let mut out = [0u8; SORT_KEY_LEN];
    out[..k.len()].copy_from_slice(&k);
    out
}

fn sort_value(sort: SortField, s: &TicketSummary, k: &mut Vec<u8>) {
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
}

/// The smallest and largest keys of order `sort` whose time lies in `[from, to]`, for the
/// time orders; `None` for the others.
pub(crate) fn time_bounds(sort: SortField, from: i64, to: i64) -> Option<(SortKey, SortKey)> {
    let edge = |t: i64, fill: u8| {
        let mut k = [fill; SORT_KEY_LEN];
        let at = match sort {
            SortField::Created | SortField::Number | SortField::Updated => 0,
            SortField::Closed => {
                k[0] = 0;
                1
            }
            SortField::Priority | SortField::Status => return None,
        };
        k[at..at + 8].copy_from_slice(&ordered_i64(t));
        Some(k)
    };
    Some((edge(from, 0)?, edge(to, 0xFF)?))
}

/// The ticket number at the end of a sort key of order `sort`.
pub(crate) fn number_of_key(sort: SortField, key: &SortKey) -> u64 {
    let value_len = match sort {
        SortField::Created | SortField::Number | SortField::Updated => 8,
        SortField::Closed if key[0] == 0 => 9,
        SortField::Closed => 1,
        SortField::Priority | SortField::Status => 17,
    };
    let mut n = [0u8; 8];
    n.copy_from_slice(&key[value_len..value_len + 8]);
    u64::from_be_bytes(n)
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
