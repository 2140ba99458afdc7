//! `ledgerdesk-bench`: measures what the design promises, on this machine, in one command.
//!
//! Modes:
//! - `append`: durable appends per second and latency percentiles with group commit, the same
//!   for a flush-after-every-append baseline, and bytes on disk per event.
//! - `rebuild`: events per second rebuilding every read model, and peak memory.
//! - `lag`: how long after an acknowledged append the read models show it, under load.
//! - `query`: filtered, sorted pages, counts and searches on a desk of a million tickets.
//! - `http`: commands per second and latencies through the whole server, from keep-alive
//!   connections running a mix of ticket commands and list queries.
//!
//! Every mode prints a readable report; with `--json` its last line is one JSON object, so a
//! script can record the figures. Timing decides nothing in the test suite: figures live in
//! `docs/BENCHMARKS.md` with the command that produced them.

/// mimalloc, as in the server: the modes that run the read models in this process (rebuild, lag, query) measure them with the allocator the server uses (`docs/BENCHMARKS.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod append;
mod http;
mod http_client;
mod lag;
mod query;
mod rebuild;
mod stats;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "ledgerdesk-bench", about = "Benchmarks for ledgerdesk")]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Durable appends: group commit against a flush-per-append baseline.
    Append(append::AppendArgs),
    /// Rebuild every read model from a generated log of ticket stories.
    Rebuild(rebuild::RebuildArgs),
    /// Append-to-visible lag of the read models under load.
    Lag(lag::LagArgs),
    /// Ticket-list, count and search latency on a large desk.
    Query(query::QueryArgs),
    /// Commands per second through the HTTP server (one it starts, or `--url`).
    Http(http::HttpArgs),
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    if let Err(e) = ledgerdesk_core::process::without_transparent_huge_pages() {
        eprintln!("ledgerdesk-bench: transparent huge pages stay on: {e}");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.mode {
        Mode::Append(args) => runtime.block_on(append::run(args)),
        Mode::Rebuild(args) => runtime.block_on(rebuild::run(args)),
        Mode::Lag(args) => runtime.block_on(lag::run(args)),
        Mode::Query(args) => runtime.block_on(query::run(args)),
        Mode::Http(args) => runtime.block_on(http::run(args)),
    }
}
