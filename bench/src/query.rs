//! `query` mode: ticket-list latency on a large desk. Generates `--tickets` tickets through the
//! command service with a realistic spread of statuses, groups, agents, requesters,
//! priorities, sources and tags (a fifth with a public reply, three in ten pending, resolved
//! or closed afterwards), builds the `views` read
//! model from the log, then times random filtered and sorted pages of 50 (first pages and the
//! page after), filtered counts, and two-word searches.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use ledgerdesk_core::aggregate::CommandContext;
use ledgerdesk_core::command::{CommandOptions, CommandService};
use ledgerdesk_core::ticket::{
    examples, Side, StatusCategory, StatusRef, TicketAggregate, TicketCommand,
};
use ledgerdesk_core::{
    Actor, EventStore, SledEventStore, StoreConfig, StreamId, StreamKind, Timestamp,
};
use ledgerdesk_projections::views::{self, SortField, TicketFilter};
use ledgerdesk_projections::ProjectionRunner;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use ulid::Ulid;

use crate::rebuild::peak_rss_mb;
use crate::stats::{round2, Percentiles};

#[derive(Args)]
pub struct QueryArgs {
    /// Tickets to generate.
    #[arg(long, default_value_t = 1_000_000)]
    tickets: usize,
    /// Queries of each kind to time.
    #[arg(long, default_value_t = 2_000)]
    queries: usize,
    /// Concurrent writers while generating.
    #[arg(long, default_value_t = 64)]
    writers: usize,
    /// Seed of the generated desk and of the queries.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Print one JSON object as the last line.
    #[arg(long)]
    json: bool,
}

/// The catalogue the generated tickets draw from: ids fixed by the seed.
struct Catalogue {
    statuses: Vec<(Ulid, StatusCategory)>,
    groups: Vec<Ulid>,
    agents: Vec<Ulid>,
    requesters: Vec<Ulid>,
    priorities: Vec<Ulid>,
    sources: Vec<Ulid>,
    tags: Vec<Ulid>,
}

const WORDS: [&str; 40] = [
    "printer",
    "laptop",
    "vpn",
    "email",
    "password",
    "monitor",
    "keyboard",
    "network",
    "wifi",
    "license",
    "invoice",
    "badge",
    "phone",
    "outlook",
    "teams",
    "server",
    "backup",
    "disk",
    "camera",
    "headset",
    "dock",
    "charger",
    "update",
    "crash",
    "slow",
    "login",
    "access",
    "folder",
    "share",
    "drive",
    "scanner",
    "toner",
    "paper",
    "meeting",
    "room",
    "projector",
    "account",
    "locked",
    "expired",
    "error",
];

fn ids(rng: &mut StdRng, n: usize) -> Vec<Ulid> {
    (0..n).map(|_| Ulid(rng.gen())).collect()
}

impl Catalogue {
    fn new(rng: &mut StdRng) -> Catalogue {
        let categories = [
            StatusCategory::New,
            StatusCategory::Open,
            StatusCategory::InProgress,
            StatusCategory::Pending,
            StatusCategory::Resolved,
            StatusCategory::Closed,
        ];
        Catalogue {
            statuses: categories.iter().map(|c| (Ulid(rng.gen()), *c)).collect(),
            groups: ids(rng, 20),
            agents: ids(rng, 60),
            requesters: ids(rng, 20_000),
            priorities: ids(rng, 4),
            sources: ids(rng, 5),
            tags: ids(rng, 30),
        }
    }

    fn pick<T: Copy>(rng: &mut StdRng, from: &[T]) -> T {
        from[rng.gen_range(0..from.len())]
    }

    /// A ticket's creation: most fields set, some left empty as on a real desk.
    fn ticket(&self, rng: &mut StdRng, id: Ulid) -> TicketCommand {
        let words: Vec<&str> = (0..5).map(|_| Self::pick(rng, &WORDS)).collect();
        let TicketCommand::Create(mut c) = examples::create(
            id,
            Self::pick(rng, &self.requesters),
            Ulid::nil(),
            &words.join(" "),
        ) else {
            unreachable!("examples::create creates")
        };
        // Tickets are created in a working status; some are closed later (see `run`).
        let (status_id, category) = Self::pick(rng, &self.statuses[..3]);
        c.status = StatusRef {
            status_id,
            category,
        };
        c.group_id = rng.gen_bool(0.9).then(|| Self::pick(rng, &self.groups));
        c.agent_id = rng.gen_bool(0.7).then(|| Self::pick(rng, &self.agents));
        c.priority_id = Some(Self::pick(rng, &self.priorities));
        c.source_id = Some(Self::pick(rng, &self.sources));
        c.tag_ids = (0..rng.gen_range(0..3))
            .map(|_| Self::pick(rng, &self.tags))
            .collect::<BTreeSet<_>>();
        TicketCommand::Create(c)
    }

    /// A random filter of one or two fields, as list screens ask.
    fn filter(&self, rng: &mut StdRng) -> TicketFilter {
        let mut f = TicketFilter::default();
        let one = |f: &mut TicketFilter, rng: &mut StdRng| match rng.gen_range(0..7) {
            0 => f.status = Some(Self::pick(rng, &self.statuses).0),
            1 => f.status_category = Some(Self::pick(rng, &self.statuses).1),
            2 => f.group = Some(Some(Self::pick(rng, &self.groups))),
            3 => f.agent = Some(rng.gen_bool(0.8).then(|| Self::pick(rng, &self.agents))),
            4 => f.priority = Some(Some(Self::pick(rng, &self.priorities))),
            5 => f.tag = Some(Self::pick(rng, &self.tags)),
            _ => f.requester = Some(Self::pick(rng, &self.requesters)),
        };
        one(&mut f, rng);
        if rng.gen_bool(0.5) {
            one(&mut f, rng);
        }
        f
    }
}

