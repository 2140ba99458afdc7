//! Trudesk notices: a banner with a name, a message, background and font colours and an
//! optional UI-blocking alert window; activated, cleared, deleted.
//!
//! At most one notice is active in the whole installation: activation claims
//! `notice.active` = `active`, clearing or deleting releases it, so the store refuses a second
//! active notice (Trudesk's `clearactive` clears the holder first).

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::values::{optional_colour, required_body, Name, LONG_MAX};
use super::{claim, release, CommandContext, CommonError, Lifecycle, Stamp};
use crate::envelope::UniqueClaim;
use crate::ids::Timestamp;

/// Claim scope that makes at most one notice active.
pub const ACTIVE_SCOPE: &str = "notice.active";
/// The single value claimed in [`ACTIVE_SCOPE`].
pub const ACTIVE_VALUE: &str = "active";

/// The editable content of a notice.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NoticeContent {
    /// Internal name.
    pub name: String,
    /// The message shown.
    pub message: String,
    /// Background colour.
    pub colour: Option<String>,
    /// Font colour.
    pub font_colour: Option<String>,
    /// Show a UI-blocking alert window.
    pub alert_window: bool,
}

/// A notice, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoticeState {
    /// Where the notice stands in its life.
    pub lifecycle: Lifecycle,
    /// The notice's id.
    pub id: Ulid,
    /// Its content.
    pub content: NoticeContent,
    /// When it was activated, while active.
    pub active_since: Option<Timestamp>,
}

/// What can be asked of a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeCommand {
    /// Create the notice (inactive).
    Create {
        /// The notice's id.
        notice_id: Ulid,
        /// Its content.
        content: NoticeContent,
    },
    /// Replace its content.
    Update {
        /// The new content.
        content: NoticeContent,
    },
    /// Show it.
    Activate,
    /// Stop showing it.
    Clear,
    /// Delete it.
    Delete,
}

/// Why a notice command is refused.
pub type NoticeError = CommonError;

/// A notice was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeCreated {
    /// The notice's id.
    pub notice_id: Ulid,
    /// Its content.
    pub content: NoticeContent,
    /// When.
    pub at: Timestamp,
}

/// A notice's content was replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeUpdated {
    /// The new content.
    pub content: NoticeContent,
}

/// A notice was deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeDeleted {
    /// Whether it was active (its claim is released).
    pub was_active: bool,
    /// Who and when.
    pub stamp: Stamp,
}

event_enum! {
    /// Everything that can happen to a notice.
    pub enum NoticeEvent {
        /// `notice.created`
        Created(NoticeCreated) = "notice.created",
        /// `notice.updated`
        Updated(NoticeUpdated) = "notice.updated",
        /// `notice.activated`
        Activated(Stamp) = "notice.activated",
        /// `notice.cleared`
        Cleared(Stamp) = "notice.cleared",
        /// `notice.deleted`
        Deleted(NoticeDeleted) = "notice.deleted",
    }
}

aggregate!(
    /// The notice aggregate, for generic command handling.
    NoticeAggregate,
    NoticeState,
    NoticeCommand,
    NoticeEvent,
    NoticeError
);

fn parse_content(raw: &NoticeContent) -> Result<NoticeContent, CommonError> {
    let message = required_body("message", &raw.message, LONG_MAX)?;
    Ok(NoticeContent {
        name: Name::parse("name", &raw.name)?.into_inner(),
        message,
        colour: optional_colour("colour", raw.colour.as_deref())?,
        font_colour: optional_colour("font_colour", raw.font_colour.as_deref())?,
        alert_window: raw.alert_window,
    })
}

/// Decides the events of a notice command, or refuses it.
pub fn decide(
    state: &NoticeState,
    command: &NoticeCommand,
    ctx: &CommandContext,
) -> Result<Vec<NoticeEvent>, NoticeError> {
    if let NoticeCommand::Create { notice_id, content } = command {
        state.lifecycle.require_new()?;
        return Ok(vec![NoticeEvent::Created(NoticeCreated {
            notice_id: *notice_id,
            content: parse_content(content)?,
            at: ctx.now,
        })]);
    }
    state.lifecycle.require_active()?;
    let active = state.active_since.is_some();
    let events = match command {
        NoticeCommand::Create { .. } => return Err(CommonError::AlreadyExists),
        NoticeCommand::Update { content } => {
            let content = parse_content(content)?;
            if content == state.content {
                return Ok(Vec::new());
            }
            vec![NoticeEvent::Updated(NoticeUpdated { content })]
        }
        NoticeCommand::Activate if active => Vec::new(),
        NoticeCommand::Activate => vec![NoticeEvent::Activated(Stamp::of(ctx))],
        NoticeCommand::Clear if !active => Vec::new(),
        NoticeCommand::Clear => vec![NoticeEvent::Cleared(Stamp::of(ctx))],
        NoticeCommand::Delete => vec![NoticeEvent::Deleted(NoticeDeleted {
            was_active: active,
            stamp: Stamp::of(ctx),
        })],
    };
    Ok(events)
}

