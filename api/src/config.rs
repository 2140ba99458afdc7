//! Configuration: flags override environment variables, which override the TOML file named by
//! `--config`, which overrides the defaults. Resolved once into [`Config`] before anything
//! starts, so a bad value is refused with a clear message and exit code 2.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use serde::Deserialize;

/// The attachment size limit when none is configured: 25 MiB.
pub const DEFAULT_ATTACHMENT_LIMIT: u64 = 25 * 1024 * 1024;

/// The command line (each flag also reads its environment variable).
#[derive(Debug, Parser)]
#[command(
    name = "ledgerdesk",
    version,
    about = "The ledgerdesk service-desk server"
)]
pub struct Cli {
    /// A TOML file with any of the settings below (keys as the long flags, with `_`).
    #[arg(long, env = "LEDGERDESK_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on (port 0 picks a free port; the bound address is printed).
    #[arg(long, env = "LEDGERDESK_LISTEN")]
    pub listen: Option<String>,
    /// Data directory (the event log and the read models).
    #[arg(long, env = "LEDGERDESK_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Log level or filter (`info`, `ledgerdesk_api=debug`...).
    #[arg(long, env = "LEDGERDESK_LOG_LEVEL")]
    pub log_level: Option<String>,
    /// Log format.
    #[arg(long, env = "LEDGERDESK_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Largest accepted request body in bytes (attachments have their own limit).
    #[arg(long, env = "LEDGERDESK_BODY_LIMIT")]
    pub body_limit: Option<usize>,
    /// Largest accepted attachment in bytes (a larger upload is refused with 413 and nothing
    /// is kept).
    #[arg(long, env = "LEDGERDESK_ATTACHMENT_LIMIT")]
    pub attachment_limit: Option<u64>,
    /// Load a sample desk (people, catalogue, a few hundred tickets) into a data directory
    /// that has none yet; later starts with `--demo` add nothing.
    #[arg(long, env = "LEDGERDESK_DEMO", value_parser = clap::builder::BoolishValueParser::new(), num_args = 0..=1, default_missing_value = "true")]
    pub demo: Option<bool>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    log_level: Option<String>,
    log_format: Option<LogFormat>,
    body_limit: Option<usize>,
    attachment_limit: Option<u64>,
    demo: Option<bool>,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen.
    pub listen: SocketAddr,
    /// The data directory.
    pub data_dir: PathBuf,
    /// Log filter.
    pub log_level: String,
    /// Log format.
    pub log_format: LogFormat,
    /// Request body limit in bytes.
    pub body_limit: usize,
    /// Attachment size limit in bytes (separate from the JSON body limit: files are streamed
    /// to the blob store, not buffered).
    pub attachment_limit: u64,
    /// The first admin's password, from `LEDGERDESK_ADMIN_PASSWORD` (generated when absent).
    pub admin_password: Option<String>,
    /// Whether to load the demo desk on start (see [`crate::demo`]).
    pub demo: bool,
}

impl Config {
    /// Merges flags, environment, file and defaults.
    pub fn resolve(cli: Cli) -> anyhow::Result<Config> {
        let file = match &cli.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                toml::from_str::<FileConfig>(&text)
                    .with_context(|| format!("parsing {}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let listen = cli
            .listen
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let listen = listen.parse().with_context(|| {
            format!("--listen {listen:?} is not an address like 127.0.0.1:8080")
        })?;
        let body_limit = cli.body_limit.or(file.body_limit).unwrap_or(1024 * 1024);
        if body_limit == 0 {
            anyhow::bail!("--body-limit must be positive");
        }
        let attachment_limit = cli
            .attachment_limit
            .or(file.attachment_limit)
            .unwrap_or(DEFAULT_ATTACHMENT_LIMIT);
        if attachment_limit == 0 {
            anyhow::bail!("--attachment-limit must be positive");
        }
        Ok(Config {
            listen,
            data_dir: cli
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from("./data")),
            log_level: cli
                .log_level
                .or(file.log_level)
                .unwrap_or_else(|| "info".to_owned()),
            log_format: cli.log_format.or(file.log_format).unwrap_or_default(),
            body_limit,
            attachment_limit,
            demo: cli.demo.or(file.demo).unwrap_or(false),
            admin_password: std::env::var("LEDGERDESK_ADMIN_PASSWORD")
                .ok()
                .filter(|p| !p.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_off_unless_asked_for() {
        let resolve = |args: &[&str]| Config::resolve(Cli::try_parse_from(args).unwrap()).unwrap();
        assert!(!resolve(&["ledgerdesk"]).demo);
        assert!(resolve(&["ledgerdesk", "--demo"]).demo);
        assert!(resolve(&["ledgerdesk", "--demo", "true"]).demo);
        assert!(!resolve(&["ledgerdesk", "--demo", "false"]).demo);
        assert!(Cli::try_parse_from(["ledgerdesk", "--demo", "maybe"]).is_err());
    }
}
