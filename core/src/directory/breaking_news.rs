//! InvGate breaking news: an announcement of an ongoing incident, with an importance (high,
//! medium, low), a status (open, closed), the help desks and groups it affects (at least one of
//! either), an estimated resolution time, its creator (none: the system), an optional major
//! incident ticket, and updates posted over time (an update may close it).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::values::{required, required_body, LONG_MAX, SHORT_MAX};
use super::{CommandContext, CommonError, Lifecycle, Stamp};
use crate::envelope::UniqueClaim;
use crate::ids::Timestamp;

/// How important the news is (InvGate `type_id` 1, 2, 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Importance {
    /// 1: high.
    High,
    /// 2: medium.
    #[default]
    Medium,
    /// 3: low.
    Low,
}

/// The editable content of breaking news.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewsContent {
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Importance.
    pub importance: Importance,
    /// Affected help desks.
    pub helpdesk_ids: BTreeSet<Ulid>,
    /// Affected groups.
    pub group_ids: BTreeSet<Ulid>,
    /// Estimated resolution time.
    pub resolution_time: Option<Timestamp>,
}

/// One update posted to the news.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsUpdate {
    /// The update's id.
    pub update_id: Ulid,
    /// Its text.
    pub body: String,
    /// Its author (none: the system).
    pub author_id: Option<Ulid>,
    /// Whether posting it closed the news.
    pub closed: bool,
    /// When.
    pub at: Timestamp,
}

/// Breaking news, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BreakingNewsState {
    /// Created or not (breaking news is closed, never deleted).
    pub lifecycle: Lifecycle,
    /// The news id.
    pub id: Ulid,
    /// Its content.
    pub content: NewsContent,
    /// Whether it is still open.
    pub open: bool,
    /// Its creator (none: the system).
    pub creator_id: Option<Ulid>,
    /// The major incident it is about.
    pub major_incident_id: Option<Ulid>,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// Updates, oldest first.
    pub updates: Vec<NewsUpdate>,
}

/// What can be asked of breaking news.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakingNewsCommand {
    /// Announce the news.
    Create {
        /// The news id.
        news_id: Ulid,
        /// Its content.
        content: NewsContent,
        /// Its creator (none: the system).
        creator_id: Option<Ulid>,
        /// The major incident ticket, if any.
        major_incident_id: Option<Ulid>,
    },
    /// Replace the content (the edge merges partial input with the current content).
    Modify {
        /// The new content.
        content: NewsContent,
    },
    /// Post an update, optionally closing the news.
    PostUpdate {
        /// The update's id.
        update_id: Ulid,
        /// Its text.
        body: String,
        /// Its author (none: the system).
        author_id: Option<Ulid>,
        /// Close the news with this update.
        close: bool,
    },
    /// Close the news.
    Close,
    /// Reopen closed news.
    Reopen,
}

/// Why a breaking-news command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BreakingNewsError {
    /// Validation or lifecycle refusal.
    #[error(transparent)]
    Common(#[from] CommonError),
    /// Neither a help desk nor a group is affected.
    #[error("breaking news needs at least one affected help desk or group")]
    NoAudience,
    /// The news is closed.
    #[error("the breaking news is closed")]
    Closed,
    /// The update id is already used.
    #[error("update {0} already exists")]
    UpdateExists(Ulid),
}

/// Breaking news was announced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsCreated {
    /// The news id.
    pub news_id: Ulid,
    /// Its content.
    pub content: NewsContent,
    /// Its creator.
    pub creator_id: Option<Ulid>,
    /// The major incident ticket.
    pub major_incident_id: Option<Ulid>,
    /// When.
    pub at: Timestamp,
}

/// The content was replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsModified {
    /// The new content.
    pub content: NewsContent,
}

event_enum! {
    /// Everything that can happen to breaking news.
    pub enum BreakingNewsEvent {
        /// `breaking_news.created`
        Created(NewsCreated) = "breaking_news.created",
        /// `breaking_news.modified`
        Modified(NewsModified) = "breaking_news.modified",
        /// `breaking_news.update_posted` (with `closed` set, it also closes the news)
        UpdatePosted(NewsUpdate) = "breaking_news.update_posted",
        /// `breaking_news.closed`
        Closed(Stamp) = "breaking_news.closed",
        /// `breaking_news.reopened`
        Reopened(Stamp) = "breaking_news.reopened",
    }
}

aggregate!(
    /// The breaking-news aggregate, for generic command handling.
    BreakingNewsAggregate,
    BreakingNewsState,
    BreakingNewsCommand,
    BreakingNewsEvent,
    BreakingNewsError
);

