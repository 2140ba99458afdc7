//! Links seen from both tickets: the inbound side is derived from the linking ticket's
//! stream; an unlink removes both sides; a purge removes the purged ticket's links.

use ledgerdesk_core::ticket::TicketCommand;
use ulid::Ulid;

use super::*;
use crate::views::{links, LinkDirection, LinkRecord};

fn link(link: u128, other: Ulid) -> TicketCommand {
    TicketCommand::LinkTicket {
        link_id: Ulid(link),
        ticket_id: other,
        comment: Some("same printer".into()),
    }
}

fn seen(link_id: u128, other: Ulid, direction: LinkDirection) -> LinkRecord {
    LinkRecord {
        link_id: Ulid(link_id),
        ticket_id: other,
        direction,
        comment: Some("same printer".into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_shows_on_both_tickets_and_an_unlink_removes_both() {
    let mut desk = Desk::new().await;
    let (a, b, c) = (tid(1), tid(2), tid(3));
    for (id, subject) in [(a, "a"), (b, "b"), (c, "c")] {
        desk.open(create(id, subject)).await;
    }
    desk.exec(a, link(900, b)).await;
    desk.exec(b, link(901, a)).await;
    desk.exec(c, link(902, b)).await;
    let view = desk.view().await;
    assert_eq!(
        links(&view, a).unwrap(),
        vec![
            seen(900, b, LinkDirection::Outbound),
            seen(901, b, LinkDirection::Inbound)
        ]
    );
    assert_eq!(
        links(&view, b).unwrap(),
        vec![
            seen(901, a, LinkDirection::Outbound),
            seen(900, a, LinkDirection::Inbound),
            seen(902, c, LinkDirection::Inbound)
        ]
    );

    desk.exec(a, TicketCommand::UnlinkTicket { ticket_id: b })
        .await;
    let view = desk.view().await;
    assert_eq!(
        links(&view, a).unwrap(),
        vec![seen(901, b, LinkDirection::Inbound)]
    );
    assert_eq!(
        links(&view, b).unwrap(),
        vec![
            seen(901, a, LinkDirection::Outbound),
            seen(902, c, LinkDirection::Inbound)
        ]
    );

    // Purging C takes its link off B; purging B leaves A's view of nothing but its own.
    desk.exec(c, TicketCommand::Trash).await;
    desk.exec(c, TicketCommand::Purge).await;
    let view = desk.view().await;
    assert!(links(&view, c).unwrap().is_empty());
    assert_eq!(
        links(&view, b).unwrap(),
        vec![seen(901, a, LinkDirection::Outbound)]
    );
    desk.exec(b, TicketCommand::Trash).await;
    desk.exec(b, TicketCommand::Purge).await;
    let view = desk.view().await;
    assert!(links(&view, a).unwrap().is_empty());
    assert!(links(&view, b).unwrap().is_empty());

    let live = desk.runner.digest(NAME).unwrap();
    desk.runner.rebuild(NAME).await.unwrap();
    assert_eq!(desk.runner.digest(NAME).unwrap(), live);
}
