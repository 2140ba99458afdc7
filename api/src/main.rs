//! `ledgerdesk`: the server binary. Parses configuration, sets up logging, and runs the
//! application until SIGTERM or Ctrl-C; everything else is in the library.

use clap::Parser;
use ledgerdesk_api::config::{Cli, Config};
use ledgerdesk_api::startup::Application;

/// mimalloc instead of the system allocator: under load the server spent ~14 % of its CPU in
/// glibc's malloc and free (small, short-lived buffers for requests, events and read-model
/// records), and a rebuild a quarter of its time (`docs/BENCHMARKS.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config = match Config::resolve(cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ledgerdesk: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    ledgerdesk_api::telemetry::init(&config.log_level, config.log_format);
    if let Err(e) = ledgerdesk_core::process::without_transparent_huge_pages() {
        tracing::warn!(error = %e, "transparent huge pages stay on");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ledgerdesk: cannot start the runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let outcome = runtime.block_on(async move {
        let app = Application::build(config).await?;
        app.run_until_stopped().await
    });
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ledgerdesk: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}
