//! Business-time arithmetic: "add N business minutes starting at T", skipping the hours a
//! calendar is closed (nights, weekends, holidays) and the spans a ticket was paused.
//!
//! Pure functions of their arguments: no clock, no I/O. Business hours are minute ranges of a
//! local day in an IANA zone (`chrono-tz` bundles the zone database), turned into UTC
//! instants day by day, so a DST change makes a business day shorter or longer exactly as the
//! wall clock does. A local time that does not exist (the spring-forward gap) moves to the
//! first minute after the gap; an ambiguous one (fall-back) takes its first occurrence. An
//! unknown zone name counts as UTC. Every loop is bounded: the walk gives up after
//! [`HORIZON_DAYS`] local days and answers `None` ("never").

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Days, LocalResult, NaiveDate, TimeDelta, TimeZone};
use chrono_tz::Tz;
use ledgerdesk_core::directory::calendar::{CivilDate, MinuteRange, WeeklyHours, MINUTES_PER_DAY};
use ledgerdesk_core::Timestamp;
use serde::{Deserialize, Serialize};

/// How many local days the walk scans before answering "never": three years.
pub const HORIZON_DAYS: u64 = 3 * 366;
/// Microseconds in a minute.
pub const MINUTE_MICROS: i64 = 60_000_000;
/// The longest spring-forward gap searched for a valid local time (minutes).
const GAP_MINUTES_MAX: i64 = 180;

/// A half-open span of time `[from, to)`, e.g. a pause of a ticket's clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    /// First instant.
    pub from: Timestamp,
    /// Instant after the last.
    pub to: Timestamp,
}

/// A business-hours calendar as the model stores it: one immutable version per calendar
/// event, so due times computed with it never move when the calendar changes later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarSnapshot {
    /// The IANA zone name, as the calendar stream gave it.
    pub time_zone: String,
    /// Weekly hours, Monday first.
    pub hours: WeeklyHours,
    /// Days off.
    pub holidays: BTreeSet<CivilDate>,
}

/// Business hours ready for arithmetic: the zone parsed, the week and holidays at hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessHours {
    zone: Tz,
    days: [Vec<MinuteRange>; 7],
    holidays: BTreeSet<CivilDate>,
}

impl BusinessHours {
    /// Every minute of every day, in UTC: the clock of a priority without a calendar.
    pub fn round_the_clock() -> BusinessHours {
        let all_day = vec![MinuteRange {
            start: 0,
            end: MINUTES_PER_DAY,
        }];
        BusinessHours {
            zone: Tz::UTC,
            days: std::array::from_fn(|_| all_day.clone()),
            holidays: BTreeSet::new(),
        }
    }

    /// The hours of a stored calendar; an unknown zone name counts as UTC.
    pub fn from_snapshot(snapshot: &CalendarSnapshot) -> BusinessHours {
        BusinessHours {
            zone: snapshot.time_zone.parse::<Tz>().unwrap_or(Tz::UTC),
            days: snapshot.hours.days.clone(),
            holidays: snapshot.holidays.clone(),
        }
    }

    /// The local date of an instant in this calendar's zone.
    fn local_date(&self, at: Timestamp) -> Option<NaiveDate> {
        let utc = DateTime::from_timestamp_micros(at.as_micros())?;
        Some(utc.with_timezone(&self.zone).date_naive())
    }

    /// The UTC instant of `minute` minutes after local midnight of `date` (1440: the next
    /// midnight), past a DST gap if it falls in one.
    fn instant(&self, date: NaiveDate, minute: u16) -> Option<i64> {
        let midnight = date.and_hms_opt(0, 0, 0)?;
        let local = midnight.checked_add_signed(TimeDelta::minutes(i64::from(minute)))?;
        for shift in 0..=GAP_MINUTES_MAX {
            let candidate = local.checked_add_signed(TimeDelta::minutes(shift))?;
            match self.zone.from_local_datetime(&candidate) {
                LocalResult::Single(t) => return Some(t.timestamp_micros()),
                LocalResult::Ambiguous(first, _) => return Some(first.timestamp_micros()),
                LocalResult::None => {}
            }
        }
        None
    }

    /// The business intervals `[a, b)` of one local date, in UTC micros, in order.
    fn intervals(&self, date: NaiveDate) -> Vec<(i64, i64)> {
        let civil = CivilDate {
            year: u16::try_from(date.year()).unwrap_or(0),
            month: date.month() as u8,
            day: date.day() as u8,
        };
        if self.holidays.contains(&civil) {
            return Vec::new();
        }
        let weekday = date.weekday().num_days_from_monday() as usize;
        self.days[weekday]
            .iter()
            .filter_map(|r| Some((self.instant(date, r.start)?, self.instant(date, r.end)?)))
            .filter(|(a, b)| a < b)
            .collect()
    }
}

/// The instant at which `minutes` business minutes have elapsed from `start`, not counting
/// the hours `hours` is closed nor any instant inside `pauses` (sorted by `from`, not
/// overlapping: the model keeps them so). `None` when the budget is not used up within
/// [`HORIZON_DAYS`] local days from `start`: the target can never be due (e.g. a calendar
/// with no hours at all).
pub fn add_business(
    hours: &BusinessHours,
    start: Timestamp,
    minutes: u32,
    pauses: &[Span],
) -> Option<Timestamp> {
    let mut remaining = i64::from(minutes) * MINUTE_MICROS;
    if remaining == 0 {
        return Some(start);
    }
    let first = hours.local_date(start)?;
    let mut pause = 0usize;
    // Intervals never go back in time, even around a DST change.
    let mut floor = start.as_micros();
    for offset in 0..HORIZON_DAYS {
        let date = first.checked_add_days(Days::new(offset))?;
        for (a, b) in hours.intervals(date) {
            let mut t = a.max(floor);
            if t >= b {
                continue;
            }
            // Each turn moves past a pause or ends the interval: bounded by the pauses.
            for _ in 0..=2 * pauses.len() + 1 {
                while pauses.get(pause).is_some_and(|p| p.to.as_micros() <= t) {
                    pause += 1;
                }
                match pauses.get(pause) {
                    Some(p) if p.from.as_micros() <= t => t = p.to.as_micros(),
                    next => {
                        let free_end = next.map_or(b, |p| p.from.as_micros().min(b));
                        let free = free_end - t;
                        if free >= remaining {
                            return Some(Timestamp(t + remaining));
                        }
                        remaining -= free;
                        t = free_end;
                    }
                }
                if t >= b {
                    break;
                }
            }
            floor = floor.max(b);
        }
    }
    None
}
