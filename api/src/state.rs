//! What every handler shares.

use ledgerdesk_core::command::CommandService;
use ledgerdesk_core::SledEventStore;
use ledgerdesk_projections::{ProjectionRunner, ProjectionView};

use crate::auth::limits::LoginLimits;
use crate::config::Config;
use crate::error::ApiError;

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
    /// The streams of the catalogue's defaults found so far, by their key: a default's stream
    /// never changes once created, and every ticket create asks for one.
    pub catalogue_defaults:
        std::sync::Mutex<std::collections::HashMap<String, ledgerdesk_core::StreamId>>,
}

impl AppState {
    /// A read handle on read model `name`: 503 `loading` while the model loads its in-memory
    /// index just after start (transient: retry), 500 for anything else.
    pub fn view(&self, name: &str) -> Result<ProjectionView, ApiError> {
        self.projections
            .view(name)
            .map_err(|e| ApiError::read_model("opening a read model", e))
    }
}
