//! What every handler shares.

use ledgerdesk_core::command::CommandService;
use ledgerdesk_core::SledEventStore;
use ledgerdesk_projections::ProjectionRunner;

use crate::auth::limits::LoginLimits;
use crate::config::Config;

/// The application's shared state, behind `web::Data`.
pub struct AppState {
    /// The event log.
    pub store: SledEventStore,
    /// The write path.
    pub commands: CommandService<SledEventStore>,
    /// The read models.
    pub projections: ProjectionRunner,
    /// Login attempt limits.
    pub login_limits: LoginLimits,
    /// The resolved configuration.
    pub config: Config,
    /// Request counters and latencies for `/metrics`.
    pub http_metrics: crate::metrics::HttpMetrics,
}