/// Applies one notice event. Never panics.
pub fn evolve(mut state: NoticeState, event: &NoticeEvent) -> NoticeState {
    match event {
        NoticeEvent::Created(e) => {
            state = NoticeState {
                lifecycle: Lifecycle::Active,
                id: e.notice_id,
                content: e.content.clone(),
                active_since: None,
            };
        }
        NoticeEvent::Updated(e) => state.content = e.content.clone(),
        NoticeEvent::Activated(s) => state.active_since = Some(s.at),
        NoticeEvent::Cleared(_) => state.active_since = None,
        NoticeEvent::Deleted(_) => {
            state.lifecycle = Lifecycle::Deleted;
            state.active_since = None;
        }
    }
    state
}

/// The unique values a notice event takes or gives back: the single active slot.
pub fn claims(event: &NoticeEvent) -> Vec<UniqueClaim> {
    match event {
        NoticeEvent::Activated(_) => vec![claim(ACTIVE_SCOPE, ACTIVE_VALUE)],
        NoticeEvent::Cleared(_) => vec![release(ACTIVE_SCOPE, ACTIVE_VALUE)],
        NoticeEvent::Deleted(d) if d.was_active => vec![release(ACTIVE_SCOPE, ACTIVE_VALUE)],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::testkit::{self, given, ACTOR, NOW};
    use crate::ids::Actor;
    use proptest::prelude::*;

    const ID: Ulid = Ulid(24);

    fn stamp() -> Stamp {
        Stamp {
            by: Actor::User(ACTOR),
            at: NOW,
        }
    }

    fn content() -> NoticeContent {
        NoticeContent {
            name: "Maintenance".into(),
            message: "Down at 22:00".into(),
            colour: Some("#ccc".into()),
            font_colour: Some("#000000".into()),
            alert_window: true,
        }
    }

    fn created() -> NoticeEvent {
        NoticeEvent::Created(NoticeCreated {
            notice_id: ID,
            content: content(),
            at: NOW,
        })
    }

    #[test]
    fn create_and_update() {
        given::<NoticeAggregate>(&[])
            .when(NoticeCommand::Create {
                notice_id: ID,
                content: NoticeContent {
                    colour: Some("#CCC".into()),
                    ..content()
                },
            })
            .then(vec![created()]);
        let bad = NoticeContent {
            font_colour: Some("black".into()),
            ..content()
        };
        given::<NoticeAggregate>(&[created()])
            .when(NoticeCommand::Update { content: bad })
            .then_err(CommonError::Invalid {
                field: "font_colour",
                reason: "expected #rgb or #rrggbb",
            });
        let quiet = NoticeContent {
            alert_window: false,
            ..content()
        };
        given::<NoticeAggregate>(&[created()])
            .when(NoticeCommand::Update {
                content: quiet.clone(),
            })
            .then(vec![NoticeEvent::Updated(NoticeUpdated { content: quiet })]);
    }

    #[test]
    fn activate_claims_the_single_active_slot() {
        given::<NoticeAggregate>(&[created()])
            .when(NoticeCommand::Activate)
            .then(vec![NoticeEvent::Activated(stamp())]);
        assert_eq!(
            claims(&NoticeEvent::Activated(stamp())),
            vec![claim(ACTIVE_SCOPE, ACTIVE_VALUE)]
        );
        given::<NoticeAggregate>(&[created(), NoticeEvent::Activated(stamp())])
            .when(NoticeCommand::Clear)
            .then(vec![NoticeEvent::Cleared(stamp())]);
        given::<NoticeAggregate>(&[created()])
            .when(NoticeCommand::Clear)
            .then(vec![]);
    }

    #[test]
    fn delete_releases_an_active_notice() {
        let deleted = NoticeEvent::Deleted(NoticeDeleted {
            was_active: true,
            stamp: stamp(),
        });
        given::<NoticeAggregate>(&[created(), NoticeEvent::Activated(stamp())])
            .when(NoticeCommand::Delete)
            .then(vec![deleted.clone()]);
        assert_eq!(claims(&deleted), vec![release(ACTIVE_SCOPE, ACTIVE_VALUE)]);
        given::<NoticeAggregate>(&[created(), deleted])
            .when(NoticeCommand::Activate)
            .then_err(CommonError::Deleted);
    }

    #[test]
    fn every_event_round_trips() {
        testkit::assert_round_trips(
            &[
                created(),
                NoticeEvent::Updated(NoticeUpdated { content: content() }),
                NoticeEvent::Activated(stamp()),
                NoticeEvent::Cleared(stamp()),
                NoticeEvent::Deleted(NoticeDeleted {
                    was_active: false,
                    stamp: stamp(),
                }),
            ],
            NoticeEvent::EVENT_TYPES,
        );
    }

    fn arb_command() -> impl Strategy<Value = NoticeCommand> {
        let content = any::<bool>().prop_map(|alert_window| NoticeContent {
            alert_window,
            ..content()
        });
        prop_oneof![
            content.clone().prop_map(|content| NoticeCommand::Create {
                notice_id: ID,
                content
            }),
            content.prop_map(|content| NoticeCommand::Update { content }),
            Just(NoticeCommand::Activate),
            Just(NoticeCommand::Clear),
            Just(NoticeCommand::Delete),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..20)) {
            testkit::check_replay::<NoticeAggregate>(&commands)?;
        }
    }
}
