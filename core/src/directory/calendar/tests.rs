//! Given/when/then tests of business-hours calendars, one per rule, and the replay property.

use super::*;
use crate::directory::claim;
use crate::directory::testkit::{self, arb_delete, arb_name, given, NOW};
use proptest::prelude::*;

const ID: Ulid = Ulid(20);

fn nine_to_five() -> WeeklyHours {
    let day = vec![MinuteRange {
        start: 540,
        end: 1020,
    }];
    WeeklyHours {
        days: [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            vec![],
            vec![],
        ],
    }
}

fn new_year() -> Holiday {
    Holiday {
        date: CivilDate {
            year: 2025,
            month: 1,
            day: 1,
        },
        name: "New Year's Day".into(),
    }
}

fn created() -> CalendarEvent {
    CalendarEvent::Created(CalendarCreated {
        calendar_id: ID,
        name: "Office hours".into(),
        time_zone: "Europe/Paris".into(),
        hours: nine_to_five(),
        holidays: vec![new_year()],
        at: NOW,
    })
}

fn monday(ranges: &[(u16, u16)]) -> WeeklyHours {
    let mut hours = WeeklyHours::default();
    hours.days[0] = ranges
        .iter()
        .map(|&(start, end)| MinuteRange { start, end })
        .collect();
    hours
}

#[test]
fn create_a_calendar_claims_its_name() {
    given::<CalendarAggregate>(&[])
        .when(CalendarCommand::Create {
            calendar_id: ID,
            name: "Office hours".into(),
            time_zone: " Europe/Paris ".into(),
            hours: nine_to_five(),
            holidays: vec![new_year()],
        })
        .then(vec![created()]);
    assert_eq!(claims(&created()), vec![claim(NAME_SCOPE, "office hours")]);
}

#[test]
fn time_zones_are_utc_or_area_slash_city() {
    for ok in [
        "UTC",
        "Europe/Paris",
        "America/Argentina/Buenos_Aires",
        "Etc/GMT+3",
    ] {
        assert_eq!(parse_time_zone(ok).as_deref(), Ok(ok), "{ok}");
    }
    for bad in [
        "",
        "Paris",
        "europe/paris",
        "Europe/",
        "Europe//Paris",
        "Asia/Tōkyō",
    ] {
        assert!(parse_time_zone(bad).is_err(), "{bad} accepted");
    }
    given::<CalendarAggregate>(&[created()])
        .when(CalendarCommand::SetTimeZone {
            time_zone: "America/New_York".into(),
        })
        .then(vec![CalendarEvent::TimeZoneChanged(Change {
            old: "Europe/Paris".into(),
            new: "America/New_York".into(),
        })]);
}

#[test]
fn hours_stay_within_the_day() {
    given::<CalendarAggregate>(&[created()])
        .when(CalendarCommand::SetHours {
            hours: monday(&[(0, 1441)]),
        })
        .then_err(CommonError::Invalid {
            field: "hours",
            reason: "minutes must be within 0..=1440",
        });
    given::<CalendarAggregate>(&[created()])
        .when(CalendarCommand::SetHours {
            hours: monday(&[(600, 600)]),
        })
        .then_err(CommonError::Invalid {
            field: "hours",
            reason: "a range must start before it ends",
        });
}

#[test]
fn ranges_of_a_day_do_not_overlap_and_are_sorted() {
    given::<CalendarAggregate>(&[created()])
        .when(CalendarCommand::SetHours {
            hours: monday(&[(780, 1020), (540, 800)]),
        })
        .then_err(CommonError::Invalid {
            field: "hours",
            reason: "ranges of a day must not overlap",
        });
    let state = given::<CalendarAggregate>(&[created()])
        .when(CalendarCommand::SetHours {
            hours: monday(&[(780, 1440), (0, 720)]),
        })
        .then_state();
    assert_eq!(state.hours, monday(&[(0, 720), (780, 1440)]));
}

#[test]
fn unchanged_hours_decide_nothing() {
    given::<CalendarAggregate>(&[created()])
        .when(CalendarCommand::SetHours {
            hours: nine_to_five(),
        })
        .then(vec![]);
}

