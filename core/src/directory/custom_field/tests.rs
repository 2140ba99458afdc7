//! Given/when/then tests of custom-field definitions, one per rule, and the replay property.

use super::*;
use crate::directory::claim;
use crate::directory::testkit::{self, arb_id, arb_ids, arb_name, given, ACTOR, NOW};
use crate::ids::Actor;
use proptest::prelude::*;

const ID: Ulid = Ulid(18);
const HARDWARE: Ulid = Ulid(1);
const LAPTOP: Ulid = Ulid(2);
const DESK: Ulid = Ulid(30);

fn opt(option_id: Ulid, label: &str, parent_id: Option<Ulid>) -> FieldOption {
    FieldOption {
        option_id,
        label: label.into(),
        parent_id,
    }
}

fn created(field_type: FieldType, options: Vec<FieldOption>) -> CustomFieldEvent {
    CustomFieldEvent::Created(CustomFieldCreated {
        field_id: ID,
        name: "Asset".into(),
        description: None,
        field_type,
        required: false,
        applies_to: AppliesTo::default(),
        options,
        at: NOW,
    })
}

fn tree() -> CustomFieldEvent {
    created(FieldType::Tree, vec![opt(HARDWARE, "Hardware", None)])
}

fn create(field_type: FieldType, options: Vec<FieldOption>) -> CustomFieldCommand {
    CustomFieldCommand::Create {
        field_id: ID,
        name: "Asset ".into(),
        description: None,
        field_type,
        required: false,
        applies_to: AppliesTo::default(),
        options,
    }
}

#[test]
fn define_a_tree_field_with_nested_options() {
    let options = vec![
        opt(HARDWARE, "Hardware", None),
        opt(LAPTOP, " Laptop ", Some(HARDWARE)),
    ];
    given::<CustomFieldAggregate>(&[])
        .when(create(FieldType::Tree, options))
        .then(vec![created(
            FieldType::Tree,
            vec![
                opt(HARDWARE, "Hardware", None),
                opt(LAPTOP, "Laptop", Some(HARDWARE)),
            ],
        )]);
    assert_eq!(claims(&tree()), vec![claim(NAME_SCOPE, "asset")]);
}

#[test]
fn only_choice_types_have_options() {
    given::<CustomFieldAggregate>(&[])
        .when(create(FieldType::Text, vec![opt(HARDWARE, "x", None)]))
        .then_err(CustomFieldError::OptionsNotAllowed(FieldType::Text));
    given::<CustomFieldAggregate>(&[created(FieldType::Number, vec![])])
        .when(CustomFieldCommand::AddOption {
            option: opt(HARDWARE, "x", None),
        })
        .then_err(CustomFieldError::OptionsNotAllowed(FieldType::Number));
}

#[test]
fn only_tree_fields_nest_options_under_existing_parents() {
    given::<CustomFieldAggregate>(&[])
        .when(create(
            FieldType::List,
            vec![opt(HARDWARE, "a", None), opt(LAPTOP, "b", Some(HARDWARE))],
        ))
        .then_err(CustomFieldError::NestingNotAllowed);
    given::<CustomFieldAggregate>(&[tree()])
        .when(CustomFieldCommand::AddOption {
            option: opt(LAPTOP, "Laptop", Some(Ulid(99))),
        })
        .then_err(CustomFieldError::UnknownOption(Ulid(99)));
}

#[test]
fn option_ids_are_unique_and_labels_unique_among_siblings() {
    given::<CustomFieldAggregate>(&[tree()])
        .when(CustomFieldCommand::AddOption {
            option: opt(HARDWARE, "Other", None),
        })
        .then_err(CustomFieldError::OptionExists(HARDWARE));
    given::<CustomFieldAggregate>(&[tree()])
        .when(CustomFieldCommand::AddOption {
            option: opt(LAPTOP, "HARDWARE", None),
        })
        .then_err(CustomFieldError::LabelTaken("HARDWARE".into()));
    given::<CustomFieldAggregate>(&[tree()])
        .when(CustomFieldCommand::AddOption {
            option: opt(LAPTOP, "Hardware", Some(HARDWARE)),
        })
        .then(vec![CustomFieldEvent::OptionAdded(opt(
            LAPTOP,
            "Hardware",
            Some(HARDWARE),
        ))]);
}

#[test]
fn relabel_an_option_with_old_and_new() {
    given::<CustomFieldAggregate>(&[tree()])
        .when(CustomFieldCommand::RelabelOption {
            option_id: HARDWARE,
            label: "Devices".into(),
        })
        .then(vec![CustomFieldEvent::OptionRelabelled(OptionRelabelled {
            option_id: HARDWARE,
            label: Change {
                old: "Hardware".into(),
                new: "Devices".into(),
            },
        })]);
    given::<CustomFieldAggregate>(&[tree()])
        .when(CustomFieldCommand::RelabelOption {
            option_id: LAPTOP,
            label: "x".into(),
        })
        .then_err(CustomFieldError::UnknownOption(LAPTOP));
}

#[test]
fn an_option_with_children_cannot_be_removed() {
    let events = [
        tree(),
        CustomFieldEvent::OptionAdded(opt(LAPTOP, "Laptop", Some(HARDWARE))),
    ];
    given::<CustomFieldAggregate>(&events)
        .when(CustomFieldCommand::RemoveOption {
            option_id: HARDWARE,
        })
        .then_err(CommonError::HasChildren { children: 1 });
    let state = given::<CustomFieldAggregate>(&events)
        .when(CustomFieldCommand::RemoveOption { option_id: LAPTOP })
        .then_state();
    assert_eq!(state.options.len(), 1);
}

