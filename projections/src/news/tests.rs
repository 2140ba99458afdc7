//! The news model against a real log, with hand-computed activity windows.

use std::collections::BTreeSet;
use std::sync::Arc;

use ledgerdesk_core::directory::breaking_news::{
    BreakingNewsAggregate, BreakingNewsCommand, Importance, NewsContent,
};
use ledgerdesk_core::directory::notice::{NoticeAggregate, NoticeCommand, NoticeContent};
use ledgerdesk_core::{StreamId, StreamKind};
use ulid::Ulid;

use super::{active, get, latest, notices, NewsProjection};
use crate::testlog::{rt, TestLog, MIN, T0};

fn content(title: &str) -> NewsContent {
    NewsContent {
        title: title.into(),
        body: "mail is down".into(),
        importance: Importance::High,
        helpdesk_ids: BTreeSet::new(),
        group_ids: [Ulid(7)].into(),
        resolution_time: None,
    }
}

fn ids(news: &[super::News]) -> Vec<u128> {
    news.iter().map(|n| n.id.0).collect()
}

#[test]
fn breaking_news_windows_and_updates() {
    rt().block_on(async {
        let mut log = TestLog::new(Arc::new(NewsProjection));
        let s = |id| StreamId::new(StreamKind::BreakingNews, Ulid(id));
        let create = |id: u128, title: &str| BreakingNewsCommand::Create {
            news_id: Ulid(id),
            content: content(title),
            creator_id: Some(Ulid(1)),
            major_incident_id: None,
        };
        log.exec::<BreakingNewsAggregate>(s(1), create(1, "Mail"))
            .await; // T0
        log.clock += 10 * MIN;
        log.exec::<BreakingNewsAggregate>(s(2), create(2, "VPN"))
            .await; // T0+10
        log.clock += 10 * MIN;
        let update = BreakingNewsCommand::PostUpdate {
            update_id: Ulid(50),
            body: "fixed".into(),
            author_id: Some(Ulid(1)),
            close: true,
        };
        log.exec::<BreakingNewsAggregate>(s(1), update).await; // T0+20: 1 closes
        let view = log.view().await;
        assert_eq!(latest(&view).unwrap(), T0 + 20 * MIN);
        assert_eq!(ids(&active(&view, None).unwrap()), [2]);
        assert_eq!(ids(&active(&view, Some(T0 + 15 * MIN)).unwrap()), [2, 1]);
        assert_eq!(ids(&active(&view, Some(T0 + 5 * MIN)).unwrap()), [1]);
        assert!(active(&view, Some(T0 - 1)).unwrap().is_empty());
        let mail = get(&view, Ulid(1)).unwrap().unwrap();
        assert_eq!(mail.updates.len(), 1);
        assert_eq!(mail.updates[0].body, "fixed");
        assert!(!mail.open);
        log.clock += 10 * MIN;
        log.exec::<BreakingNewsAggregate>(s(1), BreakingNewsCommand::Reopen)
            .await; // T0+30
        log.clock += 10 * MIN;
        log.exec::<BreakingNewsAggregate>(s(2), BreakingNewsCommand::Close)
            .await; // T0+40
        let view = log.view().await;
        assert_eq!(ids(&active(&view, None).unwrap()), [1]);
        assert_eq!(ids(&active(&view, Some(T0 + 25 * MIN)).unwrap()), [2]);
        assert_eq!(
            get(&view, Ulid(1)).unwrap().unwrap().open_spans,
            vec![(T0, Some(T0 + 20 * MIN)), (T0 + 30 * MIN, None)]
        );
        log.assert_rebuild_matches().await;
    });
}

#[test]
fn notices_activate_and_clear() {
    rt().block_on(async {
        let mut log = TestLog::new(Arc::new(NewsProjection));
        let s = |id| StreamId::new(StreamKind::Notice, Ulid(id));
        for id in [1u128, 2] {
            let create = NoticeCommand::Create {
                notice_id: Ulid(id),
                content: NoticeContent {
                    name: format!("n{id}"),
                    message: "maintenance tonight".into(),
                    ..NoticeContent::default()
                },
            };
            log.exec::<NoticeAggregate>(s(id), create).await;
        }
        log.exec::<NoticeAggregate>(s(2), NoticeCommand::Activate)
            .await;
        let view = log.view().await;
        let shown: Vec<u128> = notices(&view, true)
            .unwrap()
            .iter()
            .map(|n| n.id.0)
            .collect();
        assert_eq!(shown, [2]);
        assert_eq!(notices(&view, false).unwrap().len(), 2);
        log.exec::<NoticeAggregate>(s(2), NoticeCommand::Clear)
            .await;
        log.exec::<NoticeAggregate>(s(1), NoticeCommand::Delete)
            .await;
        let view = log.view().await;
        assert!(notices(&view, true).unwrap().is_empty());
        assert_eq!(notices(&view, false).unwrap().len(), 1);
        log.assert_rebuild_matches().await;
    });
}
