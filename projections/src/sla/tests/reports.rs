//! Compliance reports by priority, group and agent; trash, restore and purge; payloads that
//! do not decode.

use ledgerdesk_core::ticket::{StatusCategory, TicketCommand};
use ledgerdesk_core::{AppendMeta, AppendRequest, EventStore, ExpectedVersion, NewEvent};

use super::*;
use crate::sla::{compliance, ticket_sla, ComplianceRow, Counts, GroupBy};
use crate::ProjectionError;

fn counts(met: u64, breached: u64) -> Counts {
    Counts { met, breached }
}

fn row(key: Option<Ulid>, fr: Counts, res: Counts) -> ComplianceRow {
    ComplianceRow {
        key,
        first_response: fr,
        resolution: res,
    }
}

/// Three tickets: `a` (P1, G1, AGENT) answered and resolved in time; `b` (P1, G1, nobody)
/// answered late and still open past its resolution target; `c` (P2, G2, AGENT2) untouched
/// past both targets.
async fn three_tickets() -> Desk {
    let mut desk = Desk::new().await;
    desk.priority(P1, targets(60, 600, 240, None)).await;
    desk.priority(P2, targets(30, 600, 120, None)).await;
    let (a, b, c) = (tid(1), tid(2), tid(3));
    desk.at(0).ticket(a, create(a, Some(P1))).await;
    desk.ticket(b, create(b, Some(P1))).await;
    let assign = |agent| TicketCommand::Assign {
        group_id: None,
        agent_id: Some(agent),
    };
    desk.at(10 * MIN).ticket(a, assign(AGENT)).await;
    desk.at(30 * MIN).ticket(a, agent_reply(1)).await;
    desk.at(HOUR).ticket(c, create(c, Some(P2))).await;
    let reassign = TicketCommand::Reassign {
        group_id: Some(G2),
        agent_id: Some(AGENT2),
    };
    desk.ticket(c, reassign).await;
    desk.at(2 * HOUR).ticket(b, agent_reply(2)).await;
    desk.at(3 * HOUR)
        .ticket(a, to_status(StatusCategory::Resolved))
        .await;
    desk
}

/// Goal: counts by the time targets were met or breached, grouped three ways. Due times:
/// `a` FR 1:00 (met 0:30), res 4:00 (met 3:00); `b` FR 1:00 (met late at 2:00: breached at
/// 1:00), res 4:00 (running: breached at 4:00); `c` FR 1:30, res 3:00 (running).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compliance_by_priority_group_and_agent() {
    let desk = three_tickets().await;
    let view = desk.view().await;
    let report = compliance(&view, at(0), at(10 * HOUR), GroupBy::Priority).unwrap();
    assert_eq!(report.position, view.position());
    assert!(!report.truncated);
    assert_eq!(
        report.rows,
        vec![
            row(Some(P1), counts(1, 1), counts(1, 1)),
            row(Some(P2), counts(0, 1), counts(0, 1)),
        ]
    );
    let by_group = compliance(&view, at(0), at(10 * HOUR), GroupBy::Group).unwrap();
    assert_eq!(
        by_group.rows,
        vec![
            row(Some(G1), counts(1, 1), counts(1, 1)),
            row(Some(G2), counts(0, 1), counts(0, 1)),
        ]
    );
    let by_agent = compliance(&view, at(0), at(10 * HOUR), GroupBy::Agent).unwrap();
    assert_eq!(
        by_agent.rows,
        vec![
            row(None, counts(0, 1), counts(0, 1)),
            row(Some(AGENT), counts(1, 0), counts(1, 0)),
            row(Some(AGENT2), counts(0, 1), counts(0, 1)),
        ]
    );
    // Up to 2:00: first responses of `a` (met), `b` (breached at 1:00) and `c` (due 1:30);
    // no resolution is decided or due yet.
    let early = compliance(&view, at(0), at(2 * HOUR), GroupBy::Priority).unwrap();
    assert_eq!(
        early.rows,
        vec![
            row(Some(P1), counts(1, 1), counts(0, 0)),
            row(Some(P2), counts(0, 1), counts(0, 0)),
        ]
    );
    // From 1:00 (inclusive) to 3:00: `b`'s first-response breach and `c`'s; `c`'s
    // resolution (due 3:00) is not in yet.
    let middle = compliance(&view, at(HOUR), at(3 * HOUR), GroupBy::Priority).unwrap();
    assert_eq!(
        middle.rows,
        vec![
            row(Some(P1), counts(0, 1), counts(0, 0)),
            row(Some(P2), counts(0, 1), counts(0, 0)),
        ]
    );
    // The same answers from a rebuilt model.
    desk.runner.rebuild(NAME).await.unwrap();
    let rebuilt = desk.runner.view(NAME).unwrap();
    assert_eq!(
        compliance(&rebuilt, at(0), at(10 * HOUR), GroupBy::Agent).unwrap(),
        by_agent
    );
}

/// Goal: trashed tickets leave the overdue lists and reports and come back on restore; a
/// purged ticket leaves the model.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trash_restore_and_purge() {
    let mut desk = three_tickets().await;
    let c = tid(3);
    assert_eq!(
        desk.overdue(SlaKind::Resolution, 5 * HOUR).await,
        vec![c, tid(2)]
    );
    desk.at(4 * HOUR).ticket(c, TicketCommand::Trash).await;
    assert_eq!(
        desk.overdue(SlaKind::Resolution, 5 * HOUR).await,
        vec![tid(2)]
    );
    let view = desk.view().await;
    let report = compliance(&view, at(0), at(10 * HOUR), GroupBy::Priority).unwrap();
    assert_eq!(
        report.rows.iter().map(|r| r.key).collect::<Vec<_>>(),
        vec![Some(P1)]
    );
    desk.at(5 * HOUR).ticket(c, TicketCommand::Restore).await;
    assert_eq!(
        desk.overdue(SlaKind::Resolution, 5 * HOUR).await,
        vec![c, tid(2)]
    );
    desk.at(6 * HOUR).ticket(c, TicketCommand::Trash).await;
    desk.ticket(c, TicketCommand::Purge).await;
    let view = desk.view().await;
    assert_eq!(ticket_sla(&view, c).unwrap().sla, None);
    assert_eq!(
        desk.overdue(SlaKind::Resolution, 5 * HOUR).await,
        vec![tid(2)]
    );
    assert_eq!(
        desk.overdue(SlaKind::FirstResponse, 50 * HOUR).await,
        Vec::<Ulid>::new()
    );
}

/// Goal: a ticket event that does not decode stops the projection with a decode error at its
/// position, without panicking.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_ticket_events_are_decode_errors() {
    let desk = Desk::new().await;
    let event = NewEvent {
        event_id: Ulid::new(),
        event_type: "ticket.created".into(),
        schema_version: 1,
        payload: vec![0xFF, 0x01],
    };
    let stream = StreamId::new(StreamKind::Ticket, tid(9));
    let request = AppendRequest::new(
        stream,
        ExpectedVersion::Any,
        AppendMeta::new(Actor::System),
        vec![event],
    );
    let position = desk.store.append(request).await.unwrap().last_position;
    match desk.runner.catch_up().await {
        Err(ProjectionError::Decode { position: p, .. }) => assert_eq!(p, position),
        other => panic!("expected a decode error, got {other:?}"),
    }
}