#[test]
fn holidays_need_a_real_date_and_one_per_date() {
    let feb29 = |year| Holiday {
        date: CivilDate {
            year,
            month: 2,
            day: 29,
        },
        name: "Leap day".into(),
    };
    given::<CalendarAggregate>(&[created()])
        .when(CalendarCommand::AddHoliday {
            holiday: feb29(2023),
        })
        .then_err(CommonError::Invalid {
            field: "date",
            reason: "no such date",
        });
    given::<CalendarAggregate>(&[created()])
        .when(CalendarCommand::AddHoliday {
            holiday: feb29(2024),
        })
        .then(vec![CalendarEvent::HolidayAdded(feb29(2024))]);
    given::<CalendarAggregate>(&[created()])
        .when(CalendarCommand::AddHoliday {
            holiday: new_year(),
        })
        .then_err(CalendarError::HolidayExists(new_year().date));
}

#[test]
fn remove_a_holiday_by_date() {
    given::<CalendarAggregate>(&[created()])
        .when(CalendarCommand::RemoveHoliday {
            date: new_year().date,
        })
        .then(vec![CalendarEvent::HolidayRemoved(new_year())]);
    let other = CivilDate {
        year: 2025,
        month: 12,
        day: 25,
    };
    given::<CalendarAggregate>(&[created()])
        .when(CalendarCommand::RemoveHoliday { date: other })
        .then_err(CalendarError::UnknownHoliday(other));
}

#[test]
fn delete_needs_a_replacement_while_referenced() {
    given::<CalendarAggregate>(&[created()])
        .when(CalendarCommand::Delete {
            open_ticket_references: 2,
            replacement_id: None,
        })
        .then_err(CommonError::StillReferenced { references: 2 });
    let state = given::<CalendarAggregate>(&[created()])
        .when(CalendarCommand::Delete {
            open_ticket_references: 2,
            replacement_id: Some(Ulid(21)),
        })
        .then_state();
    assert_eq!(state.lifecycle, Lifecycle::Deleted);
}

#[test]
fn every_event_round_trips() {
    testkit::assert_round_trips(
        &[
            created(),
            CalendarEvent::Renamed(Renamed {
                old_name: "a".into(),
                name: "b".into(),
            }),
            CalendarEvent::TimeZoneChanged(Change {
                old: "UTC".into(),
                new: "Europe/Paris".into(),
            }),
            CalendarEvent::HoursChanged(Change {
                old: WeeklyHours::default(),
                new: nine_to_five(),
            }),
            CalendarEvent::HolidayAdded(new_year()),
            CalendarEvent::HolidayRemoved(new_year()),
            CalendarEvent::Deleted(Removed {
                name: "b".into(),
                replacement_id: Some(ID),
                at: NOW,
            }),
        ],
        CalendarEvent::EVENT_TYPES,
    );
}

fn arb_command() -> impl Strategy<Value = CalendarCommand> {
    let range = (0u16..1500, 0u16..1500).prop_map(|(start, end)| MinuteRange { start, end });
    let hours = proptest::collection::vec(range, 0..3).prop_map(|monday| {
        let mut hours = WeeklyHours::default();
        hours.days[0] = monday;
        hours
    });
    let zone = prop_oneof![
        Just("UTC".to_owned()),
        Just("Europe/Paris".to_owned()),
        Just("x".to_owned())
    ];
    let holiday = (1u8..4, 27u8..32, arb_name()).prop_map(|(month, day, name)| Holiday {
        date: CivilDate {
            year: 2024,
            month,
            day,
        },
        name,
    });
    prop_oneof![
        (arb_name(), zone.clone(), hours.clone()).prop_map(|(name, time_zone, hours)| {
            CalendarCommand::Create {
                calendar_id: ID,
                name,
                time_zone,
                hours,
                holidays: vec![],
            }
        }),
        arb_name().prop_map(|name| CalendarCommand::Rename { name }),
        zone.prop_map(|time_zone| CalendarCommand::SetTimeZone { time_zone }),
        hours.prop_map(|hours| CalendarCommand::SetHours { hours }),
        holiday
            .clone()
            .prop_map(|holiday| CalendarCommand::AddHoliday { holiday }),
        holiday.prop_map(|h| CalendarCommand::RemoveHoliday { date: h.date }),
        arb_delete().prop_map(|(r, replacement_id)| CalendarCommand::Delete {
            open_ticket_references: r,
            replacement_id,
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..30)) {
        testkit::check_replay::<CalendarAggregate>(&commands)?;
    }
}
