//! Building and running the application: open the store, start the read models, run the
//! first-start bootstrap, bind, and serve until SIGTERM or Ctrl-C (actix drains in-flight
//! requests), then stop the projections and close the store cleanly.

use std::net::SocketAddr;
use std::sync::Arc;

use actix_web::{web, App, HttpResponse, HttpServer};
use anyhow::Context;
use ledgerdesk_core::command::CommandService;
use ledgerdesk_core::{SledEventStore, StoreConfig};
use ledgerdesk_projections::ProjectionRunner;
use tokio::signal::unix::{signal, SignalKind};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::bootstrap;
use crate::auth::limits::LoginLimits;
use crate::config::Config;
use crate::error::{self, ApiError};
use crate::state::AppState;
use crate::{commands, queries};

/// How long start-up waits for the read models' indexes before it binds regardless.
const INDEX_WAIT_BEFORE_BIND: std::time::Duration = std::time::Duration::from_secs(2);
/// Streams whose folded state the command service keeps in memory.
const STATE_CACHE_STREAMS: usize = 50_000;

/// A built application, bound to its address, not yet serving.
pub struct Application {
    server: actix_web::dev::Server,
    /// SIGTERM and SIGINT, listened to from before the address is printed, so that a signal
    /// sent as soon as the server announces itself still drains it cleanly.
    signals: (tokio::signal::unix::Signal, tokio::signal::unix::Signal),
    address: SocketAddr,
    state: web::Data<AppState>,
    stop_projections: tokio::sync::watch::Sender<bool>,
    projection_tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Opens everything and binds. Prints the bound address, and on first start the admin's
    /// credentials, to stdout.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        Self::build_with_store(config, StoreConfig::default()).await
    }

    /// [`Application::build`] with the log's own settings: for tests that make the disk fail
    /// under a running server (`StoreConfig::sync_hook`).
    pub async fn build_with_store(
        config: Config,
        store_config: StoreConfig,
    ) -> anyhow::Result<Application> {
        let store = SledEventStore::open(&config.data_dir, store_config)
            .with_context(|| format!("opening the data directory {}", config.data_dir.display()))?;
        let commands = CommandService::new(Arc::new(store.clone()), STATE_CACHE_STREAMS);
        let projections =
            ProjectionRunner::open_deferred(store.clone(), ledgerdesk_projections::all())
                .context("opening the read models")?;
        let state = web::Data::new(AppState {
            store,
            commands,
            projections,
            login_limits: LoginLimits::new(10, 60),
            config: config.clone(),
            http_metrics: crate::metrics::HttpMetrics::new().context("registering metrics")?,
            catalogue_defaults: Default::default(),
        });
        if let Some(first) = bootstrap::first_start(&state).await? {
            println!("first start: created user `admin`");
            if let Some(password) = &first.generated_password {
                println!("admin password: {password}");
            }
            println!("admin API token: {}", first.token);
            println!("(shown once; only their hashes are stored)");
        }
        // On every start, not only the first: it creates only what was never created, so an
        // interrupted first start or a data directory from before the catalogue is completed.
        let installed = crate::catalogue::install_defaults(&state).await?;
        if installed > 0 {
            tracing::info!(installed, "installed the default ticket catalogue");
        }
        if config.demo {
            print_demo(
                crate::demo::load(&state)
                    .await
                    .context("loading the demo")?,
            );
        }
        let (stop_projections, shutdown) = tokio::sync::watch::channel(false);
        let projection_tasks = state.projections.start(shutdown);
        // A small desk loads its read models' indexes in milliseconds: bind with them loaded.
        // A large one (seconds for a million tickets) binds anyway and answers `/health`;
        // `/ready` and the queries of a model still loading say so (503) until it is done.
        if !state.projections.wait_loaded(INDEX_WAIT_BEFORE_BIND).await {
            tracing::info!("read models still loading their indexes: serving meanwhile");
        }

        let app_state = state.clone();
        let body_limit = config.body_limit;
        // The document is collected from the routes as they are mounted; collect it once, so
        // that the docs routes can be mounted before the `/api` scope (which would otherwise
        // answer 404 for them).
        let (_, api) = mount(App::new()).split_for_parts();
        let server = HttpServer::new(move || {
            let app = App::new()
                .app_data(app_state.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(body_limit)
                        .error_handler(error::json_error),
                )
                .app_data(web::QueryConfig::default().error_handler(error::query_error))
                .app_data(web::PathConfig::default().error_handler(error::path_error))
                .wrap(actix_web::middleware::from_fn(crate::metrics::track))
                .wrap(actix_web::middleware::from_fn(
                    crate::request_id::middleware,
                ))
                .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", api.clone()));
            let (app, _) = mount(app).split_for_parts();
            app.default_service(web::to(not_found))
        })
        .shutdown_timeout(30)
        .disable_signals()
        .bind(config.listen)
        .with_context(|| format!("binding {}", config.listen))?;
        let signals = (
            signal(SignalKind::terminate()).context("listening for SIGTERM")?,
            signal(SignalKind::interrupt()).context("listening for SIGINT")?,
        );
        let address = server
            .addrs()
            .first()
            .copied()
            .context("no bound address")?;
        println!("ledgerdesk listening on http://{address}");
        Ok(Application {
            server: server.run(),
            signals,
            address,
            state,
            stop_projections,
            projection_tasks,
        })
    }

    /// The bound address (useful with port 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until a stop signal; then drains, stops the read models and closes the store.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let (mut term, mut int) = self.signals;
        let stopper = tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            tracing::info!("stop signal: draining in-flight requests");
            handle.stop(true).await;
        });
        self.server.await.context("serving")?;
        stopper.abort();
        tracing::info!("stopping: finishing read-model batches and closing the log");
        self.stop_projections.send_replace(true);
        for task in self.projection_tasks {
            let _ = task.await;
        }
        self.state.store.close().await;
        Ok(())
    }
}

/// Mounts every route, documenting each as it goes.
fn mount<T>(app: App<T>) -> utoipa_actix_web::UtoipaApp<T>
where
    T: actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Error = actix_web::Error,
        InitError = (),
    >,
{
    app.into_utoipa_app()
        .openapi(crate::openapi::base())
        .service(queries::health::health)
        .service(queries::health::ready)
        .service(crate::metrics::metrics)
        // Reads and writes in two scopes told apart by method: actix tries a scope's routes
        // one by one (a regex each for the ones with path parameters), so a query no longer
        // passes a hundred command routes first, nor a command the query routes.
        .service(
            utoipa_actix_web::scope("/api")
                .guard(actix_web::guard::Get())
                .configure(queries::configure),
        )
        .service(
            utoipa_actix_web::scope("/api")
                .guard(actix_web::guard::Not(actix_web::guard::Get()))
                .configure(commands::configure),
        )
}

/// Tells the operator what `--demo` did (the shared password is shown only when it was set now).
fn print_demo(loaded: Option<crate::demo::DemoLoaded>) {
    let Some(demo) = loaded else {
        println!("demo: this data directory already has the demo desk; nothing added");
        return;
    };
    println!(
        "demo: loaded {} tickets ({} commands)",
        demo.tickets, demo.commands
    );
    println!("demo agents: {}", demo.agents.join(" "));
    println!("demo requesters: {}", demo.requesters.join(" "));
    println!("demo password: {}", demo.password);
    println!("(the demo password is shown once; only its hash is stored)");
}

async fn not_found(req: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(format!(
        "no route for {} {}",
        req.method(),
        req.path()
    )))
}
