//! The kb model against a real log, with hand-computed scores.

use std::collections::BTreeSet;
use std::sync::Arc;

use ledgerdesk_core::directory::kb::{
    ArticleAggregate, ArticleCommand, ArticleContent, ArticlePatch,
};
use ledgerdesk_core::{StreamId, StreamKind};
use ulid::Ulid;

use super::{get, list, search, tokens, KbProjection};
use crate::testlog::{rt, TestLog, MIN};

fn content(title: &str, body: &str, private: bool) -> ArticleContent {
    ArticleContent {
        title: title.into(),
        description: None,
        content: body.into(),
        category_id: Ulid(5),
        private,
        responsible_id: Ulid(1),
        keywords: BTreeSet::new(),
    }
}

async fn write(log: &mut TestLog, id: u128, title: &str, body: &str, private: bool) {
    let command = ArticleCommand::Create {
        article_id: Ulid(id),
        author_id: Ulid(1),
        content: content(title, body, private),
        responsible_id: None,
        attachments: Vec::new(),
    };
    log.exec::<ArticleAggregate>(StreamId::new(StreamKind::KbArticle, Ulid(id)), command)
        .await;
    log.clock += MIN;
}

fn ids(page: &super::SearchPage) -> Vec<(u128, u32)> {
    page.hits
        .iter()
        .map(|h| (h.article.id.0, h.score))
        .collect()
}

#[test]
fn tokenizer() {
    assert_eq!(
        tokens("Reset the VPN-token, a b 2FA!"),
        ["reset", "the", "vpn", "token", "2fa"]
    );
    assert!(tokens("  ").is_empty());
}

#[test]
fn search_ranks_and_hides_drafts() {
    rt().block_on(async {
        let mut log = TestLog::new(Arc::new(KbProjection));
        write(
            &mut log,
            1,
            "Printer jams",
            "Open the printer tray. Printer paper.",
            false,
        )
        .await;
        write(
            &mut log,
            2,
            "VPN access",
            "If the printer fails, call IT.",
            false,
        )
        .await;
        write(&mut log, 3, "Printer draft", "printer notes", true).await;
        let view = log.view().await;
        // 1: title 3 + body 2 = 5; 3: title 3 + body 1 = 4; 2: body 1.
        let all = search(&view, "PRINTER", false, 0, 10).unwrap();
        assert_eq!((ids(&all), all.total), (vec![(1, 5), (3, 4), (2, 1)], 3));
        let public = search(&view, "printer", true, 0, 10).unwrap();
        assert_eq!(ids(&public), [(1, 5), (2, 1)]);
        // Every token must match; the scores add up.
        assert_eq!(
            ids(&search(&view, "printer call", true, 0, 10).unwrap()),
            [(2, 2)]
        );
        assert!(search(&view, "printer nowhere", true, 0, 10)
            .unwrap()
            .hits
            .is_empty());
        assert!(search(&view, "!", true, 0, 10).unwrap().hits.is_empty());
        // Pages.
        let second = search(&view, "printer", false, 1, 1).unwrap();
        assert_eq!((ids(&second), second.total), (vec![(3, 4)], 3));

        let a1 = StreamId::new(StreamKind::KbArticle, Ulid(1));
        let patch = ArticlePatch {
            title: Some("Paper jams".into()),
            ..ArticlePatch::default()
        };
        log.exec::<ArticleAggregate>(a1, ArticleCommand::Modify { patch })
            .await;
        let publish = ArticlePatch {
            private: Some(false),
            ..ArticlePatch::default()
        };
        let a3 = StreamId::new(StreamKind::KbArticle, Ulid(3));
        log.exec::<ArticleAggregate>(a3, ArticleCommand::Modify { patch: publish })
            .await;
        let view = log.view().await;
        assert_eq!(
            ids(&search(&view, "printer", true, 0, 10).unwrap()),
            [(3, 4), (1, 2), (2, 1)]
        );
        assert_eq!(get(&view, Ulid(1)).unwrap().unwrap().title, "Paper jams");
        log.exec::<ArticleAggregate>(a1, ArticleCommand::Delete)
            .await;
        let view = log.view().await;
        assert_eq!(
            ids(&search(&view, "printer", true, 0, 10).unwrap()),
            [(3, 4), (2, 1)]
        );
        assert!(search(&view, "paper", false, 0, 10)
            .unwrap()
            .hits
            .is_empty());
        assert!(get(&view, Ulid(1)).unwrap().unwrap().deleted);
        let listed: Vec<u128> = list(&view, true, 0, 10)
            .unwrap()
            .hits
            .iter()
            .map(|h| h.article.id.0)
            .collect();
        assert_eq!(listed, [3, 2]);
        log.assert_rebuild_matches().await;
    });
}