fn parse_content(raw: &NewsContent) -> Result<NewsContent, BreakingNewsError> {
    if raw.helpdesk_ids.is_empty() && raw.group_ids.is_empty() {
        return Err(BreakingNewsError::NoAudience);
    }
    Ok(NewsContent {
        title: required("title", &raw.title, SHORT_MAX)?,
        body: required("body", &raw.body, LONG_MAX)?,
        ..raw.clone()
    })
}

/// Decides the events of a breaking-news command, or refuses it.
pub fn decide(
    state: &BreakingNewsState,
    command: &BreakingNewsCommand,
    ctx: &CommandContext,
) -> Result<Vec<BreakingNewsEvent>, BreakingNewsError> {
    if let BreakingNewsCommand::Create {
        news_id,
        content,
        creator_id,
        major_incident_id,
    } = command
    {
        state.lifecycle.require_new()?;
        return Ok(vec![BreakingNewsEvent::Created(NewsCreated {
            news_id: *news_id,
            content: parse_content(content)?,
            creator_id: *creator_id,
            major_incident_id: *major_incident_id,
            at: ctx.now,
        })]);
    }
    state.lifecycle.require_active()?;
    let events = match command {
        BreakingNewsCommand::Create { .. } => return Err(CommonError::AlreadyExists.into()),
        BreakingNewsCommand::Modify { content } => {
            let content = parse_content(content)?;
            if content == state.content {
                return Ok(Vec::new());
            }
            vec![BreakingNewsEvent::Modified(NewsModified { content })]
        }
        BreakingNewsCommand::PostUpdate {
            update_id,
            body: text,
            author_id,
            close,
        } => {
            if !state.open {
                return Err(BreakingNewsError::Closed);
            }
            if state.updates.iter().any(|u| u.update_id == *update_id) {
                return Err(BreakingNewsError::UpdateExists(*update_id));
            }
            vec![BreakingNewsEvent::UpdatePosted(NewsUpdate {
                update_id: *update_id,
                body: required_body("body", text, LONG_MAX)?,
                author_id: *author_id,
                closed: *close,
                at: ctx.now,
            })]
        }
        BreakingNewsCommand::Close if !state.open => Vec::new(),
        BreakingNewsCommand::Close => vec![BreakingNewsEvent::Closed(Stamp::of(ctx))],
        BreakingNewsCommand::Reopen if state.open => Vec::new(),
        BreakingNewsCommand::Reopen => vec![BreakingNewsEvent::Reopened(Stamp::of(ctx))],
    };
    Ok(events)
}

/// Applies one breaking-news event. Never panics.
pub fn evolve(mut state: BreakingNewsState, event: &BreakingNewsEvent) -> BreakingNewsState {
    match event {
        BreakingNewsEvent::Created(e) => {
            state = BreakingNewsState {
                lifecycle: Lifecycle::Active,
                id: e.news_id,
                content: e.content.clone(),
                open: true,
                creator_id: e.creator_id,
                major_incident_id: e.major_incident_id,
                created_at: Some(e.at),
                updates: Vec::new(),
            };
        }
        BreakingNewsEvent::Modified(e) => state.content = e.content.clone(),
        BreakingNewsEvent::UpdatePosted(e) => {
            state.open &= !e.closed;
            state.updates.push(e.clone());
        }
        BreakingNewsEvent::Closed(_) => state.open = false,
        BreakingNewsEvent::Reopened(_) => state.open = true,
    }
    state
}

