//! One GET to the registry, done carefully: paced, retried, capped and redirect-aware.
//!
//! Redirects are not followed automatically: the registry answers an aliased id with a 301,
//! and the caller must know about it to store the record under its canonical id and say so.
//! Bodies are read chunk by chunk so a runaway (or decompression-bombed) answer stops at the
//! cap instead of filling memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER};
use tokio::sync::Mutex;

use super::RegistryError;
use super::retry::{self, Sleeper};
use crate::config::RegistrySettings;

/// A response that is final: not a transient failure, body read in full.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The URL asked.
    pub url: Url,
    /// HTTP status.
    pub status: u16,
    /// `Location`, for redirects.
    pub location: Option<String>,
    /// `Content-Type`, lower-cased.
    pub content_type: Option<String>,
    /// The body, at most `max_body_bytes` long.
    pub body: Vec<u8>,
}

/// The registry's HTTP client.
pub struct Http {
    client: reqwest::Client,
    settings: RegistrySettings,
    sleeper: Arc<dyn Sleeper>,
    last_request: Mutex<Option<Instant>>,
    requests: AtomicU64,
}

/// One attempt that did not produce a final answer.
enum Failed {
    /// Worth retrying: the status (if any) and `Retry-After`.
    Transient { status: Option<u16>, detail: String, retry_after: Option<Duration> },
    /// Not worth retrying.
    Fatal(RegistryError),
}

impl Http {
    /// Builds the client: rustls with the ring provider, honest User-Agent, timeouts, no
    /// automatic redirects.
    pub fn new(settings: RegistrySettings, sleeper: Arc<dyn Sleeper>) -> anyhow::Result<Http> {
        // Several crates may race to install a provider; an Err means one is already there.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Http { client, settings, sleeper, last_request: Mutex::new(None), requests: AtomicU64::new(0) })
    }

    /// Requests sent so far (every attempt counts).
    pub fn requests_made(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// GETs `url`, retrying transient failures within the budget. The budget covers the whole
    /// request: every attempt's own time as well as the waits between attempts, so a server
    /// that never answers holds a request at most `retry_budget`, not `retries × timeout`.
    pub async fn get(&self, url: &Url) -> Result<Answer, RegistryError> {
        let s = &self.settings;
        let mut spent = Duration::ZERO;
        let mut attempt: u32 = 0;
        let mut last_status: Option<u16> = None;
        loop {
            self.pace().await;
            let remaining = s.retry_budget.saturating_sub(spent);
            let started = Instant::now();
            let outcome = tokio::time::timeout(remaining.max(Duration::from_millis(1)), self.attempt(url)).await;
            spent += started.elapsed();
            let (status, detail, hint) = match outcome {
                Ok(Ok(answer)) => return Ok(answer),
                Ok(Err(Failed::Fatal(e))) => return Err(e),
                Ok(Err(Failed::Transient { status, detail, retry_after })) => (status, detail, retry_after),
                Err(_) if last_status.is_some() => {
                    let status = last_status.unwrap_or_default();
                    return Err(RegistryError::Exhausted { url: url.clone(), status, attempts: attempt });
                }
                Err(_) => {
                    return Err(RegistryError::Transport {
                        url: url.clone(),
                        detail: format!(
                            "no complete answer within the {} s retry budget (retry_budget_secs)",
                            s.retry_budget.as_secs_f64()
                        ),
                        attempts: attempt + 1,
                    });
                }
            };
            last_status = status;
            let exhausted = || match status {
                Some(status) => RegistryError::Exhausted { url: url.clone(), status, attempts: attempt + 1 },
                None => RegistryError::Transport { url: url.clone(), detail: detail.clone(), attempts: attempt + 1 },
            };
            if attempt >= s.retries || is_final(&detail) {
                return Err(exhausted());
            }
            let remaining = s.retry_budget.saturating_sub(spent);
            let delay = match hint {
                Some(wait) if wait > remaining => {
                    return Err(RegistryError::RetryAfterTooLong {
                        url: url.clone(),
                        status: status.unwrap_or(0),
                        wait_secs: wait.as_secs(),
                        budget_secs: remaining.as_secs(),
                    });
                }
                Some(wait) => wait,
                None if remaining.is_zero() => return Err(exhausted()),
                None => retry::backoff(s.retry_base, attempt, fastrand::f64()).min(remaining),
            };
            if remaining.saturating_sub(delay) < MIN_ATTEMPT {
                // No time would be left for the next attempt itself.
                return Err(exhausted());
            }
            let why = match (hint, status) {
                (Some(_), Some(status)) => format!("the registry answered HTTP {status} and asked to wait"),
                (_, Some(status)) => format!("the registry answered HTTP {status}; backing off"),
                (_, None) => format!("the registry could not be reached ({detail}); backing off"),
            };
            crate::feedback::waiting(&why, delay);
            self.sleeper.sleep(delay).await;
            spent += delay;
            attempt += 1;
        }
    }

    /// Keeps requests at least `min_interval` apart (robots.txt: `Crawl-delay: 1`).
    async fn pace(&self) {
        let mut last = self.last_request.lock().await;
        if let Some(at) = *last {
            let due = at + self.settings.min_interval;
            let now = Instant::now();
            if due > now {
                self.sleeper.sleep(due - now).await;
            }
        }
        *last = Some(Instant::now());
    }

    async fn attempt(&self, url: &Url) -> Result<Answer, Failed> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut response = self.client.get(url.clone()).send().await.map_err(|e| classify(url, &e))?;
        let status = response.status().as_u16();
        let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        if retry::is_retryable_status(status) {
            let retry_after = header(RETRY_AFTER).and_then(|v| retry::retry_after(&v, crate::clock::wall()));
            return Err(Failed::Transient { status: Some(status), detail: format!("HTTP {status}"), retry_after });
        }
        let location = header(LOCATION);
        let content_type = header(CONTENT_TYPE).map(|v| v.to_ascii_lowercase());
        let limit = self.settings.max_body_bytes;
        let too_large = || Failed::Fatal(RegistryError::TooLarge { url: url.clone(), limit });
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(url, &e))? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer { url: url.clone(), status, location, content_type, body })
    }
}

