//! Named settings (Trudesk `settings`: `{name, value}` with a mixed value). One stream per
//! setting; the name is unique (`setting.name`), so the edge finds a setting's stream with the
//! store's claim lookup.

use serde::{Deserialize, Serialize};

use super::values::{body, LONG_MAX};
use super::{claim, release, CommandContext, CommonError, Lifecycle};
use crate::envelope::UniqueClaim;
use crate::ids::Timestamp;

/// Claim scope of setting names.
pub const NAME_SCOPE: &str = "setting.name";

/// A setting's value. No floats: bincode and audits want exact values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SettingValue {
    /// A flag.
    Bool(bool),
    /// A whole number.
    Integer(i64),
    /// A text.
    Text(String),
    /// Structured data as JSON text (parsed and checked by the edge).
    Json(String),
}

/// A setting, folded from its stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SettingState {
    /// Where the setting stands in its life.
    pub lifecycle: Lifecycle,
    /// Its name (`setting:name` style, e.g. `gen:sitetitle`).
    pub name: String,
    /// Its value.
    pub value: Option<SettingValue>,
}

/// What can be asked of a setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingCommand {
    /// Define the setting, or change its value.
    Set {
        /// Its name (must match once defined).
        name: String,
        /// The value.
        value: SettingValue,
    },
    /// Remove the setting (back to the built-in default).
    Remove,
}

/// Why a setting command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    /// Validation or lifecycle refusal.
    #[error(transparent)]
    Common(#[from] CommonError),
    /// The command names another setting than this stream's.
    #[error("this stream holds setting {0:?}")]
    WrongName(String),
}

/// A setting was defined or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingSet {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: SettingValue,
    /// When.
    pub at: Timestamp,
}

/// A setting was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingRemoved {
    /// Its name (released).
    pub name: String,
    /// When.
    pub at: Timestamp,
}

event_enum! {
    /// Everything that can happen to a setting.
    pub enum SettingEvent {
        /// `setting.defined`: first value.
        Defined(SettingSet) = "setting.defined",
        /// `setting.changed`
        Changed(SettingSet) = "setting.changed",
        /// `setting.removed`
        Removed(SettingRemoved) = "setting.removed",
    }
}

aggregate!(
    /// The setting aggregate, for generic command handling.
    SettingAggregate,
    SettingState,
    SettingCommand,
    SettingEvent,
    SettingError
);

fn parse_name(name: &str) -> Result<String, CommonError> {
    let name = super::values::required("name", name, super::values::NAME_MAX)?;
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '-');
    if !name.chars().all(ok) {
        return Err(CommonError::Invalid {
            field: "name",
            reason: "letters, digits and : . _ - only",
        });
    }
    Ok(name)
}

fn parse_value(value: &SettingValue) -> Result<SettingValue, CommonError> {
    Ok(match value {
        SettingValue::Text(t) => SettingValue::Text(body("value", t, LONG_MAX)?),
        SettingValue::Json(t) => SettingValue::Json(body("value", t, LONG_MAX)?),
        other => other.clone(),
    })
}

/// Decides the events of a setting command, or refuses it.
pub fn decide(
    state: &SettingState,
    command: &SettingCommand,
    ctx: &CommandContext,
) -> Result<Vec<SettingEvent>, SettingError> {
    match command {
        SettingCommand::Set { name, value } => {
            let name = parse_name(name)?;
            let set = SettingSet {
                name,
                value: parse_value(value)?,
                at: ctx.now,
            };
            match state.lifecycle {
                Lifecycle::New | Lifecycle::Deleted => Ok(vec![SettingEvent::Defined(set)]),
                Lifecycle::Active if set.name != state.name => {
                    Err(SettingError::WrongName(state.name.clone()))
                }
                Lifecycle::Active if Some(&set.value) == state.value.as_ref() => Ok(Vec::new()),
                Lifecycle::Active => Ok(vec![SettingEvent::Changed(set)]),
            }
        }
        SettingCommand::Remove => {
            state.lifecycle.require_active()?;
            Ok(vec![SettingEvent::Removed(SettingRemoved {
                name: state.name.clone(),
                at: ctx.now,
            })])
        }
    }
}

