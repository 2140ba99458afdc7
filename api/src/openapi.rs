//! The frame of the OpenAPI document served at `/api/openapi.json` (browsable at `/api/docs`,
//! with the Swagger UI assets bundled in the binary). Paths and schemas are not listed here:
//! they are collected from the handlers' `#[utoipa::path]` as the routes are mounted.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder};

/// Title, version and the bearer-token security scheme.
pub fn base() -> OpenApi {
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("ledgerdesk")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Event-sourced service desk. Commands answer with the entity id, stream version \\
                     and log position; queries say which position they reflect.",
                ))
                .build(),
        )
        .components(Some(
            ComponentsBuilder::new()
                .security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)))
                .build(),
        ))
        .build()
}