/// One base URL of the registry with its paced, retrying client: what the API v2 client and
/// the history client share.
pub struct Endpoint {
    http: Http,
    base: Url,
}

impl Endpoint {
    /// An endpoint at `base` (validated: http(s), no query, no trailing slash).
    pub fn new(base: Url, settings: RegistrySettings, sleeper: Arc<dyn Sleeper>) -> anyhow::Result<Endpoint> {
        Ok(Endpoint { http: Http::new(settings, sleeper)?, base })
    }

    /// `base` + `path`. Paths are built from constants and validated ids only, so this cannot
    /// fail.
    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!("{}{path}", self.base)).expect("valid registry URL")
    }

    /// The base URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The HTTP client.
    pub fn http(&self) -> &Http {
        &self.http
    }
}

/// Connection failures, timeouts and broken bodies are transient; anything else is not.
fn classify(url: &Url, e: &reqwest::Error) -> Failed {
    let detail = explain(&innermost(e));
    if e.is_timeout() {
        Failed::Transient { status: None, detail: format!("timed out ({detail})"), retry_after: None }
    } else if e.is_connect() || e.is_body() || e.is_decode() || e.is_request() {
        Failed::Transient { status: None, detail, retry_after: None }
    } else {
        Failed::Fatal(RegistryError::Transport { url: url.clone(), detail, attempts: 1 })
    }
}

/// Less budget than this left after a wait is not worth another attempt.
const MIN_ATTEMPT: Duration = Duration::from_millis(100);

/// A transport failure that another attempt cannot cure: the host name does not resolve
/// (offline, or a typo in `--api-base`). Retrying it five times only delays the message.
fn is_final(detail: &str) -> bool {
    let d = detail.to_ascii_lowercase();
    d.contains("dns error") || d.contains("failed to lookup address") || d.contains("name or service not known")
}

/// The registry could not be reached: say why in words and how to point ctwatch elsewhere.
fn explain(cause: &str) -> String {
    let lower = cause.to_ascii_lowercase();
    let why = if is_final(cause) {
        "the host name does not resolve (DNS): offline, or a wrong --api-base?"
    } else if lower.contains("connection refused") {
        "nothing answers at that address (connection refused)"
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        "the secure connection failed (TLS)"
    } else {
        return cause.to_string();
    };
    format!(
        "the registry could not be reached: {why} ({cause}); to use a mirror, set --api-base or CTWATCH_API_BASE (and --history-base or CTWATCH_HISTORY_BASE)"
    )
}

/// reqwest's own message repeats the URL; the innermost cause is what a user needs.
fn innermost(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