const SORTS: [SortField; 6] = [
    SortField::Created,
    SortField::Number,
    SortField::Updated,
    SortField::Closed,
    SortField::Priority,
    SortField::Status,
];

pub async fn run(args: QueryArgs) -> Result<(), Box<dyn std::error::Error>> {
    let scratch = tempfile::tempdir()?;
    let store = SledEventStore::open(scratch.path(), StoreConfig::default())?;
    let commands = Arc::new(CommandService::new(Arc::new(store.clone()), 1_024));
    let mut rng = StdRng::seed_from_u64(args.seed);
    let catalogue = Arc::new(Catalogue::new(&mut rng));

    let generating = Instant::now();
    let writers = args.writers.max(1);
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (commands, catalogue) = (commands.clone(), catalogue.clone());
        let count = args.tickets / writers + usize::from(w < args.tickets % writers);
        let seed = args.seed.wrapping_mul(1_000_003).wrapping_add(w as u64);
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed);
            for _ in 0..count {
                let ticket = StreamId::generate(StreamKind::Ticket);
                let agent = Catalogue::pick(&mut rng, &catalogue.agents);
                let ctx = CommandContext {
                    actor: Actor::User(agent),
                    now: Timestamp::now(),
                };
                let mut steps = vec![catalogue.ticket(&mut rng, ticket.id)];
                if rng.gen_bool(0.2) {
                    let body = format!(
                        "Tried the {} and the {} again",
                        Catalogue::pick(&mut rng, &WORDS),
                        Catalogue::pick(&mut rng, &WORDS)
                    );
                    steps.push(examples::reply(agent, Side::Agent, &body, None));
                }
                if rng.gen_bool(0.3) {
                    let (status_id, category) = Catalogue::pick(&mut rng, &catalogue.statuses[3..]);
                    steps.push(examples::change_status(status_id, category));
                }
                for step in &steps {
                    commands
                        .execute::<TicketAggregate>(ticket, step, &ctx, CommandOptions::default())
                        .await
                        .map_err(|e| e.to_string())?;
                }
            }
            Ok::<(), String>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let events = store.head();
    println!(
        "generated {} tickets ({events} events) in {:.1} s",
        args.tickets,
        generating.elapsed().as_secs_f64()
    );

    let building = Instant::now();
    let runner = ProjectionRunner::open(store.clone(), vec![Arc::new(views::TicketViews)])?;
    runner.rebuild(views::NAME).await?;
    let build_secs = building.elapsed().as_secs_f64();
    println!(
        "views built in {build_secs:.1} s ({:.0} events/s), peak RSS {:.0} MiB",
        events as f64 / build_secs,
        peak_rss_mb()
    );
    // What a server start costs: opening the model loads its index from the stored summaries.
    drop(runner);
    let loading = Instant::now();
    let runner = ProjectionRunner::open(store.clone(), vec![Arc::new(views::TicketViews)])?;
    let load_secs = loading.elapsed().as_secs_f64();
    println!("index loaded from the stored summaries in {load_secs:.1} s");
    let view = runner.view(views::NAME)?;

    let (mut pages, mut counts, mut searches) = (Vec::new(), Vec::new(), Vec::new());
    let mut rows = 0usize;
    for _ in 0..args.queries {
        let filter = catalogue.filter(&mut rng);
        let sort = SORTS[rng.gen_range(0..SORTS.len())];
        let descending = rng.gen_bool(0.5);
        let t = Instant::now();
        let first = views::list(&view, &filter, sort, descending, None, 50)?;
        pages.push(t.elapsed());
        rows += first.items.len();
        if let Some(next) = first.next.as_deref() {
            let t = Instant::now();
            let second = views::list(&view, &filter, sort, descending, Some(next), 50)?;
            pages.push(t.elapsed());
            rows += second.items.len();
        }
        let t = Instant::now();
        views::count_filtered(&view, &filter)?;
        counts.push(t.elapsed());
        let text = format!(
            "{} {}",
            Catalogue::pick(&mut rng, &WORDS),
            Catalogue::pick(&mut rng, &WORDS)
        );
        let t = Instant::now();
        views::search(&view, &text, false, None, 50)?;
        searches.push(t.elapsed());
    }
    let page = Percentiles::of(&mut pages);
    let count = Percentiles::of(&mut counts);
    let search = Percentiles::of(&mut searches);
    println!(
        "{} pages of 50 ({rows} rows): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        pages.len(),
        page.p50_ms,
        page.p99_ms,
        page.max_ms
    );
    println!(
        "counts: p50 {:.3} ms, p99 {:.3} ms; searches: p50 {:.3} ms, p99 {:.3} ms",
        count.p50_ms, count.p99_ms, search.p50_ms, search.p99_ms
    );
    let rss = peak_rss_mb();
    drop(view);
    drop(runner);
    store.close().await;
    if args.json {
        let summary = json!({
            "mode": "query",
            "tickets": args.tickets,
            "events": events,
            "queries": args.queries,
            "page_p50_ms": round3(page.p50_ms),
            "page_p99_ms": round3(page.p99_ms),
            "count_p99_ms": round3(count.p99_ms),
            "search_p99_ms": round3(search.p99_ms),
            "build_seconds": round2(build_secs),
            "index_load_seconds": round2(load_secs),
            "peak_rss_mb": rss.round(),
        });
        println!("{summary}");
    }
    Ok(())
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
