//! Statistics for dashboards (Trudesk `tickets/stats`, `tickets/count/tags`,
//! `tickets/count/topgroups`): tickets created and closed per UTC day, and the largest
//! counters of a field (tags, groups, agents...).
//!
//! Everything is read from the maintained counters of active (not trashed, not purged)
//! tickets, so a statistic is the current state of the desk: a ticket reopened is no longer
//! counted on the day it was closed, a trashed one drops out until restored. Days are UTC.

use serde::Serialize;

use super::decode_u64;
use super::index::{counter_key, from_ordered_i64, ordered_i64, value_to_text, Field, ACTIVE};
use super::query::{Count, ViewsError};
use crate::ProjectionView;

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
    let mut days = Vec::new();
    if to_day >= from_day && to_day - from_day < MAX_DAYS {
        let created = day_counters(view, Field::CreatedDay, from_day, to_day)?;
        let closed = day_counters(view, Field::ClosedDay, from_day, to_day)?;
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
        position: view.position(),
        days,
    })
}

/// The `n` largest counters of `field` among active tickets. Reads every value of the field:
/// meant for fields with few values (tags, groups, agents, statuses, priorities).
pub fn top(view: &ProjectionView, field: Field, n: usize) -> Result<TopPage, ViewsError> {
    let prefix = counter_key(ACTIVE, field, &[]);
    let mut all = Vec::new();
    for item in view.scan(&prefix, None, false) {
        let (key, value) = item?;
        all.push(Count {
            value: value_to_text(field, &key[prefix.len()..])?,
            count: decode_u64(&value)?,
        });
    }
    all.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    all.truncate(n);
    Ok(TopPage {
        position: view.position(),
        field,
        counts: all,
    })
}

/// Reads every counter of `field` in the active scope whose value lies in `[from, to]` (day
/// fields): the statistics' source.
fn day_counters(
    view: &ProjectionView,
    field: Field,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, u64)>, ViewsError> {
    let prefix = counter_key(ACTIVE, field, &[]);
    let start = from
        .checked_sub(1)
        .map(|d| counter_key(ACTIVE, field, &ordered_i64(d)));
    let mut out = Vec::new();
    for item in view.scan(&prefix, start.as_deref(), false) {
        let (key, value) = item?;
        let Some(day) = from_ordered_i64(&key[prefix.len()..]) else {
            continue;
        };
        if day > to {
            break;
        }
        out.push((day, decode_u64(&value)?));
    }
    Ok(out)
}
