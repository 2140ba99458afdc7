//! Starting the real binary with extra flags (e.g. a small `--attachment-limit`), a desk on
//! such a server, and catalogue items seeded offline (there is no catalogue route yet).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::desk::Desk;
use super::{seed_users, Server, ADMIN_PASSWORD};

impl Server {
    /// Like [`Server::start`], with `args` added to the command line.
    #[allow(clippy::zombie_processes)]
    pub fn start_with(data_dir: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ledgerdesk"))
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(data_dir)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LEDGERDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("LEDGERDESK_LOG_LEVEL", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ledgerdesk");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut first_start = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = rx.recv_timeout(left) else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the server did not print its address within 30 s");
            };
            if let Some(address) = line.strip_prefix("ledgerdesk listening on ") {
                return Server {
                    child,
                    base: address.trim().to_owned(),
                    first_start,
                };
            }
            first_start.push(line);
        }
    }
}

/// Creates a time category called `name` in a stopped server's data directory; answers its id.
pub fn seed_time_category(data_dir: &Path, name: &str) -> String {
    use ledgerdesk_core::aggregate::CommandContext;
    use ledgerdesk_core::command::{CommandOptions, CommandService};
    use ledgerdesk_core::directory::catalogue_item::{ItemAggregate, ItemCommand, ItemKind};
    use ledgerdesk_core::{Actor, SledEventStore, StoreConfig, StreamId, StreamKind, Timestamp};
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    rt.block_on(async {
        let store = SledEventStore::open(data_dir, StoreConfig::default()).expect("open the store");
        let commands = CommandService::new(std::sync::Arc::new(store.clone()), 16);
        let ctx = CommandContext {
            actor: Actor::System,
            now: Timestamp::now(),
        };
        let stream = StreamId::generate(StreamKind::TimeCategory);
        let create = ItemCommand::Create {
            item_id: stream.id,
            kind: ItemKind::TimeCategory,
            name: name.to_owned(),
            description: None,
            cost_per_hour_cents: Some(5_000),
            parent_id: None,
        };
        commands
            .execute::<ItemAggregate>(stream, &create, &ctx, CommandOptions::default())
            .await
            .expect("create a time category");
        store.close().await;
        stream.to_string()
    })
}

/// A desk (see [`Desk::open`]) whose server runs with `args`, and a time category `Support`.
pub fn open_desk_with(args: &[&str]) -> (Desk, String) {
    let dir = tempfile::tempdir().unwrap();
    let first = Server::start_with(dir.path(), args);
    let admin = first.admin_token();
    assert!(first.stop().success());
    let mut users = seed_users(
        dir.path(),
        &[
            ("agnes", "agent"),
            ("rita", "requester"),
            ("otto", "requester"),
            ("audrey", "auditor"),
        ],
    )
    .into_iter();
    let category = seed_time_category(dir.path(), "Support");
    let mut next = || users.next().unwrap();
    let (agent, requester, other_requester, auditor) = (next(), next(), next(), next());
    let desk = Desk {
        server: Server::start_with(dir.path(), args),
        _dir: dir,
        admin,
        agent,
        requester,
        other_requester,
        auditor,
    };
    (desk, category)
}
