//! Given/when/then tests of the user aggregate, one per rule, and its replay property.

use proptest::prelude::*;
use ulid::Ulid;

use super::*;
use crate::directory::testkit::{self, arb_id, given, ACTOR, NOW};
use crate::directory::CommonError;
use crate::envelope::ClaimAction;

const ID: Ulid = Ulid(1);
const ROLE: Ulid = Ulid(100);
const AGENT_ROLE: Ulid = Ulid(101);
const BY: Actor = Actor::User(ACTOR);

fn create() -> CreateUser {
    CreateUser {
        user_id: ID,
        kind: UserKind::Requester,
        username: Some(" chris.brame ".into()),
        email: Some("Chris@Example.org".into()),
        full_name: "Chris Brame".into(),
        profile: UserProfile {
            title: Some(" Support Director ".into()),
            phone: Some("".into()),
            ..UserProfile::default()
        },
        role_id: ROLE,
        with_password: false,
    }
}

fn created() -> UserEvent {
    UserEvent::Created(UserCreated {
        user_id: ID,
        kind: UserKind::Requester,
        username: Some("chris.brame".into()),
        email: Some("Chris@Example.org".into()),
        full_name: "Chris Brame".into(),
        profile: UserProfile {
            title: Some("Support Director".into()),
            ..UserProfile::default()
        },
        role_id: ROLE,
        at: NOW,
    })
}

fn stamp() -> Stamp {
    Stamp { by: BY, at: NOW }
}

fn password_set() -> UserEvent {
    UserEvent::PasswordSet(PasswordSet {
        by: BY,
        at: NOW,
        force_change: false,
    })
}

fn token_issued() -> UserEvent {
    UserEvent::TokenIssued(TokenIssued {
        token_id: Ulid(7),
        label: "CI".into(),
        scopes: vec!["tickets.create".into()],
        expires_at: None,
        by: BY,
        at: NOW,
    })
}

#[test]
fn create_a_user_with_a_password() {
    let command = CreateUser {
        with_password: true,
        ..create()
    };
    given::<UserAggregate>(&[])
        .when(UserCommand::Create(command))
        .then(vec![created(), password_set()]);
}

#[test]
fn create_claims_normalised_username_and_email() {
    let c = claims(&created());
    assert_eq!(c.len(), 2);
    assert_eq!(
        (c[0].scope.as_str(), c[0].value.as_str()),
        (USERNAME_SCOPE, "chris.brame")
    );
    assert_eq!(
        (c[1].scope.as_str(), c[1].value.as_str()),
        (EMAIL_SCOPE, "chris@example.org")
    );
    assert!(c.iter().all(|c| c.action == ClaimAction::Claim));
}

#[test]
fn a_helpdeskz_user_needs_only_an_email() {
    let command = CreateUser {
        username: None,
        ..create()
    };
    let state = given::<UserAggregate>(&[])
        .when(UserCommand::Create(command))
        .then_state();
    assert_eq!(state.username, None);
    assert!(state.enabled);
}

#[test]
fn create_refuses_missing_identity_and_bad_input() {
    let no_identity = CreateUser {
        username: None,
        email: Some(" ".into()),
        ..create()
    };
    given::<UserAggregate>(&[])
        .when(UserCommand::Create(no_identity))
        .then_err(UserError::NoIdentity);
    let bad_email = CreateUser {
        email: Some("chris".into()),
        ..create()
    };
    given::<UserAggregate>(&[])
        .when(UserCommand::Create(bad_email))
        .then_err(CommonError::Invalid {
            field: "email",
            reason: "has no @",
        });
    let no_name = CreateUser {
        full_name: "".into(),
        ..create()
    };
    given::<UserAggregate>(&[])
        .when(UserCommand::Create(no_name))
        .then_err(CommonError::Empty { field: "full_name" });
    let self_managed = CreateUser {
        profile: UserProfile {
            manager_id: Some(ID),
            ..UserProfile::default()
        },
        ..create()
    };
    given::<UserAggregate>(&[])
        .when(UserCommand::Create(self_managed))
        .then_err(CommonError::SelfReference {
            field: "manager_id",
        });
    given::<UserAggregate>(&[created()])
        .when(UserCommand::Create(create()))
        .then_err(CommonError::AlreadyExists);
}

#[test]
fn commands_on_a_missing_or_deleted_user_are_refused() {
    given::<UserAggregate>(&[])
        .when(UserCommand::Disable)
        .then_err(CommonError::NotFound);
    let deleted = UserEvent::Deleted(UserDeleted {
        username: Some("chris.brame".into()),
        email: Some("Chris@Example.org".into()),
        at: NOW,
    });
    given::<UserAggregate>(&[created(), deleted])
        .when(UserCommand::Enable)
        .then_err(CommonError::Deleted);
}

