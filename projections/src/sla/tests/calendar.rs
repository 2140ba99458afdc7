//! Business-time arithmetic, by worked examples computed by hand (dates in the comments).

use std::collections::BTreeSet;

use ledgerdesk_core::directory::calendar::{MinuteRange, WeeklyHours};
use ledgerdesk_core::Timestamp;

use super::{date, nine_to_five, DAY, HOUR, MIN};
use crate::sla::calendar::{add_business, BusinessHours, CalendarSnapshot, Span};

/// `YYYY-MM-DD hh:mm` UTC as a timestamp, from a day count after 2024-01-01 (a Monday).
fn utc(day: i64, hour: i64, minute: i64) -> Timestamp {
    Timestamp(super::T0 + day * DAY + hour * HOUR + minute * MIN)
}

fn hours(zone: &str, week: WeeklyHours, holidays: &[(u16, u8, u8)]) -> BusinessHours {
    BusinessHours::from_snapshot(&CalendarSnapshot {
        time_zone: zone.into(),
        hours: week,
        holidays: holidays
            .iter()
            .map(|(y, m, d)| date(*y, *m, *d))
            .collect::<BTreeSet<_>>(),
    })
}

#[test]
fn round_the_clock_is_plain_addition() {
    let h = BusinessHours::round_the_clock();
    assert_eq!(
        add_business(&h, utc(0, 10, 0), 90, &[]),
        Some(utc(0, 11, 30))
    );
    // A year of 365 days, the longest target: still found within the horizon.
    assert_eq!(
        add_business(&h, utc(0, 0, 0), 525_600, &[]),
        Some(utc(365, 0, 0))
    );
    assert_eq!(add_business(&h, utc(0, 10, 0), 0, &[]), Some(utc(0, 10, 0)));
}

#[test]
fn nights_are_skipped_and_a_start_before_opening_waits_for_it() {
    let h = hours("UTC", nine_to_five(), &[]);
    // Mon 2024-01-01 07:00, 60 min: opens at 09:00, due 10:00.
    assert_eq!(add_business(&h, utc(0, 7, 0), 60, &[]), Some(utc(0, 10, 0)));
    // Mon 16:00, 120 min: 60 today, 60 on Tuesday from 09:00.
    assert_eq!(
        add_business(&h, utc(0, 16, 0), 120, &[]),
        Some(utc(1, 10, 0))
    );
    // Exactly the rest of the day: due at closing time.
    assert_eq!(
        add_business(&h, utc(0, 16, 0), 60, &[]),
        Some(utc(0, 17, 0))
    );
}

#[test]
fn across_a_weekend() {
    let h = hours("UTC", nine_to_five(), &[]);
    // Fri 2024-01-05 16:00, 120 min: 60 on Friday, then Monday 2024-01-08 09:00 + 60.
    assert_eq!(
        add_business(&h, utc(4, 16, 0), 120, &[]),
        Some(utc(7, 10, 0))
    );
    // Starting on Saturday: Monday 09:00 + 30.
    assert_eq!(
        add_business(&h, utc(5, 12, 0), 30, &[]),
        Some(utc(7, 9, 30))
    );
}

#[test]
fn across_a_holiday() {
    // Monday 2024-01-08 is off: Friday 16:00 + 120 → Tuesday 2024-01-09 10:00.
    let h = hours("UTC", nine_to_five(), &[(2024, 1, 8)]);
    assert_eq!(
        add_business(&h, utc(4, 16, 0), 120, &[]),
        Some(utc(8, 10, 0))
    );
}

#[test]
fn in_a_time_zone() {
    // New York is UTC-5 in January: 09:00-17:00 local is 14:00-22:00 UTC.
    let h = hours("America/New_York", nine_to_five(), &[]);
    // Mon 2024-01-01 13:00 UTC (08:00 local), 60 min → 10:00 local = 15:00 UTC.
    assert_eq!(
        add_business(&h, utc(0, 13, 0), 60, &[]),
        Some(utc(0, 15, 0))
    );
    // Mon 21:30 UTC (16:30 local), 60 min → 30 today, Tue 09:30 local = 14:30 UTC.
    assert_eq!(
        add_business(&h, utc(0, 21, 30), 60, &[]),
        Some(utc(1, 14, 30))
    );
    // An unknown zone counts as UTC.
    let unknown = hours("Mars/Olympus_Mons", nine_to_five(), &[]);
    assert_eq!(
        add_business(&unknown, utc(0, 7, 0), 60, &[]),
        Some(utc(0, 10, 0))
    );
}

