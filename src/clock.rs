//! The one place ctwatch reads the wall clock.
//!
//! Reports take "now" from `--as-of`; only provenance (`fetched_at`), `Retry-After` dates and
//! the default as-of date come from here, so every other output is a function of its inputs.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// The current instant.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// The current instant as stored in snapshot envelopes: RFC 3339, UTC, whole seconds.
pub fn now_rfc3339() -> String {
    now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Today's date in UTC, the default `--as-of`.
pub fn today() -> NaiveDate {
    now().date_naive()
}
