//! `--demo`: a realistic sample desk for trying ledgerdesk out, loaded on start into a data
//! directory that has none yet.
//!
//! Everything goes through the command service, exactly as API calls would: people (agents and
//! requesters, one shared demo password whose hash goes to the credential store, never into an
//! event), groups, a business-hours calendar with priorities bound to it, a few hundred tickets
//! over the last four weeks (replies, internal notes, status changes, assignments, approvals
//! with votes, solutions, closures) and breaking news with updates. The domain times of those
//! commands (`ctx.now`) are spread over the past weeks; the log's own `recorded_at` stays the
//! real time of the load, so the log never lies about when it was written.
//!
//! **Once.** Every command runs under an idempotency key `demo:v1:...`, and the last one sets
//! the setting `demo.loaded`. A start with `--demo` first looks for that last command's event:
//! found, it adds nothing (one lookup). An interrupted load is completed by the next start: the
//! commands already done are found by their keys and skipped.
//!
//! **Deterministic.** Names, texts, choices, ids' random parts and time offsets come from a
//! ChaCha RNG with a fixed seed, so two demo desks differ only in their clock.
//!
//! Files: [`people`] (users, groups), [`catalogue`] (calendar, priorities, the statuses and
//! types tickets use, breaking news), [`tickets`] (the tickets and their lives).

mod catalogue;
mod people;
mod tickets;

use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use ledgerdesk_core::aggregate::{Aggregate, CommandContext};
use ledgerdesk_core::command::{derived_event_id, CommandOptions, Executed};
use ledgerdesk_core::directory::setting::{SettingAggregate, SettingCommand, SettingValue};
use ledgerdesk_core::{Actor, CredentialWrite, EventStore, StreamId, StreamKind, Timestamp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use ulid::Ulid;

use crate::state::AppState;

/// The seed of every demo desk.
const SEED: u64 = 0x000d_e5c1_ed9e;
/// The key of the last demo command: its event in the log means the demo is loaded.
const LOADED_KEY: &str = "demo:v1:setting:loaded";
/// How far back the demo's activity starts.
const HISTORY_DAYS: i64 = 28;

/// What a demo load created, for the operator (printed once).
#[derive(Debug)]
pub struct DemoLoaded {
    /// The one password of every demo user (generated, shown once, stored only as a hash).
    pub password: String,
    /// The agents' usernames.
    pub agents: Vec<String>,
    /// The requesters' usernames.
    pub requesters: Vec<String>,
    /// How many tickets the demo has.
    pub tickets: usize,
    /// How many commands were run now (fewer than the whole demo when completing a load).
    pub commands: usize,
}

/// Loads the demo unless this data directory already has it (see the module docs).
pub async fn load(state: &AppState) -> anyhow::Result<Option<DemoLoaded>> {
    if state
        .store
        .find_event(derived_event_id(LOADED_KEY, 0))
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let mut demo = Demo::new(state);
    let people = people::load(&mut demo).await.context("demo people")?;
    let catalogue = catalogue::load(&mut demo, &people)
        .await
        .context("demo catalogue")?;
    let tickets = tickets::load(&mut demo, &people, &catalogue)
        .await
        .context("demo tickets")?;
    catalogue::news(&mut demo, &people)
        .await
        .context("demo news")?;
    let setting_id = demo.id(demo.now);
    demo.run::<SettingAggregate>(
        StreamId::new(StreamKind::Setting, setting_id),
        &SettingCommand::Set {
            name: "demo.loaded".to_owned(),
            value: SettingValue::Bool(true),
        },
        Actor::System,
        demo.now,
        LOADED_KEY.to_owned(),
    )
    .await?;
    Ok(Some(DemoLoaded {
        password: people.password.clone(),
        agents: people.agents.iter().map(|p| p.username.clone()).collect(),
        requesters: people
            .requesters
            .iter()
            .map(|p| p.username.clone())
            .collect(),
        tickets,
        commands: demo.commands.load(Ordering::Relaxed),
    }))
}

/// The loader's shared tools: the state, the seeded RNG, the clock of the load, and a counter.
pub(crate) struct Demo<'a> {
    state: &'a AppState,
    rng: ChaCha8Rng,
    /// The real time of the load; demo activity happens before it.
    now: Timestamp,
    commands: AtomicUsize,
}

impl<'a> Demo<'a> {
    fn new(state: &'a AppState) -> Demo<'a> {
        Demo {
            state,
            rng: ChaCha8Rng::seed_from_u64(SEED),
            now: Timestamp::now(),
            commands: AtomicUsize::new(0),
        }
    }

    /// A new id whose time part is `at` and whose random part comes from the seeded RNG.
    fn id(&mut self, at: Timestamp) -> Ulid {
        let millis = u64::try_from(at.as_micros() / 1000).unwrap_or(0);
        Ulid::from_parts(millis, self.rng.gen::<u128>())
    }

    /// `minutes` before the load.
    fn ago(&self, minutes: i64) -> Timestamp {
        Timestamp(self.now.as_micros() - minutes * 60_000_000)
    }

    /// Picks one of `items` (which must not be empty).
    fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[self.rng.gen_range(0..items.len())]
    }

    /// Whether an event of probability `p` happens.
    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p.clamp(0.0, 1.0))
    }

    /// Runs one command as `actor` at the domain time `at`, under the idempotency `key`.
    async fn run<A>(
        &self,
        stream: StreamId,
        command: &A::Command,
        actor: Actor,
        at: Timestamp,
        key: String,
    ) -> anyhow::Result<Executed<A::Event>>
    where
        A: Aggregate,
        A::State: Send + Sync + 'static,
    {
        self.run_with::<A>(stream, command, actor, at, key, Vec::new())
            .await
    }

    /// [`Demo::run`] with credential-store writes committed with the events.
    async fn run_with<A>(
        &self,
        stream: StreamId,
        command: &A::Command,
        actor: Actor,
        at: Timestamp,
        key: String,
        credentials: Vec<CredentialWrite>,
    ) -> anyhow::Result<Executed<A::Event>>
    where
        A: Aggregate,
        A::State: Send + Sync + 'static,
    {
        let ctx = CommandContext { actor, now: at };
        let options = CommandOptions {
            idempotency_key: Some(key.clone()),
            credentials,
            ..CommandOptions::default()
        };
        let done = self
            .state
            .commands
            .execute::<A>(stream, command, &ctx, options)
            .await
            .map_err(|e| anyhow::anyhow!("demo command {key}: {e}"))?;
        if !done.duplicate {
            self.commands.fetch_add(1, Ordering::Relaxed);
        }
        Ok(done)
    }
}