#[test]
fn required_flag_and_scope_carry_old_and_new() {
    given::<CustomFieldAggregate>(&[tree()])
        .when(CustomFieldCommand::SetRequired { required: true })
        .then(vec![CustomFieldEvent::RequiredChanged(Change {
            old: false,
            new: true,
        })]);
    let scope = AppliesTo {
        helpdesk_ids: [DESK].into(),
        ..AppliesTo::default()
    };
    given::<CustomFieldAggregate>(&[tree()])
        .when(CustomFieldCommand::SetAppliesTo {
            applies_to: scope.clone(),
        })
        .then(vec![CustomFieldEvent::AppliesToChanged(Change {
            old: AppliesTo::default(),
            new: scope,
        })]);
}

#[test]
fn disable_and_enable_are_idempotent() {
    let stamp = Stamp {
        by: Actor::User(ACTOR),
        at: NOW,
    };
    given::<CustomFieldAggregate>(&[tree()])
        .when(CustomFieldCommand::Enable)
        .then(vec![]);
    given::<CustomFieldAggregate>(&[tree()])
        .when(CustomFieldCommand::Disable)
        .then(vec![CustomFieldEvent::Disabled(stamp)]);
    given::<CustomFieldAggregate>(&[tree(), CustomFieldEvent::Disabled(stamp)])
        .when(CustomFieldCommand::Enable)
        .then(vec![CustomFieldEvent::Enabled(stamp)]);
}

#[test]
fn delete_releases_the_name_and_ends_the_field() {
    let deleted = CustomFieldEvent::Deleted(Removed {
        name: "Asset".into(),
        replacement_id: None,
        at: NOW,
    });
    given::<CustomFieldAggregate>(&[tree()])
        .when(CustomFieldCommand::Delete)
        .then(vec![deleted.clone()]);
    given::<CustomFieldAggregate>(&[tree(), deleted])
        .when(CustomFieldCommand::Disable)
        .then_err(CommonError::Deleted);
}

#[test]
fn every_event_round_trips() {
    let stamp = Stamp {
        by: Actor::System,
        at: NOW,
    };
    testkit::assert_round_trips(
        &[
            tree(),
            CustomFieldEvent::Renamed(Renamed {
                old_name: "a".into(),
                name: "b".into(),
            }),
            CustomFieldEvent::Described(Described {
                description: Some("d".into()),
            }),
            CustomFieldEvent::RequiredChanged(Change {
                old: true,
                new: false,
            }),
            CustomFieldEvent::AppliesToChanged(Change {
                old: AppliesTo::default(),
                new: AppliesTo {
                    ticket_type_ids: [DESK].into(),
                    helpdesk_ids: [DESK].into(),
                    category_ids: [LAPTOP].into(),
                },
            }),
            CustomFieldEvent::Enabled(stamp),
            CustomFieldEvent::Disabled(stamp),
            CustomFieldEvent::OptionAdded(opt(LAPTOP, "Laptop", Some(HARDWARE))),
            CustomFieldEvent::OptionRelabelled(OptionRelabelled {
                option_id: LAPTOP,
                label: Change {
                    old: "a".into(),
                    new: "b".into(),
                },
            }),
            CustomFieldEvent::OptionRemoved(OptionRemoved {
                option_id: LAPTOP,
                label: "b".into(),
            }),
            CustomFieldEvent::Deleted(Removed {
                name: "b".into(),
                replacement_id: None,
                at: NOW,
            }),
        ],
        CustomFieldEvent::EVENT_TYPES,
    );
}

fn arb_option() -> impl Strategy<Value = FieldOption> {
    (arb_id(), arb_name(), proptest::option::of(arb_id())).prop_map(
        |(option_id, label, parent_id)| FieldOption {
            option_id,
            label,
            parent_id,
        },
    )
}

fn arb_command() -> impl Strategy<Value = CustomFieldCommand> {
    let field_type = prop_oneof![
        Just(FieldType::Text),
        Just(FieldType::List),
        Just(FieldType::Tree),
        Just(FieldType::Multi),
    ];
    prop_oneof![
        (
            arb_name(),
            field_type,
            proptest::collection::vec(arb_option(), 0..3)
        )
            .prop_map(|(name, field_type, options)| CustomFieldCommand::Create {
                field_id: ID,
                name,
                description: None,
                field_type,
                required: false,
                applies_to: AppliesTo::default(),
                options,
            }),
        arb_name().prop_map(|name| CustomFieldCommand::Rename { name }),
        any::<bool>().prop_map(|required| CustomFieldCommand::SetRequired { required }),
        arb_ids().prop_map(|helpdesk_ids| CustomFieldCommand::SetAppliesTo {
            applies_to: AppliesTo {
                helpdesk_ids,
                ..AppliesTo::default()
            }
        }),
        Just(CustomFieldCommand::Enable),
        Just(CustomFieldCommand::Disable),
        arb_option().prop_map(|option| CustomFieldCommand::AddOption { option }),
        (arb_id(), arb_name())
            .prop_map(|(option_id, label)| CustomFieldCommand::RelabelOption { option_id, label }),
        arb_id().prop_map(|option_id| CustomFieldCommand::RemoveOption { option_id }),
        Just(CustomFieldCommand::Delete),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..30)) {
        testkit::check_replay::<CustomFieldAggregate>(&commands)?;
    }
}
