//! The demo's catalogue: a business-hours calendar with two priorities counted in it, the
//! default priorities, statuses and types the tickets use, and breaking news.

use std::collections::BTreeSet;

use anyhow::Context;
use ledgerdesk_core::directory::breaking_news::{
    BreakingNewsAggregate, BreakingNewsCommand, Importance, NewsContent,
};
use ledgerdesk_core::directory::calendar::{
    CalendarAggregate, CalendarCommand, CivilDate, Holiday, MinuteRange, WeeklyHours,
};
use ledgerdesk_core::directory::normalise;
use ledgerdesk_core::directory::priority::{self, PriorityAggregate, PriorityCommand, SlaTargets};
use ledgerdesk_core::directory::status::StatusCategory;
use ledgerdesk_core::directory::ticket_type;
use ledgerdesk_core::ticket::{StatusRef, TicketTypeRef};
use ledgerdesk_core::{Actor, EventStore, StreamId, StreamKind, Timestamp};
use ulid::Ulid;

use super::people::People;
use super::Demo;
use crate::catalogue as defaults;

/// Priorities the demo adds, counted in office hours: name, colour, SLA minutes (overdue-in,
/// first response, resolution).
const OFFICE_PRIORITIES: [(&str, &str, [u32; 3]); 2] = [
    ("Standard (office hours)", "#0f766e", [960, 240, 1_920]),
    ("VIP (office hours)", "#9333ea", [240, 30, 480]),
];

/// The default priorities the demo uses when they still exist under these names.
const DEFAULT_PRIORITIES: [&str; 4] = ["Low", "Medium", "High", "Urgent"];

/// What ticket commands need from the catalogue.
pub(crate) struct Catalogue {
    /// Priorities, most common first.
    pub priorities: Vec<Ulid>,
    pub new: StatusRef,
    pub in_progress: StatusRef,
    pub pending: StatusRef,
    pub resolved: StatusRef,
    pub closed: StatusRef,
    pub incident: TicketTypeRef,
    /// Service requests, when the default type still exists (else incidents).
    pub service_request: TicketTypeRef,
    /// Questions, when the default type still exists (else incidents).
    pub question: TicketTypeRef,
}

/// Creates the calendar and the office-hours priorities, and resolves the defaults.
pub(crate) async fn load(demo: &mut Demo<'_>, _people: &People) -> anyhow::Result<Catalogue> {
    let at = demo.ago(super::HISTORY_DAYS * 24 * 60 + 30);
    let calendar_id = demo.id(at);
    let office = vec![MinuteRange {
        start: 9 * 60,
        end: 18 * 60,
    }];
    let mut days: [Vec<MinuteRange>; 7] = Default::default();
    for day in days.iter_mut().take(5) {
        *day = office.clone();
    }
    let holiday = |year, month, day, name: &str| Holiday {
        date: CivilDate { year, month, day },
        name: name.to_owned(),
    };
    let calendar = demo
        .run::<CalendarAggregate>(
            StreamId::new(StreamKind::Calendar, calendar_id),
            &CalendarCommand::Create {
                calendar_id,
                name: "Office hours (Mon-Fri 9:00-18:00)".to_owned(),
                time_zone: "Europe/Paris".to_owned(),
                hours: WeeklyHours { days },
                holidays: vec![
                    holiday(2026, 12, 25, "Christmas Day"),
                    holiday(2027, 1, 1, "New Year's Day"),
                ],
            },
            Actor::System,
            at,
            "demo:v1:calendar:office".to_owned(),
        )
        .await?;
    let mut priorities = Vec::new();
    for name in DEFAULT_PRIORITIES {
        let found = demo
            .state
            .store
            .claim_holder(priority::NAME_SCOPE, &normalise(name))
            .await?;
        priorities.extend(found.map(|s| s.id));
    }
    for (name, colour, [overdue, first_response, resolution]) in OFFICE_PRIORITIES {
        let priority_id = demo.id(at);
        let done = demo
            .run::<PriorityAggregate>(
                StreamId::new(StreamKind::Priority, priority_id),
                &PriorityCommand::Create {
                    priority_id,
                    name: name.to_owned(),
                    colour: colour.to_owned(),
                    sla: SlaTargets {
                        overdue_in_minutes: Some(overdue),
                        first_response_minutes: Some(first_response),
                        resolution_minutes: Some(resolution),
                        calendar_id: Some(calendar.stream.id),
                    },
                },
                Actor::System,
                at,
                format!("demo:v1:priority:{name}"),
            )
            .await?;
        priorities.push(done.stream.id);
    }
    let state = demo.state;
    let status = |category| async move {
        defaults::default_status(state, category, "demo")
            .await
            .map_err(|e| anyhow::anyhow!("the demo needs the default {category:?} status: {e}"))
    };
    let incident = defaults::default_type(state, "demo")
        .await
        .map_err(|e| anyhow::anyhow!("the demo needs the default Incident type: {e}"))?;
    let other_type = |name: &'static str| async move {
        let Some(stream) = state
            .store
            .claim_holder(ticket_type::NAME_SCOPE, &normalise(name))
            .await?
        else {
            return Ok::<_, anyhow::Error>(incident);
        };
        Ok(defaults::type_ref(state, &stream.id.to_string(), "demo")
            .await
            .unwrap_or(incident))
    };
    Ok(Catalogue {
        priorities,
        new: status(StatusCategory::New).await?,
        in_progress: status(StatusCategory::InProgress).await?,
        pending: status(StatusCategory::Pending).await?,
        resolved: status(StatusCategory::Resolved).await?,
        closed: status(StatusCategory::Closed).await?,
        incident,
        service_request: other_type("Service request").await?,
        question: other_type("Question").await?,
    })
}

