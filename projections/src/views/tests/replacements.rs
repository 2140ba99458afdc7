//! A directory delete with a replacement, appended to the log beside ticket events, moves the
//! tickets in the same chunk; the index, the summaries and a rebuild agree.

use ledgerdesk_core::directory::priority::PriorityEvent;
use ledgerdesk_core::directory::Removed;
use ledgerdesk_core::ticket::TicketCommand;
use ulid::Ulid;

use super::*;
use crate::views::{count_filtered, counts, list, Field, SortField, TicketFilter};

impl Desk {
    /// Appends the delete of priority `old` naming `new` as its replacement, at the clock.
    async fn delete_priority(&mut self, old: Ulid, new: Option<Ulid>) {
        let event = PriorityEvent::Deleted(Removed {
            name: "P".into(),
            replacement_id: new,
            at: Timestamp(self.clock),
        });
        let mut request = AppendRequest::new(
            StreamId::new(StreamKind::Priority, old),
            ExpectedVersion::Any,
            AppendMeta::new(Actor::User(AGENT)),
            vec![event.to_new_event(Ulid::new()).expect("encodes")],
        );
        request.recorded_at = Some(Timestamp(self.clock));
        self.store.append(request).await.expect("append");
    }
}

fn by_priority(p: Ulid) -> TicketFilter {
    TicketFilter {
        priority: Some(Some(p)),
        ..TicketFilter::default()
    }
}

#[tokio::test]
async fn a_priority_delete_with_a_replacement_moves_its_tickets() {
    let mut desk = Desk::new().await;
    for i in 1..=4 {
        desk.open(create(tid(i), "printer")).await;
    }
    let set = |p| update(|u| u.priority_id = Some(Some(p)));
    desk.exec(tid(1), set(P1)).await;
    desk.exec(tid(2), set(P1)).await;
    desk.exec(tid(3), set(P2)).await;
    desk.exec(tid(4), set(P1)).await;
    desk.exec(tid(4), TicketCommand::Trash).await;
    let version_before = desk.summary(tid(1)).await.version;

    // Without a replacement nothing moves.
    desk.delete_priority(Ulid(99), None).await;
    // In the same chunk as a ticket event: catch up once after both.
    desk.exec(tid(3), update(|u| u.subject = Some("scanner".into())))
        .await;
    desk.delete_priority(P1, Some(P2)).await;
    let view = desk.view().await;
    let moved = list(&view, &by_priority(P2), SortField::Number, false, None, 10).unwrap();
    assert_eq!(numbers(&moved.items), [1001, 1002, 1003]);
    assert_eq!(
        count_filtered(&view, &by_priority(P1)).unwrap().exact,
        Some(0)
    );
    let trashed = TicketFilter {
        trashed: true,
        ..by_priority(P2)
    };
    assert_eq!(count_filtered(&view, &trashed).unwrap().exact, Some(1));
    let per_value = counts(&view, Field::Priority, false, None, 10).unwrap();
    let p2 = per_value.counts.iter().find(|c| c.value == P2.to_string());
    assert_eq!(p2.map(|c| c.count), Some(3));
    assert!(per_value.counts.iter().all(|c| c.value != P1.to_string()));
    let one = desk.summary(tid(1)).await;
    assert_eq!(one.priority_id, Some(P2));
    // The ticket's own version (for If-Match) is untouched: its stream did not change.
    assert_eq!(one.version, version_before);

    let live = desk.runner.digest(NAME).unwrap();
    desk.runner.rebuild(NAME).await.unwrap();
    assert_eq!(desk.runner.digest(NAME).unwrap(), live);
}
