//! Statistics for dashboards (Trudesk `tickets/stats`, `tickets/count/tags`,
//! `tickets/count/topgroups`): tickets created and closed per UTC day, and the largest
//! counters of a field (tags, groups, agents...).
//!
//! Everything is read from the index's sets of active (not trashed, not purged) tickets, so a statistic is the current state of the desk: a ticket reopened is no longer
//! counted on the day it was closed, a trashed one drops out until restored. Days are UTC.

use serde::Serialize;

use std::ops::Bound;

use super::index::{from_ordered_i64, ordered_i64, value_to_text, Field, ACTIVE};
use super::memory::{IndexState, ViewsMemory};
use super::query::{Count, ViewsError};
use crate::{ProjectionError, ProjectionView};

fn index(view: &ProjectionView) -> Result<&ViewsMemory, ViewsError> {
    view.memory::<ViewsMemory>().ok_or_else(|| {
        ViewsError::Projection(ProjectionError::Inconsistent(
            "the views model has no in-memory index".to_owned(),
        ))
    })
}

/// The longest range [`daily`] answers, in days (a little over three years).
pub const MAX_DAYS: i64 = 1_100;

/// One UTC day's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayStat {
    /// Days since 1970-01-01.
    pub day: i64,
    /// The day as `YYYY-MM-DD`.
    pub date: String,
    /// Active tickets created that day.
    pub created: u64,
    /// Active tickets whose closing time falls that day.
    pub closed: u64,
}

/// Tickets created and closed per day over a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DailyStats {
    /// The log position the figures reflect.
    pub position: u64,
    /// Every day of the range, in order, zero days included (a chart needs them).
    pub days: Vec<DayStat>,
}

/// The largest counters of a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopPage {
    /// The log position the figures reflect.
    pub position: u64,
    /// The field counted.
    pub field: Field,
    /// The counts, largest first (ties by value).
    pub counts: Vec<Count>,
}

/// `YYYY-MM-DD` of a day number (days since 1970-01-01), proleptic Gregorian calendar
/// (H. Hinnant's `civil_from_days`).
pub(crate) fn civil_date(day: i64) -> String {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Created and closed counts for each UTC day from `from_day` to `to_day` (day numbers,
/// inclusive; at most [`MAX_DAYS`] days, else an empty answer).
pub fn daily(view: &ProjectionView, from_day: i64, to_day: i64) -> Result<DailyStats, ViewsError> {
    let memory = index(view)?;
    let state = memory.read();
    let mut days = Vec::new();
    if to_day >= from_day && to_day - from_day < MAX_DAYS {
        let created = day_counters(&state, Field::CreatedDay, from_day, to_day);
        let closed = day_counters(&state, Field::ClosedDay, from_day, to_day);
        let find = |v: &[(i64, u64)], d: i64| {
            v.binary_search_by_key(&d, |e| e.0)
                .map(|i| v[i].1)
                .unwrap_or(0)
        };
        for day in from_day..=to_day {
            days.push(DayStat {
                day,
                date: civil_date(day),
                created: find(&created, day),
                closed: find(&closed, day),
            });
        }
    }
    Ok(DailyStats {
        position: state.position,
        days,
    })
}

/// The `n` largest counters of `field` among active tickets. Reads every value of the field:
/// meant for fields with few values (tags, groups, agents, statuses, priorities).
pub fn top(view: &ProjectionView, field: Field, n: usize) -> Result<TopPage, ViewsError> {
    let memory = index(view)?;
    let state = memory.read();
    let mut all = Vec::new();
    if let Some(values) = state.scopes[ACTIVE].values(field) {
        for (value, set) in values {
            all.push(Count {
                value: value_to_text(field, value)?,
                count: set.len(),
            });
        }
    }
    all.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    all.truncate(n);
    Ok(TopPage {
        position: state.position,
        field,
        counts: all,
    })
}

/// The number of active tickets per day of `field` (a day field) in `[from, to]`.
fn day_counters(state: &IndexState, field: Field, from: i64, to: i64) -> Vec<(i64, u64)> {
    let Some(values) = state.scopes[ACTIVE].values(field) else {
        return Vec::new();
    };
    let range = (
        Bound::Included(ordered_i64(from).to_vec()),
        Bound::Included(ordered_i64(to).to_vec()),
    );
    values
        .range(range)
        .filter_map(|(value, set)| Some((from_ordered_i64(value)?, set.len())))
        .collect()
}
