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
//!
//! **Every answer carries the id**, errors of inner middlewares included: a handler's error is
//! already a response when it gets here, but an inner middleware may fail with an
//! `actix_web::Error`, which actix turns into a response after this middleware has returned.
//! Such an error is wrapped in [`WithRequestId`], whose response is the inner error's with the
//! header added. (Answers actix's HTTP layer gives before any middleware runs, e.g. a
//! malformed request line, cannot carry an id: there is no request yet.)

use std::fmt;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError};
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
            // actix answers it after we return. The request cannot be kept to answer it here
            // (actix needs sole ownership of it while routing), so the error takes the id along.
            span.in_scope(|| tracing::warn!(%error, elapsed_ms, %peer, "request failed"));
            return Err(WithRequestId { id, error }.into());
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

/// An inner middleware's error with the id of the request it ended: answered as the inner
/// error's own response plus the `X-Request-Id` header.
pub struct WithRequestId {
    /// The request's id.
    pub id: String,
    /// The error.
    pub error: actix_web::Error,
}

impl fmt::Debug for WithRequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} (request {})", self.error, self.id)
    }
}

impl fmt::Display for WithRequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl ResponseError for WithRequestId {
    fn status_code(&self) -> StatusCode {
        self.error.as_response_error().status_code()
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        let mut response = self.error.error_response();
        if let Ok(value) = HeaderValue::from_str(&self.id) {
            response
                .headers_mut()
                .insert(HeaderName::from_static(HEADER), value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test as atest;
    use actix_web::{web, App};

    /// An inner middleware that refuses every request with an error (as a body limit or an
    /// authentication layer would), before any handler runs.
    async fn refuse(
        req: ServiceRequest,
        next: Next<impl MessageBody>,
    ) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
        if req.path() == "/refused" {
            return Err(actix_web::error::ErrorPayloadTooLarge("too large"));
        }
        next.call(req).await
    }

    #[actix_web::test]
    async fn an_inner_middlewares_error_is_answered_with_the_request_id() {
        let app = atest::init_service(
            App::new()
                .wrap(actix_web::middleware::from_fn(refuse))
                .wrap(actix_web::middleware::from_fn(middleware))
                .route("/ok", web::get().to(HttpResponse::Ok))
                .route("/refused", web::get().to(HttpResponse::Ok)),
        )
        .await;
        let req = atest::TestRequest::get()
            .uri("/refused")
            .insert_header((HEADER, "trace-7"))
            .to_request();
        let error = match atest::try_call_service(&app, req).await {
            Err(e) => e,
            Ok(r) => panic!("the refusal became a response too early: {}", r.status()),
        };
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            response.headers().get(HEADER).and_then(|v| v.to_str().ok()),
            Some("trace-7")
        );
        let ok = atest::call_service(&app, atest::TestRequest::get().uri("/ok").to_request()).await;
        assert!(ok.headers().contains_key(HEADER));
    }

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
