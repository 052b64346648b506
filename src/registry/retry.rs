//! When and how long to wait before asking the registry again.
//!
//! The registry publishes no rate limit; its `robots.txt` asks for one request per second and
//! public clients report 429/5xx bursts from its CDN. We retry only what can succeed on a
//! second try (connection errors, timeouts, 408/429/500/502/503/504), back off exponentially
//! with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015), honour
//! `Retry-After` in both of its RFC 9110 §10.2.3 forms, and never wait longer in total than a
//! budget. Sleeping goes through [`Sleeper`] so tests can record waits instead of taking them.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// Something that waits. Production uses tokio's timer; tests record the requested waits.
pub trait Sleeper: Send + Sync {
    /// Waits for `duration`.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// Waits on tokio's timer.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// HTTP statuses worth a second try: request timeout, rate limit, and the transient 5xx.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Upper bound of a single backoff step, whatever the attempt number.
const MAX_STEP: Duration = Duration::from_secs(30);

/// The full-jitter backoff before retry number `attempt` (0-based): uniform in
/// `[0, min(MAX_STEP, base·2^attempt)]`. `unit` is a uniform sample in `[0, 1)`.
pub fn backoff(base: Duration, attempt: u32, unit: f64) -> Duration {
    let ceiling = base.saturating_mul(2u32.saturating_pow(attempt.min(20))).min(MAX_STEP);
    ceiling.mul_f64(unit.clamp(0.0, 1.0))
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP-date (IMF-fixdate, as RFC 2822
/// parses it). A date in the past means "now". Garbage is `None` (fall back to backoff).
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    Some((when - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_full_jitter() {
        let base = Duration::from_millis(500);
        assert_eq!(backoff(base, 0, 0.0), Duration::ZERO);
        assert_eq!(backoff(base, 0, 0.999_999).as_millis(), 499);
        assert_eq!(backoff(base, 3, 0.5), Duration::from_secs(2));
        assert_eq!(backoff(base, 40, 1.0), MAX_STEP);
    }

    #[test]
    fn retry_after_both_forms() {
        let now = DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after("Thu, 26 Nov 2026 12:00:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(retry_after("Thu, 26 Nov 2026 11:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-5", now), None);
    }

    #[test]
    fn only_transient_statuses_retry() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable_status(s));
        }
        for s in [200, 301, 400, 401, 403, 404, 501, 505] {
            assert!(!is_retryable_status(s));
        }
    }
}
