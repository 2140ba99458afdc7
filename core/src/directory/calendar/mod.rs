//! SLA business-hours calendars: the hours in which SLA targets count (see
//! [`super::priority::SlaTargets::calendar_id`]), per weekday, in an IANA time zone, minus
//! holidays.
//!
//! The time zone is kept as its IANA name; `decide` checks only its shape (`UTC` or
//! `Area/City` in ASCII), because the zone database belongs to the SLA projection, not to the
//! log. Business hours are minute ranges from midnight, `[start, end)` with
//! `0 <= start < end <= 1440`, not overlapping within a day (touching is fine), kept sorted.
//! Holidays are civil dates (one per date) with a name.
//!
//! Unique values: `calendar.name`. Deleting a calendar that priorities or open tickets still
//! use needs a replacement, like deleting a priority.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::values::{required, Name, SHORT_MAX};
use super::{
    change, decide_delete, decide_rename, name_claims, Change, CommandContext, CommonError,
    Lifecycle, NameFact, Removed, Renamed,
};
use crate::envelope::UniqueClaim;
use crate::ids::Timestamp;

/// Claim scope of calendar names.
pub const NAME_SCOPE: &str = "calendar.name";
/// Minutes in a day: the end of the last possible range.
pub const MINUTES_PER_DAY: u16 = 1440;

/// Business minutes `[start, end)` of one day, counted from local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MinuteRange {
    /// First minute (0 = midnight).
    pub start: u16,
    /// Minute after the last (1440 = the next midnight).
    pub end: u16,
}

/// Business hours of a week, Monday first (ISO 8601 weekday order); an empty day is closed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WeeklyHours {
    /// Ranges per weekday, Monday at index 0, Sunday at 6.
    pub days: [Vec<MinuteRange>; 7],
}

impl WeeklyHours {
    /// Sorts each day's ranges and refuses out-of-day, empty or overlapping ones.
    pub fn validate(&self) -> Result<WeeklyHours, CommonError> {
        let invalid = |reason| CommonError::Invalid {
            field: "hours",
            reason,
        };
        let mut days = self.days.clone();
        for day in &mut days {
            day.sort();
            if day.iter().any(|r| r.end > MINUTES_PER_DAY) {
                return Err(invalid("minutes must be within 0..=1440"));
            }
            if day.iter().any(|r| r.start >= r.end) {
                return Err(invalid("a range must start before it ends"));
            }
            if day.windows(2).any(|w| w[1].start < w[0].end) {
                return Err(invalid("ranges of a day must not overlap"));
            }
        }
        Ok(WeeklyHours { days })
    }
}

/// A civil date (proleptic Gregorian), ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CivilDate {
    /// Year, 1 to 9999.
    pub year: u16,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of the month, 1 to 31 depending on the month.
    pub day: u8,
}

impl CivilDate {
    /// Refuses a date that does not exist (month 13, 30 February, 29 February 2023...).
    pub fn validate(self) -> Result<CivilDate, CommonError> {
        let y = self.year;
        let leap = y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400));
        let days_in_month = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 0,
        };
        if !(1..=9999).contains(&self.year) || self.day == 0 || self.day > days_in_month {
            return Err(CommonError::Invalid {
                field: "date",
                reason: "no such date",
            });
        }
        Ok(self)
    }
}

/// A day off: no business hours on that date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    /// The date.
    pub date: CivilDate,
    /// Its name ("New Year's Day").
    pub name: String,
}

impl Holiday {
    /// Validates the date and the name.
    pub fn validate(&self) -> Result<Holiday, CommonError> {
        Ok(Holiday {
            date: self.date.validate()?,
            name: required("holiday_name", &self.name, SHORT_MAX)?,
        })
    }
}