#[test]
fn update_the_profile() {
    let profile = UserProfile {
        secondary_emails: vec!["a@x.org".into(), "a@x.org".into(), " ".into()],
        department_id: Some(Ulid(5)),
        ..UserProfile::default()
    };
    given::<UserAggregate>(&[created()])
        .when(UserCommand::UpdateProfile {
            full_name: "C. Brame".into(),
            profile,
        })
        .then(vec![UserEvent::ProfileUpdated(UserProfileUpdated {
            full_name: "C. Brame".into(),
            profile: UserProfile {
                secondary_emails: vec!["a@x.org".into()],
                department_id: Some(Ulid(5)),
                ..UserProfile::default()
            },
        })]);
}

#[test]
fn an_unchanged_profile_decides_nothing() {
    let UserEvent::Created(c) = created() else {
        unreachable!()
    };
    given::<UserAggregate>(&[created()])
        .when(UserCommand::UpdateProfile {
            full_name: c.full_name,
            profile: c.profile,
        })
        .then(vec![]);
}

#[test]
fn change_username_and_email_move_the_claims() {
    let changed = UserEvent::UsernameChanged(IdentityChanged {
        old: Some("chris.brame".into()),
        new: "cbrame".into(),
    });
    given::<UserAggregate>(&[created()])
        .when(UserCommand::ChangeUsername {
            username: "cbrame".into(),
        })
        .then(vec![changed.clone()]);
    let c = claims(&changed);
    assert_eq!(c[0].action, ClaimAction::Release);
    assert_eq!(c[1].value, "cbrame");
    given::<UserAggregate>(&[created()])
        .when(UserCommand::ChangeUsername {
            username: "bad name".into(),
        })
        .then_err(CommonError::Invalid {
            field: "username",
            reason: "only letters, digits, '.', '_', '-' and '@' are allowed",
        });
    given::<UserAggregate>(&[created()])
        .when(UserCommand::ChangeEmail {
            email: "c@example.org".into(),
        })
        .then(vec![UserEvent::EmailChanged(IdentityChanged {
            old: Some("Chris@Example.org".into()),
            new: "c@example.org".into(),
        })]);
    given::<UserAggregate>(&[created()])
        .when(UserCommand::ChangeEmail {
            email: "Chris@Example.org".into(),
        })
        .then(vec![]);
}

#[test]
fn a_requester_becomes_an_agent_and_back() {
    let promoted = UserEvent::KindChanged(UserKindChanged {
        kind: UserKind::Agent,
        role_id: AGENT_ROLE,
    });
    let state = given::<UserAggregate>(&[created(), promoted])
        .when(UserCommand::ChangeKind {
            kind: UserKind::Requester,
            role_id: ROLE,
        })
        .then_state();
    assert_eq!((state.kind, state.role_id), (UserKind::Requester, ROLE));
    given::<UserAggregate>(&[created()])
        .when(UserCommand::AssignRole {
            role_id: AGENT_ROLE,
        })
        .then(vec![UserEvent::RoleAssigned(UserRoleAssigned {
            role_id: AGENT_ROLE,
        })]);
    given::<UserAggregate>(&[created()])
        .when(UserCommand::AssignRole { role_id: ROLE })
        .then(vec![]);
}

#[test]
fn disable_and_enable() {
    given::<UserAggregate>(&[created()])
        .when(UserCommand::Disable)
        .then(vec![UserEvent::Disabled(stamp())]);
    given::<UserAggregate>(&[created(), UserEvent::Disabled(stamp())])
        .when(UserCommand::Enable)
        .then(vec![UserEvent::Enabled(stamp())]);
    given::<UserAggregate>(&[created()])
        .when(UserCommand::Enable)
        .then(vec![]);
}

#[test]
fn set_a_password_records_no_secret() {
    given::<UserAggregate>(&[created()])
        .when(UserCommand::SetPassword { force_change: true })
        .then(vec![UserEvent::PasswordSet(PasswordSet {
            by: BY,
            at: NOW,
            force_change: true,
        })]);
}

#[test]
fn issue_and_revoke_a_token() {
    let issue = UserCommand::IssueToken {
        token_id: Ulid(7),
        label: " CI ".into(),
        scopes: vec!["tickets.create".into()],
        expires_at: None,
    };
    given::<UserAggregate>(&[created()])
        .when(issue.clone())
        .then(vec![token_issued()]);
    given::<UserAggregate>(&[created(), token_issued()])
        .when(issue.clone())
        .then_err(UserError::TokenExists { token_id: Ulid(7) });
    given::<UserAggregate>(&[created(), UserEvent::Disabled(stamp())])
        .when(issue)
        .then_err(UserError::Disabled);
    given::<UserAggregate>(&[created(), token_issued()])
        .when(UserCommand::RevokeToken { token_id: Ulid(7) })
        .then(vec![UserEvent::TokenRevoked(TokenRevoked {
            token_id: Ulid(7),
            by: BY,
            at: NOW,
        })]);
    given::<UserAggregate>(&[created()])
        .when(UserCommand::RevokeToken { token_id: Ulid(7) })
        .then_err(UserError::TokenNotFound { token_id: Ulid(7) });
}

