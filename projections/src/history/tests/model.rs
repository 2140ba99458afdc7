//! The history model over real logs: commands run through the command service into a sled
//! store, then the runner folds them. Times and positions are read back from the store, never
//! assumed.

use ulid::Ulid;

use ledgerdesk_core::ticket::{AttachmentTarget, Side, StatusCategory, TicketCommand};
use ledgerdesk_core::{Actor, EventStore, StreamId, StreamKind};

use super::desk::*;
use crate::history::{
    audit_by_actor, audit_by_time, ticket_by_number, ticket_history, ticket_number, Cursor,
    HistoryEntry, Visibility, MAX_LIMIT, NAME,
};
use crate::ProjectionError;

/// Goal: an entry carries the envelope's facts, and numbers agree with the store. Method:
/// two tickets (with a stream of another kind in between), a few commands, then compare
/// each entry with the recorded event and each number with `EventStore::stream_number`.
#[test]
fn entries_carry_the_envelope_and_numbers_match_the_store() {
    rt().block_on(async {
        let desk = Desk::new();
        let (a, b) = (Ulid::new(), Ulid::new());
        desk.run(a, USER, create(a, "first")).await;
        let user_stream = StreamId::generate(StreamKind::User);
        desk.append_raw(user_stream, "user.whatever", vec![1, 2, 3])
            .await;
        desk.run(b, OTHER_USER, create(b, "second")).await;
        desk.run(a, USER, to_status(StatusCategory::Open)).await;
        desk.run(a, USER, note(Ulid::new())).await;
        desk.run(a, USER, reply(Ulid::new(), Side::Agent)).await;
        let runner = desk.history().await;
        let view = runner.view(NAME).unwrap();
        assert_eq!(view.position(), desk.store.head());

        let page = ticket_history(&view, a, None, 50).unwrap();
        let recorded = desk.events(a).await;
        assert_eq!(page.entries.len(), recorded.len());
        assert_eq!(page.position, desk.store.head());
        assert_eq!(page.next, None);
        for (entry, event) in page.entries.iter().zip(&recorded) {
            assert_eq!(entry.position, event.position);
            assert_eq!(entry.version, event.version);
            assert_eq!(entry.event_id, event.event_id);
            assert_eq!(entry.recorded_at, event.recorded_at);
            assert_eq!(entry.actor, event.actor);
            assert_eq!(entry.event_type, event.event_type);
            assert_eq!(entry.ticket_id, a);
            assert_eq!(entry.ticket_number, 1001);
        }
        let actions: Vec<(&str, &str, Visibility)> = page
            .entries
            .iter()
            .map(|e| (e.action.as_str(), e.trudesk_action.as_str(), e.visibility))
            .collect();
        assert_eq!(
            actions,
            [
                ("created", "ticket:created", Visibility::Public),
                ("status_changed", "ticket:set:status", Visibility::Public),
                ("note_added", "ticket:note:added", Visibility::Internal),
                ("reply_added", "ticket:comment:added", Visibility::Public),
                (
                    "first_response_recorded",
                    "ticket:set:firstresponse",
                    Visibility::Public
                ),
            ]
        );

        for ticket in [a, b] {
            let stream = StreamId::new(StreamKind::Ticket, ticket);
            let number = desk.store.stream_number(stream).await.unwrap();
            assert_eq!(ticket_number(&view, ticket).unwrap(), number);
            let number = number.unwrap();
            assert_eq!(ticket_by_number(&view, number).unwrap(), Some(ticket));
        }
        assert_eq!(ticket_number(&view, b).unwrap(), Some(1002));
        assert_eq!(ticket_number(&view, Ulid::new()).unwrap(), None);
        assert_eq!(ticket_by_number(&view, 1003).unwrap(), None);
    });
}