/// Checks the shape of an IANA time-zone name: `UTC`, or ASCII segments joined by `/`
/// (`Europe/Paris`, `America/Argentina/Buenos_Aires`, `Etc/GMT+3`), the first starting with a
/// capital letter. Whether the zone exists is the SLA projection's business.
pub fn parse_time_zone(input: &str) -> Result<String, CommonError> {
    let zone = required("time_zone", input, 64)?;
    let invalid = CommonError::Invalid {
        field: "time_zone",
        reason: "expected UTC or an IANA name like Area/City",
    };
    if zone == "UTC" {
        return Ok(zone);
    }
    let segments: Vec<&str> = zone.split('/').collect();
    let segment_ok = |s: &&str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
    };
    let area_ok = zone.starts_with(|c: char| c.is_ascii_uppercase());
    if segments.len() < 2 || !segments.iter().all(segment_ok) || !area_ok {
        return Err(invalid);
    }
    Ok(zone)
}

/// A calendar, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CalendarState {
    /// Where the calendar stands in its life.
    pub lifecycle: Lifecycle,
    /// The calendar's id.
    pub id: Ulid,
    /// Its name.
    pub name: String,
    /// Its IANA time zone.
    pub time_zone: String,
    /// Its weekly business hours.
    pub hours: WeeklyHours,
    /// Its holidays by date.
    pub holidays: BTreeMap<CivilDate, String>,
}

/// What can be asked of a calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarCommand {
    /// Create the calendar.
    Create {
        /// The calendar's id.
        calendar_id: Ulid,
        /// Its name.
        name: String,
        /// Its IANA time zone.
        time_zone: String,
        /// Its weekly business hours.
        hours: WeeklyHours,
        /// Its first holidays.
        holidays: Vec<Holiday>,
    },
    /// Rename it.
    Rename {
        /// The new name.
        name: String,
    },
    /// Change its time zone.
    SetTimeZone {
        /// The new IANA time zone.
        time_zone: String,
    },
    /// Replace its weekly business hours.
    SetHours {
        /// The new hours.
        hours: WeeklyHours,
    },
    /// Add a holiday.
    AddHoliday {
        /// The holiday.
        holiday: Holiday,
    },
    /// Remove the holiday on a date.
    RemoveHoliday {
        /// The date.
        date: CivilDate,
    },
    /// Delete it.
    Delete {
        /// Priorities and open tickets counting in it (resolved by the caller).
        open_ticket_references: u64,
        /// The calendar they move to.
        replacement_id: Option<Ulid>,
    },
}

/// Why a calendar command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// Validation or lifecycle refusal.
    #[error(transparent)]
    Common(#[from] CommonError),
    /// The date already has a holiday.
    #[error("{0:?} is already a holiday")]
    HolidayExists(CivilDate),
    /// The date has no holiday.
    #[error("{0:?} is not a holiday")]
    UnknownHoliday(CivilDate),
}

/// A calendar was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarCreated {
    /// The calendar's id.
    pub calendar_id: Ulid,
    /// Its name.
    pub name: String,
    /// Its IANA time zone.
    pub time_zone: String,
    /// Its weekly business hours.
    pub hours: WeeklyHours,
    /// Its first holidays, by date.
    pub holidays: Vec<Holiday>,
    /// When.
    pub at: Timestamp,
}

event_enum! {
    /// Everything that can happen to a business-hours calendar.
    pub enum CalendarEvent {
        /// `calendar.created`
        Created(CalendarCreated) = "calendar.created",
        /// `calendar.renamed`
        Renamed(Renamed) = "calendar.renamed",
        /// `calendar.time_zone_changed`
        TimeZoneChanged(Change<String>) = "calendar.time_zone_changed",
        /// `calendar.hours_changed`
        HoursChanged(Change<WeeklyHours>) = "calendar.hours_changed",
        /// `calendar.holiday_added`
        HolidayAdded(Holiday) = "calendar.holiday_added",
        /// `calendar.holiday_removed`
        HolidayRemoved(Holiday) = "calendar.holiday_removed",
        /// `calendar.deleted`
        Deleted(Removed) = "calendar.deleted",
    }
}

aggregate!(
    /// The calendar aggregate, for generic command handling.
    CalendarAggregate,
    CalendarState,
    CalendarCommand,
    CalendarEvent,
    CalendarError
);