#[test]
fn across_a_dst_change() {
    // Paris moves from UTC+1 to UTC+2 on Sunday 2024-03-31 at 02:00 local.
    // Day 88 after 2024-01-01 is Friday 2024-03-29.
    let h = hours("Europe/Paris", nine_to_five(), &[]);
    // Fri 16:00 local = 15:00 UTC, 120 min: 60 on Friday, then Monday 2024-04-01
    // 09:00 CEST = 07:00 UTC, + 60 → 08:00 UTC.
    assert_eq!(
        add_business(&h, utc(88, 15, 0), 120, &[]),
        Some(utc(91, 8, 0))
    );

    // Every local minute counts: the Sunday of the change has only 23 real hours, so 1440
    // business minutes from Sunday 00:00 local (Sat 23:00 UTC) still take 24 real hours.
    let all_day = vec![MinuteRange {
        start: 0,
        end: 1440,
    }];
    let always = hours(
        "Europe/Paris",
        WeeklyHours {
            days: std::array::from_fn(|_| all_day.clone()),
        },
        &[],
    );
    assert_eq!(
        add_business(&always, utc(89, 23, 0), 1440, &[]),
        Some(utc(90, 23, 0))
    );

    // Hours inside the gap: Sunday 02:00-04:00 local, but 02:00 does not exist that day, so
    // the range is 03:00-04:00 CEST (01:00-02:00 UTC): 60 minutes. 90 minutes from Saturday
    // → 60 on 2024-03-31, 30 on Sunday 2024-04-07 from 02:00 CEST (00:00 UTC).
    let mut sunday_night = WeeklyHours::default();
    sunday_night.days[6] = vec![MinuteRange {
        start: 120,
        end: 240,
    }];
    let h = hours("Europe/Paris", sunday_night, &[]);
    assert_eq!(
        add_business(&h, utc(89, 12, 0), 90, &[]),
        Some(utc(97, 0, 30))
    );
}

#[test]
fn paused_and_resumed_mid_day() {
    let h = hours("UTC", nine_to_five(), &[]);
    // Mon 09:00, 240 min, paused 10:00-12:00: 60 before, 180 from 12:00 → 15:00.
    let pause = [Span {
        from: utc(0, 10, 0),
        to: utc(0, 12, 0),
    }];
    assert_eq!(
        add_business(&h, utc(0, 9, 0), 240, &pause),
        Some(utc(0, 15, 0))
    );
    // A pause over the night and the next morning: Mon 16:00 to Tue 11:00. 120 min from Mon
    // 15:00: 60 before the pause, 60 from Tue 11:00 → 12:00.
    let pause = [Span {
        from: utc(0, 16, 0),
        to: utc(1, 11, 0),
    }];
    assert_eq!(
        add_business(&h, utc(0, 15, 0), 120, &pause),
        Some(utc(1, 12, 0))
    );
    // Two pauses and a pause before the start (ignored).
    let pauses = [
        Span {
            from: utc(0, 1, 0),
            to: utc(0, 2, 0),
        },
        Span {
            from: utc(0, 9, 30),
            to: utc(0, 10, 0),
        },
        Span {
            from: utc(0, 11, 0),
            to: utc(0, 13, 0),
        },
    ];
    // From 09:00, 180 min: 30 + 60 + 90 from 13:00 → 14:30.
    assert_eq!(
        add_business(&h, utc(0, 9, 0), 180, &pauses),
        Some(utc(0, 14, 30))
    );
    // Round the clock, paused 1h: 90 min from 10:00 with 10:30-11:30 paused: 30 before the
    // pause, 60 after it → 12:30.
    let pause = [Span {
        from: utc(0, 10, 30),
        to: utc(0, 11, 30),
    }];
    let always = BusinessHours::round_the_clock();
    assert_eq!(
        add_business(&always, utc(0, 10, 0), 90, &pause),
        Some(utc(0, 12, 30))
    );
}

#[test]
fn never_when_the_calendar_has_no_hours_or_the_target_is_beyond_the_horizon() {
    let closed = hours("UTC", WeeklyHours::default(), &[]);
    assert_eq!(add_business(&closed, utc(0, 9, 0), 1, &[]), None);
    // A year of business minutes at 40 hours a week is about 4.2 years: beyond 3 years.
    let h = hours("UTC", nine_to_five(), &[]);
    assert_eq!(add_business(&h, utc(0, 9, 0), 525_600, &[]), None);
    // But 10 weeks of 40 hours is found: 24 000 minutes = 50 business days → 10 weeks later.
    assert_eq!(
        add_business(&h, utc(0, 9, 0), 24_000, &[]),
        Some(utc(67, 17, 0))
    );
}