/// Goal: cursor pages of a ticket's history partition it in order. Method: one ticket with
/// seven entries read with every page size from 1 to 8, plus the clamps of `limit`.
#[test]
fn ticket_history_pages_follow_the_cursor() {
    rt().block_on(async {
        let desk = Desk::new();
        let t = Ulid::new();
        desk.run(t, USER, create(t, "s0")).await;
        for i in 1..7 {
            desk.run(t, USER, subject(&format!("s{i}"))).await;
        }
        let runner = desk.history().await;
        let view = runner.view(NAME).unwrap();
        let full = ticket_history(&view, t, None, MAX_LIMIT).unwrap().entries;
        assert_eq!(full.len(), 7);
        assert!(full.windows(2).all(|w| w[0].position < w[1].position));
        for limit in 1..=8 {
            let pages = all_pages(|after| ticket_history(&view, t, after, limit).unwrap());
            assert_eq!(pages.len(), 7usize.div_ceil(limit), "limit {limit}");
            assert!(pages.iter().all(|p| p.entries.len() <= limit));
            assert_eq!(flatten(&pages), full, "limit {limit}");
        }
        // A zero limit still makes progress; a huge one is bounded.
        assert_eq!(ticket_history(&view, t, None, 0).unwrap().entries.len(), 1);
        let huge = ticket_history(&view, t, None, usize::MAX).unwrap();
        assert_eq!((huge.entries.len(), huge.next), (7, None));
        // The text form of the cursor resumes the same page.
        let first = ticket_history(&view, t, None, 3).unwrap();
        let cursor: Cursor = first.next.unwrap().to_string().parse().unwrap();
        let second = ticket_history(&view, t, Some(cursor), 3).unwrap();
        assert_eq!(second.entries, full[3..6]);
        assert!(ticket_history(&view, Ulid::new(), None, 10)
            .unwrap()
            .entries
            .is_empty());
    });
}

/// Goal: the audit feeds return exactly the matching entries, in (time, position) order, and
/// paginate without loss, across many blocks of the feeds. Method: two actors on two tickets,
/// 202 events; every feed and range is compared with a filter of all entries, for several page
/// sizes.
#[test]
fn audit_feeds_by_actor_and_by_time() {
    rt().block_on(async {
        let desk = Desk::new();
        let (a, b) = (Ulid::new(), Ulid::new());
        desk.run(a, USER, create(a, "a")).await;
        desk.run(b, OTHER_USER, create(b, "b")).await;
        for i in 0..100 {
            let (ticket, actor) = if i & 1 == 0 {
                (a, USER)
            } else {
                (b, OTHER_USER)
            };
            desk.run(ticket, actor, subject(&format!("x{i}"))).await;
            desk.run(a, OTHER_USER, reply(Ulid::new(), Side::Requester))
                .await;
        }
        let runner = desk.history().await;
        let view = runner.view(NAME).unwrap();
        let mut all: Vec<HistoryEntry> = [a, b]
            .iter()
            .flat_map(|t| ticket_history(&view, *t, None, MAX_LIMIT).unwrap().entries)
            .collect();
        all.sort_by_key(|e| (e.recorded_at, e.position));
        assert_eq!(all.len(), 202);

        let from = all[50].recorded_at;
        let to = all[170].recorded_at;
        let in_range = |e: &HistoryEntry| e.recorded_at >= from && e.recorded_at < to;
        for limit in [1, 2, 5, 100] {
            let by_time = |f, t| {
                flatten(&all_pages(|after| {
                    audit_by_time(&view, f, t, after, limit).unwrap()
                }))
            };
            assert_eq!(by_time(None, None), all, "limit {limit}");
            let expected: Vec<_> = all.iter().filter(|e| in_range(e)).cloned().collect();
            assert_eq!(by_time(Some(from), Some(to)), expected, "limit {limit}");

            for actor in [USER, OTHER_USER, Actor::System] {
                let got = flatten(&all_pages(|after| {
                    audit_by_actor(&view, actor, Some(from), Some(to), after, limit).unwrap()
                }));
                let expected: Vec<_> = all
                    .iter()
                    .filter(|e| e.actor == actor && in_range(e))
                    .cloned()
                    .collect();
                assert_eq!(got, expected, "actor {actor} limit {limit}");
            }
        }
        // An actor's feed is in blocks of its own pointers: USER's 51 entries, spread over the
        // whole log, fill one block; OTHER_USER's 151 fill three.
        let blocks = |actor| {
            view.scan(&crate::history::keys::actor_prefix(actor), None, false)
                .count()
        };
        assert_eq!((blocks(USER), blocks(OTHER_USER)), (1, 3));
        let everything = audit_by_actor(&view, OTHER_USER, None, None, None, 100).unwrap();
        assert_eq!(everything.entries.len(), 100);
        assert!(everything.next.is_some());
        assert_eq!(everything.position, desk.store.head());
    });
}