/// Decides the events of a calendar command, or refuses it.
pub fn decide(
    state: &CalendarState,
    command: &CalendarCommand,
    ctx: &CommandContext,
) -> Result<Vec<CalendarEvent>, CalendarError> {
    if let CalendarCommand::Create {
        calendar_id,
        name,
        time_zone,
        hours,
        holidays,
    } = command
    {
        state.lifecycle.require_new()?;
        let mut by_date = BTreeMap::new();
        for holiday in holidays {
            let holiday = holiday.validate()?;
            if by_date.contains_key(&holiday.date) {
                return Err(CalendarError::HolidayExists(holiday.date));
            }
            by_date.insert(holiday.date, holiday);
        }
        return Ok(vec![CalendarEvent::Created(CalendarCreated {
            calendar_id: *calendar_id,
            name: Name::parse("name", name)?.into_inner(),
            time_zone: parse_time_zone(time_zone)?,
            hours: hours.validate()?,
            holidays: by_date.into_values().collect(),
            at: ctx.now,
        })]);
    }
    state.lifecycle.require_active()?;
    let events = match command {
        CalendarCommand::Create { .. } => return Err(CommonError::AlreadyExists.into()),
        CalendarCommand::Rename { name } => {
            decide_rename(&state.name, name, CalendarEvent::Renamed)?
        }
        CalendarCommand::SetTimeZone { time_zone } => {
            change(&state.time_zone, parse_time_zone(time_zone)?)
                .map(CalendarEvent::TimeZoneChanged)
                .into_iter()
                .collect()
        }
        CalendarCommand::SetHours { hours } => change(&state.hours, hours.validate()?)
            .map(CalendarEvent::HoursChanged)
            .into_iter()
            .collect(),
        CalendarCommand::AddHoliday { holiday } => {
            let holiday = holiday.validate()?;
            if state.holidays.contains_key(&holiday.date) {
                return Err(CalendarError::HolidayExists(holiday.date));
            }
            vec![CalendarEvent::HolidayAdded(holiday)]
        }
        CalendarCommand::RemoveHoliday { date } => {
            let Some(name) = state.holidays.get(date) else {
                return Err(CalendarError::UnknownHoliday(*date));
            };
            vec![CalendarEvent::HolidayRemoved(Holiday {
                date: *date,
                name: name.clone(),
            })]
        }
        CalendarCommand::Delete {
            open_ticket_references,
            replacement_id,
        } => decide_delete(
            state.id,
            &state.name,
            *open_ticket_references,
            *replacement_id,
            ctx,
            CalendarEvent::Deleted,
        )?,
    };
    Ok(events)
}

/// Applies one calendar event. Never panics.
pub fn evolve(mut state: CalendarState, event: &CalendarEvent) -> CalendarState {
    match event {
        CalendarEvent::Created(e) => {
            state = CalendarState {
                lifecycle: Lifecycle::Active,
                id: e.calendar_id,
                name: e.name.clone(),
                time_zone: e.time_zone.clone(),
                hours: e.hours.clone(),
                holidays: e
                    .holidays
                    .iter()
                    .map(|h| (h.date, h.name.clone()))
                    .collect(),
            };
        }
        CalendarEvent::Renamed(e) => state.name = e.name.clone(),
        CalendarEvent::TimeZoneChanged(e) => state.time_zone = e.new.clone(),
        CalendarEvent::HoursChanged(e) => state.hours = e.new.clone(),
        CalendarEvent::HolidayAdded(h) => {
            state.holidays.insert(h.date, h.name.clone());
        }
        CalendarEvent::HolidayRemoved(h) => {
            state.holidays.remove(&h.date);
        }
        CalendarEvent::Deleted(_) => state.lifecycle = Lifecycle::Deleted,
    }
    state
}

/// The unique values a calendar event takes or gives back.
pub fn claims(event: &CalendarEvent) -> Vec<UniqueClaim> {
    let fact = match event {
        CalendarEvent::Created(e) => NameFact::Created(&e.name),
        CalendarEvent::Renamed(e) => NameFact::Renamed(e),
        CalendarEvent::Deleted(e) => NameFact::Removed(e),
        _ => NameFact::Untouched,
    };
    name_claims(NAME_SCOPE, fact)
}

#[cfg(test)]
mod tests;