/// Applies one setting event. Never panics.
pub fn evolve(mut state: SettingState, event: &SettingEvent) -> SettingState {
    match event {
        SettingEvent::Defined(e) | SettingEvent::Changed(e) => {
            state.lifecycle = Lifecycle::Active;
            state.name = e.name.clone();
            state.value = Some(e.value.clone());
        }
        SettingEvent::Removed(_) => {
            state.lifecycle = Lifecycle::Deleted;
            state.value = None;
        }
    }
    state
}

/// The unique values a setting event takes or gives back.
pub fn claims(event: &SettingEvent) -> Vec<UniqueClaim> {
    match event {
        SettingEvent::Defined(e) => vec![claim(NAME_SCOPE, &e.name)],
        SettingEvent::Changed(_) => Vec::new(),
        SettingEvent::Removed(e) => vec![release(NAME_SCOPE, &e.name)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::testkit::{self, given, NOW};
    use proptest::prelude::*;

    fn set(value: SettingValue) -> SettingSet {
        SettingSet {
            name: "gen:sitetitle".into(),
            value,
            at: NOW,
        }
    }

    fn command(value: SettingValue) -> SettingCommand {
        SettingCommand::Set {
            name: "gen:sitetitle".into(),
            value,
        }
    }

    #[test]
    fn define_then_change() {
        let first = SettingEvent::Defined(set(SettingValue::Text("Help".into())));
        given::<SettingAggregate>(&[])
            .when(command(SettingValue::Text("Help".into())))
            .then(vec![first.clone()]);
        given::<SettingAggregate>(std::slice::from_ref(&first))
            .when(command(SettingValue::Text("Desk".into())))
            .then(vec![SettingEvent::Changed(set(SettingValue::Text(
                "Desk".into(),
            )))]);
        given::<SettingAggregate>(std::slice::from_ref(&first))
            .when(command(SettingValue::Text("Help".into())))
            .then(vec![]);
        given::<SettingAggregate>(&[first])
            .when(SettingCommand::Set {
                name: "other".into(),
                value: SettingValue::Bool(true),
            })
            .then_err(SettingError::WrongName("gen:sitetitle".into()));
    }

    #[test]
    fn bad_names_and_remove() {
        given::<SettingAggregate>(&[])
            .when(SettingCommand::Set {
                name: "has space".into(),
                value: SettingValue::Integer(1),
            })
            .then_err(CommonError::Invalid {
                field: "name",
                reason: "letters, digits and : . _ - only",
            });
        given::<SettingAggregate>(&[])
            .when(SettingCommand::Remove)
            .then_err(CommonError::NotFound);
        let removed = SettingEvent::Removed(SettingRemoved {
            name: "gen:sitetitle".into(),
            at: NOW,
        });
        given::<SettingAggregate>(&[SettingEvent::Defined(set(SettingValue::Bool(true)))])
            .when(SettingCommand::Remove)
            .then(vec![removed.clone()]);
        assert_eq!(claims(&removed), vec![release(NAME_SCOPE, "gen:sitetitle")]);
    }

    #[test]
    fn every_event_round_trips() {
        testkit::assert_round_trips(
            &[
                SettingEvent::Defined(set(SettingValue::Json("{\"a\":1}".into()))),
                SettingEvent::Changed(set(SettingValue::Integer(-4))),
                SettingEvent::Removed(SettingRemoved {
                    name: "x".into(),
                    at: NOW,
                }),
            ],
            SettingEvent::EVENT_TYPES,
        );
    }

    fn arb_command() -> impl Strategy<Value = SettingCommand> {
        let value = prop_oneof![
            any::<bool>().prop_map(SettingValue::Bool),
            (0i64..3).prop_map(SettingValue::Integer),
        ];
        let name = prop_oneof![Just("a:b".to_owned()), Just("c".to_owned())];
        prop_oneof![
            (name, value).prop_map(|(name, value)| SettingCommand::Set { name, value }),
            Just(SettingCommand::Remove),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..20)) {
            testkit::check_replay::<SettingAggregate>(&commands)?;
        }
    }
}