/// Goal: a purge removes the ticket's entries and pointers but leaves the purge on record.
#[test]
fn a_purge_leaves_only_its_own_entry() {
    rt().block_on(async {
        let desk = Desk::new();
        let (t, kept) = (Ulid::new(), Ulid::new());
        desk.run(t, USER, create(t, "doomed")).await;
        desk.run(kept, USER, create(kept, "kept")).await;
        let attachment = TicketCommand::AddAttachment {
            target: AttachmentTarget::Ticket,
            attachment: file(Ulid::new()),
        };
        desk.run(t, USER, attachment).await;
        desk.run(t, OTHER_USER, reply(Ulid::new(), Side::Requester))
            .await;
        desk.run(t, USER, TicketCommand::Trash).await;
        desk.run(t, USER, TicketCommand::Purge).await;
        let runner = desk.history().await;
        let view = runner.view(NAME).unwrap();
        let left = ticket_history(&view, t, None, 100).unwrap().entries;
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].action, "purged");
        let feed = audit_by_time(&view, None, None, None, 100).unwrap().entries;
        let actions: Vec<(Ulid, &str)> = feed
            .iter()
            .map(|e| (e.ticket_id, e.action.as_str()))
            .collect();
        assert_eq!(actions, [(kept, "created"), (t, "purged")]);
        assert!(audit_by_actor(&view, OTHER_USER, None, None, None, 100)
            .unwrap()
            .entries
            .is_empty());
        assert_eq!(ticket_number(&view, t).unwrap(), Some(1001));
    });
}

/// Goal: a ticket event that does not decode stops the model at its position, with nothing
/// of it written; events of other stream kinds are not the model's business.
#[test]
fn an_undecodable_ticket_event_is_a_decode_error() {
    rt().block_on(async {
        let desk = Desk::new();
        let t = Ulid::new();
        desk.run(t, USER, create(t, "fine")).await;
        let other = StreamId::generate(StreamKind::Group);
        desk.append_raw(other, "group.created", vec![0xFF]).await;
        let runner = desk.history().await;
        let before = runner.digest(NAME).unwrap();
        let stream = StreamId::new(StreamKind::Ticket, t);
        let bad = desk
            .append_raw(stream, "ticket.subject_changed", vec![0xFF; 3])
            .await;
        match runner.catch_up().await {
            Err(ProjectionError::Decode { position, .. }) => assert_eq!(position, bad),
            other => panic!("expected a decode error, got {other:?}"),
        }
        assert_eq!(runner.digest(NAME).unwrap(), before);
        assert_eq!(runner.view(NAME).unwrap().position(), bad - 1);
    });
}

/// Goal: what an entry's text needs from earlier events comes from the model itself: an
/// attachment's name and visibility at its removal, another ticket's number at a link.
#[test]
fn removals_and_links_are_described_from_the_model() {
    rt().block_on(async {
        let desk = Desk::new();
        let (a, b) = (Ulid::new(), Ulid::new());
        desk.run(a, USER, create(a, "a")).await;
        desk.run(b, USER, create(b, "b")).await;
        let (note_id, on_note, on_ticket) = (Ulid::new(), Ulid::new(), Ulid::new());
        desk.run(a, USER, note(note_id)).await;
        for (id, target) in [
            (on_note, AttachmentTarget::Note(note_id)),
            (on_ticket, AttachmentTarget::Ticket),
        ] {
            let add = TicketCommand::AddAttachment {
                target,
                attachment: file(id),
            };
            desk.run(a, USER, add).await;
        }
        for id in [on_note, on_ticket] {
            let remove = TicketCommand::RemoveAttachment { attachment_id: id };
            desk.run(a, USER, remove).await;
        }
        let link = TicketCommand::LinkTicket {
            link_id: Ulid::new(),
            ticket_id: b,
            comment: None,
        };
        desk.run(a, USER, link).await;
        let runner = desk.history().await;
        let view = runner.view(NAME).unwrap();
        let entries = ticket_history(&view, a, None, 100).unwrap().entries;
        let tail: Vec<(&str, &str, Visibility)> = entries[entries.len() - 3..]
            .iter()
            .map(|e| (e.action.as_str(), e.description.as_str(), e.visibility))
            .collect();
        assert_eq!(
            tail,
            [
                (
                    "attachment_removed",
                    "Attachment was deleted: f.txt",
                    Visibility::Internal
                ),
                (
                    "attachment_removed",
                    "Attachment was deleted: f.txt",
                    Visibility::Public
                ),
                ("linked", "Linked to ticket #1002", Visibility::Public),
            ]
        );
    });
}
