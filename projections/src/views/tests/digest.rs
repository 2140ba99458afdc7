//! A model caught up in pieces and a rebuild from scratch agree (same digest) after random
//! histories, and the maintained counters agree with what the lists hold.

use ledgerdesk_core::ticket::{ReplyToTicket, Side, StatusCategory, TicketCommand};
use proptest::prelude::*;
use ulid::Ulid;

use super::*;
use crate::views::{count_filtered, list, search, SortField, TicketFilter, NAME};

const WORDS: [&str; 4] = ["printer", "network", "laptop", "coffee"];

fn command(op: u8, arg: u8, step: usize) -> TicketCommand {
    let word = WORDS[usize::from(arg) % WORDS.len()];
    let pick = |ids: &[Option<Ulid>]| ids[usize::from(arg) % ids.len()];
    match op % 10 {
        0 => update(|u| u.subject = Some(format!("{word} issue"))),
        1 => to_status(StatusCategory::ALL[usize::from(arg) % StatusCategory::ALL.len()]),
        2 => TicketCommand::Reassign {
            group_id: pick(&[None, Some(G1), Some(G2)]),
            agent_id: pick(&[None, Some(AGENT), Some(AGENT2), None]),
        },
        3 => update(|u| u.tag_ids = Some(pick(&[Some(TAG_A), Some(TAG_B)]).into_iter().collect())),
        4 => TicketCommand::Reply(Box::new(ReplyToTicket::plain(
            Ulid(10_000 + step as u128),
            AGENT,
            Side::Agent,
            &format!("about the {word}"),
        ))),
        5 => update(|u| u.priority_id = Some(pick(&[None, Some(P1), Some(P2)]))),
        6 => TicketCommand::Trash,
        7 => TicketCommand::Restore,
        8 => TicketCommand::Purge,
        _ => update(|u| u.description = Some(format!("the {word} again"))),
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn live_and_rebuilt_models_have_the_same_digest(
        history in proptest::collection::vec((0u8..5, 0u8..12, 0u8..8), 1..40)
    ) {
        rt().block_on(async {
            let mut desk = Desk::new().await;
            for (step, (ticket, op, arg)) in history.iter().enumerate() {
                let id = tid(u128::from(*ticket));
                desk.clock += HOUR;
                if desk.try_exec(id, command(*op, *arg, step)).await.is_none() {
                    // Not created yet (or refused): create it instead.
                    let _ = desk.try_exec(id, TicketCommand::Create(Box::new(create(id, WORDS[usize::from(*arg) % 4])))).await;
                }
                if step % 4 == 0 {
                    desk.runner.catch_up().await.expect("catch up");
                }
            }
            let view = desk.view().await;
            let live = desk.runner.digest(NAME).unwrap();
            // Counters agree with the indexes, in both scopes.
            for trashed in [false, true] {
                let filter = TicketFilter { trashed, ..TicketFilter::default() };
                let page = list(&view, &filter, SortField::Updated, true, None, 100).unwrap();
                assert_eq!(Some(page.items.len() as u64), count_filtered(&view, &filter).unwrap().exact);
                for s in &page.items {
                    let agent = TicketFilter { agent: Some(s.agent_id), ..filter.clone() };
                    let listed = list(&view, &agent, SortField::Status, false, None, 100).unwrap();
                    assert_eq!(Some(listed.items.len() as u64), listed.total);
                    assert!(listed.items.iter().any(|x| x.ticket_id == s.ticket_id));
                }
            }
            for word in WORDS {
                for hit in search(&view, word, false, None, 100).unwrap().items {
                    assert!(!hit.purged && !hit.trashed);
                }
            }
            // The index built event by event, the one loaded from the stored records and the
            // one a rebuild builds in its own chunks answer alike.
            let incremental = answers(&view);
            let loaded = crate::ProjectionView {
                memory: Some(std::sync::Arc::new(crate::views::ViewsMemory::load(&view).unwrap())),
                ..view.clone()
            };
            assert_eq!(answers(&loaded), incremental);
            // Small lists sort their selection whole, so the answers alone would not see a
            // stale sort order or field entry (a large desk walks them): compare the indexes.
            let loaded_index = loaded.memory::<crate::views::ViewsMemory>().expect("an index");
            let live_index = view.memory::<crate::views::ViewsMemory>().expect("an index");
            assert_eq!(*loaded_index.read(), *live_index.read());
            desk.runner.rebuild(NAME).await.unwrap();
            assert_eq!(desk.runner.digest(NAME).unwrap(), live);
            assert_eq!(answers(&desk.view().await), incremental);
            // The replay tool's runner keeps no index, and rebuilds the same model.
            let offline = crate::ProjectionRunner::open_offline(
                desk.store.clone(),
                vec![std::sync::Arc::new(crate::views::TicketViews)],
            )
            .unwrap();
            assert!(offline.view(NAME).unwrap().memory::<crate::views::ViewsMemory>().is_none());
            offline.rebuild(NAME).await.unwrap();
            assert_eq!(offline.digest(NAME).unwrap(), live);
        });
    }
}

/// Every list order both ways, every count and every search, in both scopes, as text.
fn answers(view: &crate::ProjectionView) -> Vec<String> {
    use crate::views::{counts, Field};
    let mut out = Vec::new();
    for trashed in [false, true] {
        let filter = TicketFilter {
            trashed,
            ..TicketFilter::default()
        };
        for sort in [
            SortField::Created,
            SortField::Updated,
            SortField::Closed,
            SortField::Priority,
            SortField::Status,
        ] {
            for descending in [false, true] {
                let page = list(view, &filter, sort, descending, None, 100).unwrap();
                out.push(format!(
                    "{sort:?} {descending} {:?}",
                    page.items
                        .iter()
                        .map(|s| (s.number, s.version))
                        .collect::<Vec<_>>()
                ));
            }
        }
        for field in Field::ALL {
            out.push(format!(
                "{field:?} {:?}",
                counts(view, field, trashed, None, 100).unwrap().counts
            ));
        }
        for word in WORDS {
            let hits = search(view, word, trashed, None, 100).unwrap().items;
            out.push(format!(
                "{word} {:?}",
                hits.iter().map(|s| s.number).collect::<Vec<_>>()
            ));
        }
    }
    out
}