/// Two breaking news items: a closed e-mail outage with its updates, and an announced
/// maintenance still open.
pub(crate) async fn news(demo: &mut Demo<'_>, people: &People) -> anyhow::Result<()> {
    let lead = people.agents.first().context("the demo has agents")?.id;
    let network = people.groups.get(1).context("the demo has groups")?.id;
    let desk = people.groups.first().context("the demo has groups")?.id;
    let outage_at = demo.ago(9 * 24 * 60 + 200);
    let outage: [(&str, i64, bool); 3] = [
        (
            "The mail relay's queue is draining; delays are down to about ten minutes.",
            45,
            false,
        ),
        (
            "Root cause: an expired certificate on the outbound relay. Replaced.",
            90,
            false,
        ),
        (
            "All queued mail has been delivered. Closing this notice.",
            150,
            true,
        ),
    ];
    post(
        demo,
        "mail-delays",
        NewsContent {
            title: "E-mail delivery delays".to_owned(),
            body: "Outgoing e-mail is delayed by up to an hour. Incoming mail is not affected."
                .to_owned(),
            importance: Importance::High,
            helpdesk_ids: BTreeSet::new(),
            group_ids: [network, desk].into(),
            resolution_time: None,
        },
        lead,
        outage_at,
        &outage,
    )
    .await?;
    let maintenance_at = demo.ago(2 * 24 * 60 + 30);
    let resolution = Timestamp(demo.now.as_micros() + 4 * 24 * 3_600_000_000);
    post(
        demo,
        "vpn-maintenance",
        NewsContent {
            title: "VPN maintenance on Saturday".to_owned(),
            body: "The VPN gateways are upgraded on Saturday from 8:00 to 12:00; remote \
                   access will drop a few times."
                .to_owned(),
            importance: Importance::Medium,
            helpdesk_ids: BTreeSet::new(),
            group_ids: [network].into(),
            resolution_time: Some(resolution),
        },
        lead,
        maintenance_at,
        &[(
            "The upgrade plan is confirmed; expect two short drops around 9:00.",
            600,
            false,
        )],
    )
    .await
}

/// Creates one news item at `at` and posts `updates` (text, minutes after, closes it).
async fn post(
    demo: &mut Demo<'_>,
    key: &str,
    content: NewsContent,
    author: Ulid,
    at: Timestamp,
    updates: &[(&str, i64, bool)],
) -> anyhow::Result<()> {
    let news_id = demo.id(at);
    let created = demo
        .run::<BreakingNewsAggregate>(
            StreamId::new(StreamKind::BreakingNews, news_id),
            &BreakingNewsCommand::Create {
                news_id,
                content,
                creator_id: Some(author),
                major_incident_id: None,
            },
            Actor::User(author),
            at,
            format!("demo:v1:news:{key}"),
        )
        .await?;
    for (i, (body, minutes, close)) in updates.iter().enumerate() {
        let when = Timestamp(at.as_micros() + minutes * 60_000_000).min(demo.now);
        let update_id = demo.id(when);
        demo.run::<BreakingNewsAggregate>(
            created.stream,
            &BreakingNewsCommand::PostUpdate {
                update_id,
                body: (*body).to_owned(),
                author_id: Some(author),
                close: *close,
            },
            Actor::User(author),
            when,
            format!("demo:v1:news:{key}:update:{i}"),
        )
        .await?;
    }
    Ok(())
}