/// Breaking-news events claim nothing.
pub fn claims(_event: &BreakingNewsEvent) -> Vec<UniqueClaim> {
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::testkit::{self, arb_id, arb_ids, given, ACTOR, NOW};
    use crate::ids::Actor;
    use proptest::prelude::*;

    const ID: Ulid = Ulid(23);
    const DESK: Ulid = Ulid(30);

    fn content() -> NewsContent {
        NewsContent {
            title: "Mail is down".into(),
            body: "We are on it.".into(),
            importance: Importance::High,
            helpdesk_ids: [DESK].into(),
            group_ids: BTreeSet::new(),
            resolution_time: Some(Timestamp(NOW.0 + 3_600_000_000)),
        }
    }

    fn created() -> BreakingNewsEvent {
        BreakingNewsEvent::Created(NewsCreated {
            news_id: ID,
            content: content(),
            creator_id: None,
            major_incident_id: Some(Ulid(1001)),
            at: NOW,
        })
    }

    fn update(close: bool) -> NewsUpdate {
        NewsUpdate {
            update_id: Ulid(2),
            body: "Fixed soon".into(),
            author_id: Some(ACTOR),
            closed: close,
            at: NOW,
        }
    }

    fn post(close: bool) -> BreakingNewsCommand {
        BreakingNewsCommand::PostUpdate {
            update_id: Ulid(2),
            body: "Fixed soon".into(),
            author_id: Some(ACTOR),
            close,
        }
    }

    #[test]
    fn announce_for_a_major_incident() {
        given::<BreakingNewsAggregate>(&[])
            .when(BreakingNewsCommand::Create {
                news_id: ID,
                content: content(),
                creator_id: None,
                major_incident_id: Some(Ulid(1001)),
            })
            .then(vec![created()]);
    }

    #[test]
    fn news_needs_an_audience_and_a_title() {
        let nobody = NewsContent {
            helpdesk_ids: BTreeSet::new(),
            ..content()
        };
        given::<BreakingNewsAggregate>(&[created()])
            .when(BreakingNewsCommand::Modify { content: nobody })
            .then_err(BreakingNewsError::NoAudience);
        let untitled = NewsContent {
            title: " ".into(),
            ..content()
        };
        given::<BreakingNewsAggregate>(&[created()])
            .when(BreakingNewsCommand::Modify { content: untitled })
            .then_err(CommonError::Empty { field: "title" });
    }

    #[test]
    fn modify_the_content() {
        let low = NewsContent {
            importance: Importance::Low,
            group_ids: [Ulid(4)].into(),
            ..content()
        };
        given::<BreakingNewsAggregate>(&[created()])
            .when(BreakingNewsCommand::Modify {
                content: low.clone(),
            })
            .then(vec![BreakingNewsEvent::Modified(NewsModified {
                content: low,
            })]);
    }

    #[test]
    fn an_update_can_close_the_news() {
        let state = given::<BreakingNewsAggregate>(&[created()])
            .when(post(true))
            .then_state();
        assert!(!state.open);
        assert_eq!(state.updates, vec![update(true)]);
        given::<BreakingNewsAggregate>(&[created(), BreakingNewsEvent::UpdatePosted(update(true))])
            .when(post(false))
            .then_err(BreakingNewsError::Closed);
        given::<BreakingNewsAggregate>(&[
            created(),
            BreakingNewsEvent::UpdatePosted(update(false)),
        ])
        .when(post(false))
        .then_err(BreakingNewsError::UpdateExists(Ulid(2)));
    }

    #[test]
    fn close_and_reopen() {
        let stamp = Stamp {
            by: Actor::User(ACTOR),
            at: NOW,
        };
        given::<BreakingNewsAggregate>(&[created()])
            .when(BreakingNewsCommand::Close)
            .then(vec![BreakingNewsEvent::Closed(stamp)]);
        given::<BreakingNewsAggregate>(&[created(), BreakingNewsEvent::Closed(stamp)])
            .when(BreakingNewsCommand::Reopen)
            .then(vec![BreakingNewsEvent::Reopened(stamp)]);
        given::<BreakingNewsAggregate>(&[])
            .when(BreakingNewsCommand::Close)
            .then_err(CommonError::NotFound);
    }

    #[test]
    fn every_event_round_trips() {
        let stamp = Stamp {
            by: Actor::System,
            at: NOW,
        };
        testkit::assert_round_trips(
            &[
                created(),
                BreakingNewsEvent::Modified(NewsModified { content: content() }),
                BreakingNewsEvent::UpdatePosted(update(true)),
                BreakingNewsEvent::Closed(stamp),
                BreakingNewsEvent::Reopened(stamp),
            ],
            BreakingNewsEvent::EVENT_TYPES,
        );
    }

    fn arb_command() -> impl Strategy<Value = BreakingNewsCommand> {
        let content = (arb_ids(), arb_ids(), any::<bool>()).prop_map(|(h, g, high)| NewsContent {
            helpdesk_ids: h,
            group_ids: g,
            importance: if high {
                Importance::High
            } else {
                Importance::Low
            },
            ..content()
        });
        prop_oneof![
            content
                .clone()
                .prop_map(|content| BreakingNewsCommand::Create {
                    news_id: ID,
                    content,
                    creator_id: None,
                    major_incident_id: None,
                }),
            content.prop_map(|content| BreakingNewsCommand::Modify { content }),
            (arb_id(), any::<bool>()).prop_map(|(update_id, close)| {
                BreakingNewsCommand::PostUpdate {
                    update_id,
                    body: "x".into(),
                    author_id: None,
                    close,
                }
            }),
            Just(BreakingNewsCommand::Close),
            Just(BreakingNewsCommand::Reopen),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..20)) {
            testkit::check_replay::<BreakingNewsAggregate>(&commands)?;
        }
    }
}
