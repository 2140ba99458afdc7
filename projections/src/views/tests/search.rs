//! Text search: tokenisation, AND of terms, updates removing stale postings, trash and purge.

use ledgerdesk_core::ticket::{ReplyToTicket, Side, TicketCommand};
use ulid::Ulid;

use super::*;
use crate::views::ViewsMemory;
use crate::views::{search, tokenize, ViewsError};

fn found(view: &crate::ProjectionView, text: &str, trashed: bool) -> Vec<u64> {
    numbers(&search(view, text, trashed, None, 100).unwrap().items)
}

fn reply(id: u128, body: &str) -> TicketCommand {
    TicketCommand::Reply(Box::new(ReplyToTicket::plain(
        Ulid(id),
        REQ,
        Side::Requester,
        body,
    )))
}

#[test]
fn tokens_are_lowercase_alphanumeric_runs_of_two_or_more() {
    let got: Vec<String> = tokenize("Hello, WORLD! a b2 ÀÉ x-ray 4")
        .into_iter()
        .collect();
    assert_eq!(got, ["b2", "hello", "ray", "world", "àé"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_ands_terms_and_forgets_stale_text() {
    let mut desk = Desk::new().await;
    let mut c = create(tid(1), "Printer on fire");
    c.description = "The printer smokes".into();
    desk.open(c).await;
    let mut c = create(tid(2), "Printer jammed");
    c.description = "paper stuck".into();
    desk.open(c).await;
    let mut c = create(tid(3), "VPN down");
    c.description = "cannot connect".into();
    desk.open(c).await;
    let note = TicketCommand::AddNote {
        note_id: Ulid(900),
        author_id: AGENT,
        body: "secret printer remark".into(),
        attachments: Vec::new(),
    };
    desk.exec(tid(3), note).await;
    let view = desk.view().await;
    assert_eq!(
        found(&view, "printer", false),
        [1001, 1002],
        "notes are not indexed"
    );
    assert_eq!(found(&view, "PRINTER, Fire!", false), [1001]);
    assert_eq!(found(&view, "printer vpn", false), Vec::<u64>::new());
    assert_eq!(found(&view, "a", false), Vec::<u64>::new());
    assert_eq!(found(&view, "nothing", false), Vec::<u64>::new());
    let page = search(&view, "Printer fire", false, None, 10).unwrap();
    assert_eq!(page.terms, ["fire", "printer"]);
    assert_eq!(page.position, desk.store.head());

    // Replies are indexed; edits and deletions take their old words away.
    desk.exec(tid(3), reply(901, "the printer next door works"))
        .await;
    assert_eq!(
        found(&desk.view().await, "printer", false),
        [1001, 1002, 1003]
    );
    let edit = TicketCommand::EditReply {
        comment_id: Ulid(901),
        body: "all good".into(),
    };
    desk.exec(tid(3), edit).await;
    desk.exec(tid(2), reply(902, "call the vendor")).await;
    assert_eq!(found(&desk.view().await, "vendor", false), [1002]);
    desk.exec(
        tid(2),
        TicketCommand::DeleteReply {
            comment_id: Ulid(902),
        },
    )
    .await;
    let view = desk.view().await;
    assert_eq!(found(&view, "printer", false), [1001, 1002]);
    assert_eq!(found(&view, "good", false), [1003]);
    assert_eq!(found(&view, "vendor", false), Vec::<u64>::new());
    assert!(view
        .memory::<ViewsMemory>()
        .unwrap()
        .read()
        .posting("vendor")
        .is_none());

    // A new subject replaces the old words, but words still in the description stay.
    desk.exec(tid(1), update(|u| u.subject = Some("Toner low".into())))
        .await;
    let view = desk.view().await;
    assert_eq!(found(&view, "fire", false), Vec::<u64>::new());
    assert_eq!(found(&view, "printer", false), [1001, 1002]);
    assert_eq!(found(&view, "toner", false), [1001]);

    // Trashed tickets are searched only in the trash; purged ones nowhere.
    desk.exec(tid(2), TicketCommand::Trash).await;
    let view = desk.view().await;
    assert_eq!(found(&view, "printer", false), [1001]);
    assert_eq!(found(&view, "printer", true), [1002]);
    desk.exec(tid(2), TicketCommand::Purge).await;
    let view = desk.view().await;
    assert_eq!(found(&view, "printer", true), Vec::<u64>::new());
    let memory = view.memory::<ViewsMemory>().unwrap();
    assert!(
        memory.read().posting("jammed").is_none(),
        "a purged ticket leaves no posting"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_pages_follow_their_cursor() {
    let mut desk = Desk::new().await;
    for i in 1..=5u128 {
        let subject = if i == 3 {
            "common rare".to_owned()
        } else {
            format!("common {i}")
        };
        desk.open(create(tid(i), &subject)).await;
    }
    let view = desk.view().await;
    let mut cursor: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let page = search(&view, "common", false, cursor.as_deref(), 2).unwrap();
        assert!(page.items.len() <= 2);
        seen.extend(numbers(&page.items));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, [1001, 1002, 1003, 1004, 1005]);
    // The rarest term drives: one posting visited for "common rare".
    let page = search(&view, "common rare", false, None, 10).unwrap();
    assert_eq!((numbers(&page.items), page.scanned), (vec![1003], 1));
    let other = search(&view, "rare", false, Some(&hex::encode(b"wcommon\0")), 2);
    assert!(matches!(other, Err(ViewsError::InvalidCursor)));
}

/// The text of ticket `number`, as stored: one record per source, with its value's size.
fn stored_sources(view: &crate::ProjectionView, ticket: Ulid) -> Vec<usize> {
    let mut prefix = vec![crate::views::search::DOCUMENT];
    prefix.extend_from_slice(&crate::views::index::id_bytes(ticket));
    view.scan(&prefix, None, false)
        .map(|item| item.expect("scan").1.len())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_reply_is_its_own_source_so_a_long_thread_costs_no_more_per_reply() {
    let mut desk = Desk::new().await;
    desk.open(create(tid(1), "Invoice portal")).await;
    for i in 0..60u128 {
        let body = format!("reply number {i} about the invoice");
        desk.exec(tid(1), reply(5000 + i, &body)).await;
    }
    let view = desk.view().await;
    let sizes = stored_sources(&view, tid(1));
    assert_eq!(sizes.len(), 1 + 60, "the head and each reply");
    assert!(
        sizes.iter().all(|&s| s < 100),
        "no record holds the whole thread: {sizes:?}"
    );
    assert_eq!(desk.summary(tid(1)).await.reply_count, 60);

    // A word in two replies stays found until both are gone.
    desk.exec(tid(1), reply(2001, "escalated to finance")).await;
    desk.exec(tid(1), reply(2002, "finance answered")).await;
    let delete = |id: u128| TicketCommand::DeleteReply {
        comment_id: Ulid(id),
    };
    desk.exec(tid(1), delete(2001)).await;
    let view = desk.view().await;
    assert_eq!(found(&view, "finance", false), [1001]);
    assert_eq!(found(&view, "escalated", false), Vec::<u64>::new());
    assert_eq!(stored_sources(&view, tid(1)).len(), 1 + 61);
    desk.exec(tid(1), delete(2002)).await;
    let view = desk.view().await;
    assert_eq!(found(&view, "finance", false), Vec::<u64>::new());
    assert_eq!(desk.summary(tid(1)).await.reply_count, 60);

    // A purge removes every source.
    desk.exec(tid(1), TicketCommand::Trash).await;
    desk.exec(tid(1), TicketCommand::Purge).await;
    let view = desk.view().await;
    assert!(stored_sources(&view, tid(1)).is_empty());
    assert!(view
        .memory::<ViewsMemory>()
        .unwrap()
        .read()
        .posting("invoice")
        .is_none());
}
