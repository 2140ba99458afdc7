//! Request ids: every request runs inside a `request` tracing span that carries its id, so every
//! log line written while serving it (handlers, the command service, errors) names the request,
//! and the id goes back to the client as `X-Request-Id` so a user's report can be matched with
//! the server's log.
//!
//! A client (or a proxy in front) may send its own `X-Request-Id`; it is kept when it is sane
//! (1 to [`MAX_LEN`] characters of `A-Z a-z 0-9 - _ . :`), so one id follows a call through
//! several services. Anything else is replaced by a fresh ULID: a log line never carries
//! arbitrary client bytes.
//!
//! The middleware also writes the one access-log line per request (method, path, status,
//! duration, peer) at the end of the span, replacing actix's `Logger`.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use tracing::Instrument;
use ulid::Ulid;

/// The header a request id travels in, both ways.
pub const HEADER: &str = "x-request-id";
/// The longest client-given id that is kept.
pub const MAX_LEN: usize = 128;

/// The id of the request being served, in the request's extensions (for a handler that wants
/// to put it somewhere, e.g. into an error body or a correlation id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// Whether a client-given id may be kept as is.
pub fn is_sane(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// The id for a request: the client's when sane, else a new ULID.
pub fn choose(given: Option<&HeaderValue>) -> String {
    given
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|id| is_sane(id))
        .map_or_else(|| Ulid::new().to_string(), str::to_owned)
}

/// The middleware (mounted with `actix_web::middleware::from_fn`).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = choose(req.headers().get(HEADER));
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
    );
    let peer = req
        .peer_addr()
        .map_or_else(|| "-".to_owned(), |a| a.ip().to_string());
    let started = std::time::Instant::now();
    let outcome = next.call(req).instrument(span.clone()).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut response = match outcome {
        Ok(response) => response,
        Err(error) => {
            // Only an inner middleware fails this way (handler errors are responses by now);
            // actix answers it. Holding a clone of the request to answer it here would break
            // actix's unique ownership of the request, so it goes out without the header.
            span.in_scope(|| tracing::warn!(%error, elapsed_ms, %peer, "request failed"));
            return Err(error);
        }
    };
    let status = response.status().as_u16();
    span.in_scope(|| tracing::info!(status, elapsed_ms, %peer, "served"));
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(HEADER), value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sane_client_ids_are_kept() {
        for id in ["abc", "01HZX3K1J9Q2W", "req-1.2_3:x", &"a".repeat(MAX_LEN)] {
            let value = HeaderValue::from_str(id).unwrap();
            assert_eq!(choose(Some(&value)), id);
        }
        let padded = HeaderValue::from_static("  abc ");
        assert_eq!(choose(Some(&padded)), "abc");
    }

    #[test]
    fn other_ids_are_replaced_by_a_ulid() {
        let long = "a".repeat(MAX_LEN + 1);
        for id in ["", "a b", "x\"y", "<script>", "é", long.as_str()] {
            let value = HeaderValue::from_bytes(id.as_bytes()).unwrap();
            let chosen = choose(Some(&value));
            assert_ne!(chosen, id);
            assert!(Ulid::from_string(&chosen).is_ok(), "{chosen}");
        }
        assert!(Ulid::from_string(&choose(None)).is_ok());
    }
}
