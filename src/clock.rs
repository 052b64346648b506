//! The one place ctwatch reads the wall clock.
//!
//! Reports take "now" from `--as-of`; only provenance (`fetched_at`), `Retry-After` dates, the
//! status digest's window and the default as-of date come from here, so every other output is
//! a function of its inputs. `CTWATCH_NOW` (RFC 3339) replaces the wall clock: for replaying a
//! week, and for tests that live through a year of weekly runs in seconds.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// The variable that sets the clock.
pub const ENV: &str = "CTWATCH_NOW";

static FIXED: OnceLock<Option<DateTime<Utc>>> = OnceLock::new();

/// Parses `CTWATCH_NOW` (when set) once; an unparsable value is an error naming the variable,
/// so a replay never silently runs on the wall clock.
pub fn init() -> anyhow::Result<()> {
    let value = std::env::var(ENV).ok().filter(|v| !v.is_empty());
    let fixed = match value {
        None => None,
        Some(v) => Some(parse(&v).ok_or_else(|| {
            anyhow::anyhow!("{ENV}={:?} is not an RFC 3339 time (e.g. 2026-11-23T06:17:00Z)", crate::text::clip(&v, 40))
        })?),
    };
    let _ = FIXED.set(fixed);
    Ok(())
}

fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| t.with_timezone(&Utc))
}

/// The current instant: `CTWATCH_NOW` when set, else the wall clock.
pub fn now() -> DateTime<Utc> {
    FIXED.get_or_init(|| std::env::var(ENV).ok().and_then(|v| parse(&v))).unwrap_or_else(Utc::now)
}

/// The wall clock, never replayed: for what the network's own clock says (an HTTP
/// `Retry-After` date is the server's real time, whatever `CTWATCH_NOW` replays).
pub fn wall() -> DateTime<Utc> {
    Utc::now()
}

/// The current instant as stored in snapshot envelopes: RFC 3339, UTC, whole seconds.
pub fn now_rfc3339() -> String {
    rfc3339(now())
}

/// An instant as ctwatch writes it: RFC 3339, UTC, whole seconds.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses an instant ctwatch wrote (or any RFC 3339 time).
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    parse(text)
}

/// Today's date in UTC, the default `--as-of`.
pub fn today() -> NaiveDate {
    now().date_naive()
}

/// `--as-of`: the date given (YYYY-MM-DD), else today in UTC.
pub fn as_of(text: Option<&str>) -> anyhow::Result<NaiveDate> {
    text.map_or_else(|| Ok(today()), |t| date_option("--as-of", t))
}

/// A date option's value (YYYY-MM-DD), or an error naming the option and the value.
pub fn date_option(option: &str, text: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 10)
        .ok_or_else(|| anyhow::anyhow!("{option} {:?} is not a date (YYYY-MM-DD)", crate::text::clip(text, 40)))
}