#[test]
fn token_expiry_must_be_in_the_future() {
    given::<UserAggregate>(&[created()])
        .when(UserCommand::IssueToken {
            token_id: Ulid(7),
            label: "CI".into(),
            scopes: vec![],
            expires_at: Some(NOW),
        })
        .then_err(UserError::ExpiryInPast);
}

#[test]
fn two_factor_needs_a_password() {
    given::<UserAggregate>(&[created()])
        .when(UserCommand::EnableTwoFactor)
        .then_err(UserError::NoPassword);
    given::<UserAggregate>(&[created(), password_set()])
        .when(UserCommand::EnableTwoFactor)
        .then(vec![UserEvent::TwoFactorEnabled(stamp())]);
    given::<UserAggregate>(&[
        created(),
        password_set(),
        UserEvent::TwoFactorEnabled(stamp()),
    ])
    .when(UserCommand::DisableTwoFactor)
    .then(vec![UserEvent::TwoFactorDisabled(stamp())]);
}

#[test]
fn delete_releases_identities_and_drops_credentials() {
    let deleted = UserEvent::Deleted(UserDeleted {
        username: Some("chris.brame".into()),
        email: Some("Chris@Example.org".into()),
        at: NOW,
    });
    let state = given::<UserAggregate>(&[created(), password_set(), token_issued()])
        .when(UserCommand::Delete)
        .then_state();
    assert!(state.tokens.is_empty() && !state.password_set && !state.enabled);
    assert!(claims(&deleted)
        .iter()
        .all(|c| c.action == ClaimAction::Release));
}

#[test]
fn every_event_round_trips() {
    testkit::assert_round_trips(
        &[
            created(),
            UserEvent::ProfileUpdated(UserProfileUpdated {
                full_name: "x".into(),
                profile: UserProfile::default(),
            }),
            UserEvent::UsernameChanged(IdentityChanged {
                old: None,
                new: "x".into(),
            }),
            UserEvent::EmailChanged(IdentityChanged {
                old: Some("a@b.c".into()),
                new: "x@b.c".into(),
            }),
            UserEvent::RoleAssigned(UserRoleAssigned { role_id: ROLE }),
            UserEvent::KindChanged(UserKindChanged {
                kind: UserKind::Agent,
                role_id: ROLE,
            }),
            UserEvent::Enabled(stamp()),
            UserEvent::Disabled(stamp()),
            password_set(),
            token_issued(),
            UserEvent::TokenRevoked(TokenRevoked {
                token_id: Ulid(7),
                by: Actor::System,
                at: NOW,
            }),
            UserEvent::TwoFactorEnabled(stamp()),
            UserEvent::TwoFactorDisabled(stamp()),
            UserEvent::Deleted(UserDeleted {
                username: None,
                email: None,
                at: NOW,
            }),
        ],
        UserEvent::EVENT_TYPES,
    );
}

fn arb_command() -> impl Strategy<Value = UserCommand> {
    let usernames = prop_oneof![
        Just("ann".to_owned()),
        Just("Ann".to_owned()),
        Just("bob".to_owned()),
        Just("bad name".to_owned())
    ];
    let emails = prop_oneof![
        Just("ann@x.org".to_owned()),
        Just("ANN@x.org".to_owned()),
        Just("bob@x.org".to_owned()),
        Just("nope".to_owned())
    ];
    let kind = prop_oneof![Just(UserKind::Requester), Just(UserKind::Agent)];
    prop_oneof![
        (
            proptest::option::of(usernames.clone()),
            proptest::option::of(emails.clone()),
            any::<bool>()
        )
            .prop_map(
                |(username, email, with_password)| UserCommand::Create(CreateUser {
                    username,
                    email,
                    with_password,
                    ..create()
                })
            ),
        (proptest::option::of(arb_id())).prop_map(|manager_id| UserCommand::UpdateProfile {
            full_name: "N".into(),
            profile: UserProfile {
                manager_id,
                ..UserProfile::default()
            }
        }),
        usernames.prop_map(|username| UserCommand::ChangeUsername { username }),
        emails.prop_map(|email| UserCommand::ChangeEmail { email }),
        arb_id().prop_map(|role_id| UserCommand::AssignRole { role_id }),
        (kind, arb_id()).prop_map(|(kind, role_id)| UserCommand::ChangeKind { kind, role_id }),
        Just(UserCommand::Enable),
        Just(UserCommand::Disable),
        any::<bool>().prop_map(|force_change| UserCommand::SetPassword { force_change }),
        arb_id().prop_map(|token_id| UserCommand::IssueToken {
            token_id,
            label: "t".into(),
            scopes: vec!["tickets.read".into()],
            expires_at: None,
        }),
        arb_id().prop_map(|token_id| UserCommand::RevokeToken { token_id }),
        Just(UserCommand::EnableTwoFactor),
        Just(UserCommand::DisableTwoFactor),
        Just(UserCommand::Delete),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn replay_gives_the_live_state(commands in proptest::collection::vec(arb_command(), 0..30)) {
        testkit::check_replay::<UserAggregate>(&commands)?;
    }
}
