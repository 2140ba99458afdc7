//! Given/when/then tests of knowledge-base articles, one per rule, and the replay property.

use super::*;
use crate::directory::testkit::{self, arb_id, given, ACTOR, NOW};
use proptest::prelude::*;

const ID: Ulid = Ulid(22);
const AUTHOR: Ulid = Ulid(10);
const EDITOR: Ulid = Ulid(11);
const HOWTO: Ulid = Ulid(21);
const FAQ: Ulid = Ulid(24);
const FILE: Ulid = Ulid(5);
const HASH: &str = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262";

fn content() -> ArticleContent {
    ArticleContent {
        title: "Reset your password".into(),
        description: None,
        content: "Open the portal.\n".into(),
        category_id: HOWTO,
        private: false,
        responsible_id: AUTHOR,
        keywords: ["password".to_owned(), "portal".to_owned()].into(),
    }
}

fn file(attachment_id: Ulid) -> Attachment {
    Attachment {
        attachment_id,
        name: "steps.pdf".into(),
        content_type: "application/pdf".into(),
        size_bytes: 2048,
        blake3: HASH.into(),
    }
}

fn created() -> ArticleEvent {
    ArticleEvent::Created(ArticleCreated {
        article_id: ID,
        author_id: AUTHOR,
        content: content(),
        attachments: vec![file(FILE)],
        at: NOW,
    })
}

fn modify(patch: ArticlePatch) -> ArticleCommand {
    ArticleCommand::Modify { patch }
}

fn modified(changes: Vec<ArticleChange>) -> ArticleEvent {
    ArticleEvent::Modified(ArticleModified {
        changes,
        by: Actor::User(ACTOR),
        at: NOW,
    })
}

#[test]
fn the_author_is_responsible_unless_another_is_named() {
    let raw = ArticleContent {
        title: " Reset your password ".into(),
        keywords: [" Password".to_owned(), "PORTAL".to_owned()].into(),
        ..content()
    };
    given::<ArticleAggregate>(&[])
        .when(ArticleCommand::Create {
            article_id: ID,
            author_id: AUTHOR,
            content: ArticleContent {
                responsible_id: EDITOR,
                ..raw
            },
            responsible_id: None,
            attachments: vec![file(FILE)],
        })
        .then(vec![created()]);
    assert!(claims(&created()).is_empty());
}

#[test]
fn title_and_content_are_required() {
    let create = |content| ArticleCommand::Create {
        article_id: ID,
        author_id: AUTHOR,
        content,
        responsible_id: None,
        attachments: vec![],
    };
    given::<ArticleAggregate>(&[])
        .when(create(ArticleContent {
            title: " ".into(),
            ..content()
        }))
        .then_err(CommonError::Empty { field: "title" });
    given::<ArticleAggregate>(&[])
        .when(create(ArticleContent {
            content: "\n".into(),
            ..content()
        }))
        .then_err(CommonError::Empty { field: "content" });
}

#[test]
fn modify_records_each_changed_field_with_old_and_new() {
    given::<ArticleAggregate>(&[created()])
        .when(modify(ArticlePatch {
            title: Some("Reset your password".into()),
            category_id: Some(FAQ),
            private: Some(true),
            responsible_id: Some(EDITOR),
            ..ArticlePatch::default()
        }))
        .then(vec![modified(vec![
            ArticleChange::Category(Change {
                old: HOWTO,
                new: FAQ,
            }),
            ArticleChange::Private(Change {
                old: false,
                new: true,
            }),
            ArticleChange::Responsible(Change {
                old: AUTHOR,
                new: EDITOR,
            }),
        ])]);
}

#[test]
fn a_modification_that_changes_nothing_decides_nothing() {
    given::<ArticleAggregate>(&[created()])
        .when(modify(ArticlePatch {
            keywords: Some(["PORTAL".to_owned(), "password ".to_owned()].into()),
            description: Some(Some(" ".into())),
            ..ArticlePatch::default()
        }))
        .then(vec![]);
}

#[test]
fn modify_validates_the_new_values() {
    let too_many: BTreeSet<String> = (0..51).map(|i| format!("k{i}")).collect();
    given::<ArticleAggregate>(&[created()])
        .when(modify(ArticlePatch {
            keywords: Some(too_many),
            ..ArticlePatch::default()
        }))
        .then_err(CommonError::Invalid {
            field: "keywords",
            reason: "at most 50 keywords",
        });
    let state = given::<ArticleAggregate>(&[created()])
        .when(modify(ArticlePatch {
            content: Some("Use the self-service page.".into()),
            ..ArticlePatch::default()
        }))
        .then_state();
    assert_eq!(state.content.content, "Use the self-service page.");
}

