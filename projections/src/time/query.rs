//! Reading the time model: one ticket's entries and totals, and reports over a day range.

use std::collections::BTreeMap;

use serde::Serialize;
use ulid::Ulid;

use super::{day_prefix, entry_prefix, EntryRecord, Totals};
use crate::kv::decode_value;
use crate::{ProjectionError, ProjectionView};

/// The longest day range a report covers.
pub const MAX_DAYS: i64 = 366;
/// The most entries one ticket's answer lists.
const MAX_ENTRIES: usize = 10_000;

/// A total for one key of a grouping (an agent, a category or a day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row<K> {
    /// The agent, category (`None`: uncategorised) or day.
    pub key: K,
    /// Seconds and entries.
    pub totals: Totals,
}

/// One ticket's time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketTime {
    /// Every entry, by entry id.
    pub entries: Vec<EntryRecord>,
    /// All of them.
    pub total: Totals,
    /// Per agent.
    pub by_agent: Vec<Row<Ulid>>,
    /// Per time category.
    pub by_category: Vec<Row<Option<Ulid>>>,
}

fn rows<K: Ord + Clone>(map: BTreeMap<K, Totals>) -> Vec<Row<K>> {
    map.into_iter()
        .map(|(key, totals)| Row { key, totals })
        .collect()
}

fn merge(into: &mut Totals, add: Totals) {
    into.seconds += add.seconds;
    into.entries += add.entries;
}

/// The time tracked on `ticket`.
pub fn ticket_time(view: &ProjectionView, ticket: Ulid) -> Result<TicketTime, ProjectionError> {
    let mut entries = Vec::new();
    let (mut total, mut agents, mut categories) =
        (Totals::default(), BTreeMap::new(), BTreeMap::new());
    for item in view
        .scan(&entry_prefix(ticket), None, false)
        .take(MAX_ENTRIES)
    {
        let (_, value) = item?;
        let entry: EntryRecord = decode_value(&value)?;
        total.add(entry.seconds);
        agents
            .entry(entry.user_id)
            .or_insert_with(Totals::default)
            .add(entry.seconds);
        categories
            .entry(entry.category_id)
            .or_insert_with(Totals::default)
            .add(entry.seconds);
        entries.push(entry);
    }
    Ok(TicketTime {
        entries,
        total,
        by_agent: rows(agents),
        by_category: rows(categories),
    })
}

/// What a report covers: a day range (inclusive, days since 1970-01-01, at most
/// [`MAX_DAYS`]) and optionally one agent and/or one category (`Some(None)`: uncategorised).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportFilter {
    /// First day.
    pub from_day: i64,
    /// Last day.
    pub to_day: i64,
    /// Only this agent.
    pub agent: Option<Ulid>,
    /// Only this category.
    pub category: Option<Option<Ulid>>,
}

/// Time tracked over a range: totals, per agent, per category and per day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Everything in range.
    pub total: Totals,
    /// Per agent.
    pub by_agent: Vec<Row<Ulid>>,
    /// Per time category.
    pub by_category: Vec<Row<Option<Ulid>>>,
    /// Per day with time (days since 1970-01-01).
    pub by_day: Vec<Row<i64>>,
}

/// The report of `filter`. The caller bounds the range (see [`MAX_DAYS`]).
pub fn report(view: &ProjectionView, filter: &ReportFilter) -> Result<Report, ProjectionError> {
    let mut total = Totals::default();
    let (mut agents, mut categories, mut days) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    // One prefix scan per day of the range (bounded by the caller).
    for day in filter.from_day..=filter.to_day {
        for item in view.scan(&day_prefix(day), None, false) {
            let (key, value) = item?;
            let (user, category) = counter_parts(&key)?;
            if filter.agent.is_some_and(|a| a != user)
                || filter.category.is_some_and(|c| c != category)
            {
                continue;
            }
            let totals: Totals = decode_value(&value)?;
            merge(&mut total, totals);
            merge(agents.entry(user).or_default(), totals);
            merge(categories.entry(category).or_default(), totals);
            merge(days.entry(day).or_default(), totals);
        }
    }
    Ok(Report {
        total,
        by_agent: rows(agents),
        by_category: rows(categories),
        by_day: rows(days),
    })
}

/// The agent and category of a counter key `d/<day 8><user 16><category 1 or 17>`.
fn counter_parts(key: &[u8]) -> Result<(Ulid, Option<Ulid>), ProjectionError> {
    let bad = || ProjectionError::Inconsistent("bad time counter key".into());
    let id = |range: std::ops::Range<usize>| {
        key.get(range)
            .and_then(|b| <[u8; 16]>::try_from(b).ok())
            .map(Ulid::from_bytes)
            .ok_or_else(bad)
    };
    let user = id(10..26)?;
    let category = match key.get(26) {
        Some(0) if key.len() == 27 => None,
        Some(1) if key.len() == 43 => Some(id(27..43)?),
        _ => return Err(bad()),
    };
    Ok((user, category))
}

/// How many live time entries (on tickets not purged) are in time category `category`: what
/// a delete of the category must account for.
pub fn entries_in_category(view: &ProjectionView, category: Ulid) -> Result<u64, ProjectionError> {
    match view.get(&super::category_key(category))? {
        None => Ok(0),
        Some(v) => Ok(u64::from_be_bytes(v.as_slice().try_into().map_err(
            |_| ProjectionError::Inconsistent("a category counter is not 8 bytes".into()),
        )?)),
    }
}
