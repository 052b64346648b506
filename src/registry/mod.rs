//! Talking to ClinicalTrials.gov: the HTTP layer ([`http`]), the retry policy ([`retry`]),
//! the typed view of a study ([`study`]) and the endpoints ctwatch uses ([`client`]).
//!
//! Everything the registry sends is untrusted until validated here: a response reaches the
//! snapshot store only as a [`study::Study`] whose id is the one we asked for.

// Errors carry the full `Url` so every message can name it; they occur at most once per
// request, so their size (clippy::result_large_err) costs nothing measurable here.
#![allow(clippy::result_large_err)]

pub mod client;
pub mod history;
pub mod http;
pub mod retry;
pub mod study;

pub use client::{ApiVersion, Fetched, Found, Registry, Search};
pub use study::Study;

use reqwest::Url;

/// What can go wrong between ctwatch and the registry. Every message names the URL.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RegistryError {
    /// The registry could not be reached or the connection broke, through every retry.
    #[error("{url}: {detail} ({})", tries(*attempts))]
    Transport {
        /// The request.
        url: Url,
        /// The innermost cause, e.g. "connection refused".
        detail: String,
        /// Attempts made.
        attempts: u32,
    },
    /// A transient status (408/429/5xx) persisted through every retry.
    #[error("{url}: HTTP {status} ({})", tries(*attempts))]
    Exhausted {
        /// The request.
        url: Url,
        /// The last status.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// The registry asked us to wait longer than the remaining retry budget.
    #[error(
        "{url}: HTTP {status} with Retry-After {wait_secs} s, beyond the remaining retry budget of {budget_secs} s"
    )]
    RetryAfterTooLong {
        /// The request.
        url: Url,
        /// The status that carried `Retry-After`.
        status: u16,
        /// The wait asked for.
        wait_secs: u64,
        /// What was left of the budget.
        budget_secs: u64,
    },
    /// HTTP 404: the registry does not know this id.
    #[error("{url}: not found (HTTP 404): the registry has no such trial")]
    NotFound {
        /// The request.
        url: Url,
    },
    /// HTTP 400: the registry rejected the request.
    #[error("{url}: rejected by the registry (HTTP 400): {message}")]
    BadRequest {
        /// The request.
        url: Url,
        /// The registry's text/plain explanation, sanitised and shortened.
        message: String,
    },
    /// Any other unexpected status.
    #[error("{url}: unexpected HTTP {status}")]
    Status {
        /// The request.
        url: Url,
        /// The status.
        status: u16,
    },
    /// The body exceeded `registry.max_body_mb`.
    #[error("{url}: response body larger than the {limit} byte cap (registry.max_body_mb)")]
    TooLarge {
        /// The request.
        url: Url,
        /// The cap in bytes.
        limit: u64,
    },
    /// The body is HTML, empty or not valid JSON.
    #[error("{url}: {reason}")]
    NotJson {
        /// The request.
        url: Url,
        /// What was wrong.
        reason: String,
    },
    /// The JSON does not have the expected shape.
    #[error("{url}: {reason}")]
    Invalid {
        /// The request.
        url: Url,
        /// What was wrong.
        reason: String,
    },
    /// The registry answered with a different trial than the one asked for.
    #[error("{url}: asked for {asked} but the registry answered with {got}")]
    WrongId {
        /// The request.
        url: Url,
        /// The id asked for.
        asked: String,
        /// The id received.
        got: String,
    },
    /// A trial asked for in a bulk request is missing from the answer.
    #[error("{url}: {id} is missing from the registry's answer")]
    Absent {
        /// The (first page of the) bulk request.
        url: Url,
        /// The missing trial.
        id: String,
    },
    /// A redirect that is not a plain alias of one study to another.
    #[error("{url}: {reason}")]
    Redirect {
        /// The request.
        url: Url,
        /// What was wrong.
        reason: String,
    },
}

/// "after 1 attempt", "after 3 attempts".
fn tries(n: u32) -> String {
    format!("after {n} attempt{}", if n == 1 { "" } else { "s" })
}

/// A single-threaded tokio runtime: ctwatch's requests are sequential by design (pacing).
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}
