//! The demo's people: agents and requesters sharing one generated password, and groups of
//! agents.

use std::collections::BTreeSet;

use anyhow::Context;
use ledgerdesk_core::directory::group::{GroupAggregate, GroupCommand};
use ledgerdesk_core::directory::normalise;
use ledgerdesk_core::directory::role;
use ledgerdesk_core::directory::user::{
    CreateUser, UserAggregate, UserCommand, UserKind, UserProfile,
};
use ledgerdesk_core::{Actor, CredentialWrite, EventStore, StreamId, StreamKind};
use ulid::Ulid;

use super::Demo;
use crate::auth::credentials;

/// Agents: username, full name, job title.
const AGENTS: [(&str, &str, &str); 5] = [
    ("alice.moreau", "Alice Moreau", "Service desk lead"),
    ("ben.okafor", "Ben Okafor", "Network engineer"),
    ("chloe.nguyen", "Chloe Nguyen", "Applications specialist"),
    ("dmitri.volkov", "Dmitri Volkov", "Systems administrator"),
    ("esther.lind", "Esther Lind", "Service desk agent"),
];

/// Requesters: username, full name, job title.
const REQUESTERS: [(&str, &str, &str); 12] = [
    ("farid.haddad", "Farid Haddad", "Accountant"),
    ("greta.schmidt", "Greta Schmidt", "Sales manager"),
    ("hiro.tanaka", "Hiro Tanaka", "Designer"),
    ("ines.pereira", "Ines Pereira", "HR partner"),
    ("jonas.berg", "Jonas Berg", "Warehouse supervisor"),
    ("kemi.adeyemi", "Kemi Adeyemi", "Marketing lead"),
    ("lucas.martin", "Lucas Martin", "Developer"),
    ("maya.cohen", "Maya Cohen", "Legal counsel"),
    ("noah.williams", "Noah Williams", "Customer support"),
    ("olga.ivanova", "Olga Ivanova", "Controller"),
    ("pablo.ruiz", "Pablo Ruiz", "Field technician"),
    ("quinn.obrien", "Quinn O'Brien", "Office manager"),
];

/// Groups: name and the indexes of their members in [`AGENTS`].
const GROUPS: [(&str, &[usize]); 3] = [
    ("Service desk", &[0, 1, 2, 3, 4]),
    ("Network & infrastructure", &[1, 3]),
    ("Business applications", &[0, 2]),
];

/// One demo user.
pub(crate) struct Person {
    pub username: String,
    pub id: Ulid,
}

/// One demo group.
pub(crate) struct Group {
    pub id: Ulid,
    /// Indexes in [`People::agents`].
    pub members: Vec<usize>,
}

/// Everyone the demo created.
pub(crate) struct People {
    pub password: String,
    pub agents: Vec<Person>,
    pub requesters: Vec<Person>,
    /// In [`GROUPS`] order: service desk, network, applications.
    pub groups: Vec<Group>,
}

/// Creates the users and groups (or finds them, when completing an interrupted load).
pub(crate) async fn load(demo: &mut Demo<'_>) -> anyhow::Result<People> {
    let password = credentials::new_password();
    let hash = {
        let password = password.clone();
        tokio::task::spawn_blocking(move || credentials::hash_password(&password))
            .await?
            .map_err(|e| anyhow::anyhow!("hashing the demo password: {e}"))?
    };
    let mut agents = Vec::new();
    for (username, full_name, title) in AGENTS {
        agents.push(user(demo, UserKind::Agent, username, full_name, title, &hash).await?);
    }
    let mut requesters = Vec::new();
    for (username, full_name, title) in REQUESTERS {
        let kind = UserKind::Requester;
        requesters.push(user(demo, kind, username, full_name, title, &hash).await?);
    }
    let mut groups = Vec::new();
    for (name, members) in GROUPS {
        let at = demo.ago(super::HISTORY_DAYS * 24 * 60 + 60);
        let group_id = demo.id(at);
        let command = GroupCommand::Create {
            group_id,
            name: name.to_owned(),
            public: true,
            members: members.iter().map(|&i| agents[i].id).collect(),
            recipients: BTreeSet::new(),
        };
        let done = demo
            .run::<GroupAggregate>(
                StreamId::new(StreamKind::Group, group_id),
                &command,
                Actor::System,
                at,
                format!("demo:v1:group:{name}"),
            )
            .await?;
        groups.push(Group {
            id: done.stream.id,
            members: members.to_vec(),
        });
    }
    Ok(People {
        password,
        agents,
        requesters,
        groups,
    })
}

/// Creates one user with the shared password hash. When the user exists from an interrupted
/// load, its password is set again, so that the password printed now is the one that works.
async fn user(
    demo: &mut Demo<'_>,
    kind: UserKind,
    username: &str,
    full_name: &str,
    title: &str,
    hash: &str,
) -> anyhow::Result<Person> {
    let role_name = match kind {
        UserKind::Agent => "agent",
        UserKind::Requester => "requester",
    };
    let role = demo
        .state
        .store
        .claim_holder(role::NAME_SCOPE, &normalise(role_name))
        .await?
        .with_context(|| format!("no built-in role {role_name}"))?;
    let at = demo.ago(super::HISTORY_DAYS * 24 * 60 + 120);
    let user_id = demo.id(at);
    let (first, last) = full_name.split_once(' ').unwrap_or((full_name, ""));
    let create = UserCommand::Create(CreateUser {
        user_id,
        kind,
        username: Some(username.to_owned()),
        email: Some(format!("{username}@demo.example")),
        full_name: full_name.to_owned(),
        profile: UserProfile {
            first_name: Some(first.to_owned()),
            last_name: Some(last.to_owned()).filter(|l| !l.is_empty()),
            title: Some(title.to_owned()),
            ..UserProfile::default()
        },
        role_id: role.id,
        with_password: true,
    });
    let credential = |id: Ulid| {
        vec![CredentialWrite {
            key: credentials::password_key(id),
            value: Some(hash.as_bytes().to_vec()),
        }]
    };
    let done = demo
        .run_with::<UserAggregate>(
            StreamId::new(StreamKind::User, user_id),
            &create,
            Actor::System,
            at,
            format!("demo:v1:user:{username}"),
            credential(user_id),
        )
        .await?;
    let id = done.stream.id;
    if done.duplicate {
        demo.state
            .commands
            .execute::<UserAggregate>(
                done.stream,
                &UserCommand::SetPassword {
                    force_change: false,
                },
                &ledgerdesk_core::aggregate::CommandContext {
                    actor: Actor::System,
                    now: demo.now,
                },
                ledgerdesk_core::command::CommandOptions {
                    credentials: credential(id),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("setting the demo password of {username}: {e}"))?;
    }
    Ok(Person {
        username: username.to_owned(),
        id,
    })
}