#[test]
fn attachments_are_described_by_a_blake3_hash() {
    let bad = |attachment| {
        given::<ArticleAggregate>(&[created()]).when(ArticleCommand::AddAttachment { attachment })
    };
    bad(Attachment {
        blake3: "abc".into(),
        ..file(Ulid(6))
    })
    .then_err(CommonError::Invalid {
        field: "blake3",
        reason: "expected 64 hex digits",
    });
    bad(Attachment {
        name: "../etc/passwd".into(),
        ..file(Ulid(6))
    })
    .then_err(CommonError::Invalid {
        field: "attachment_name",
        reason: "must be a file name without directories",
    });
    bad(Attachment {
        content_type: "pdf".into(),
        ..file(Ulid(6))
    })
    .then_err(CommonError::Invalid {
        field: "content_type",
        reason: "expected type/subtype",
    });
    bad(Attachment {
        size_bytes: ATTACHMENT_MAX_BYTES + 1,
        ..file(Ulid(6))
    })
    .then_err(CommonError::Invalid {
        field: "size_bytes",
        reason: "must be at most 1 GiB",
    });
}

#[test]
fn add_and_remove_attachments_by_id() {
    let upper = Attachment {
        blake3: HASH.to_uppercase(),
        content_type: "Application/PDF".into(),
        ..file(Ulid(6))
    };
    given::<ArticleAggregate>(&[created()])
        .when(ArticleCommand::AddAttachment { attachment: upper })
        .then(vec![ArticleEvent::AttachmentAdded(file(Ulid(6)))]);
    given::<ArticleAggregate>(&[created()])
        .when(ArticleCommand::AddAttachment {
            attachment: file(FILE),
        })
        .then_err(ArticleError::AttachmentExists(FILE));
    given::<ArticleAggregate>(&[created()])
        .when(ArticleCommand::RemoveAttachment {
            attachment_id: FILE,
        })
        .then(vec![ArticleEvent::AttachmentRemoved(AttachmentRemoved {
            attachment_id: FILE,
            name: "steps.pdf".into(),
        })]);
    given::<ArticleAggregate>(&[created()])
        .when(ArticleCommand::RemoveAttachment {
            attachment_id: Ulid(6),
        })
        .then_err(ArticleError::UnknownAttachment(Ulid(6)));
}

#[test]
fn a_deleted_article_refuses_changes() {
    let deleted = ArticleEvent::Deleted(Stamp {
        by: Actor::User(ACTOR),
        at: NOW,
    });
    given::<ArticleAggregate>(&[created()])
        .when(ArticleCommand::Delete)
        .then(vec![deleted.clone()]);
    given::<ArticleAggregate>(&[created(), deleted])
        .when(ArticleCommand::Delete)
        .then_err(CommonError::Deleted);
}

#[test]
fn every_event_round_trips() {
    testkit::assert_round_trips(
        &[
            created(),
            modified(vec![
                ArticleChange::Title(Change {
                    old: "a".into(),
                    new: "b".into(),
                }),
                ArticleChange::Description(Change {
                    old: None,
                    new: Some("d".into()),
                }),
                ArticleChange::Content(Change {
                    old: "x".into(),
                    new: "y".into(),
                }),
                ArticleChange::Keywords(Change {
                    old: BTreeSet::new(),
                    new: ["k".to_owned()].into(),
                }),
            ]),
            ArticleEvent::AttachmentAdded(file(Ulid(6))),
            ArticleEvent::AttachmentRemoved(AttachmentRemoved {
                attachment_id: Ulid(6),
                name: "steps.pdf".into(),
            }),
            ArticleEvent::Deleted(Stamp {
                by: Actor::System,
                at: NOW,
            }),
        ],
        ArticleEvent::EVENT_TYPES,
    );
}

fn arb_command() -> impl Strategy<Value = ArticleCommand> {
    let text = prop_oneof![
        Just("A".to_owned()),
        Just("b".to_owned()),
        Just(" ".to_owned())
    ];
    let keywords = proptest::collection::btree_set(text.clone(), 0..3);
    let hash = prop_oneof![Just(HASH.to_owned()), Just("zz".to_owned())];
    let attachment = (arb_id(), hash).prop_map(|(id, blake3)| Attachment { blake3, ..file(id) });
    let patch = (
        proptest::option::of(text.clone()),
        proptest::option::of(text.clone()),
        proptest::option::of(arb_id()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(keywords),
    )
        .prop_map(
            |(title, body, category_id, private, keywords)| ArticlePatch {
                title,
                content: body,
                category_id,
                private,
                keywords,
                ..ArticlePatch::default()
            },
        );
    prop_oneof![
        1 => (text, proptest::collection::vec(attachment.clone(), 0..2)).prop_map(
            |(title, attachments)| ArticleCommand::Create {
                article_id: ID,
                author_id: AUTHOR,
                content: ArticleContent {
                    title,
                    ..content()
                },
                responsible_id: None,
                attachments,
            }
        ),
        3 => patch.prop_map(|patch| ArticleCommand::Modify { patch }),
        1 => attachment.prop_map(|attachment| ArticleCommand::AddAttachment { attachment }),
        1 => arb_id().prop_map(|attachment_id| ArticleCommand::RemoveAttachment { attachment_id }),
        1 => Just(ArticleCommand::Delete),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..30)) {
        testkit::check_replay::<ArticleAggregate>(&commands)?;
    }
}
