//! The library's registry client with an injected sleeper: retry and pacing decisions are
//! observed exactly, without the suite waiting for them.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ctwatch::config::RegistrySettings;
use ctwatch::nct::NctId;
use ctwatch::registry::retry::Sleeper;
use ctwatch::registry::{Registry, RegistryError};
use reqwest::Url;

use crate::fixture;
use crate::server::{Reply, Server};

#[derive(Default)]
struct Recorder(Mutex<Vec<Duration>>);

impl Sleeper for Recorder {
    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.0.lock().unwrap().push(d);
        Box::pin(async {})
    }
}

fn client(server: &Server, settings: RegistrySettings) -> (Registry, Arc<Recorder>) {
    let rec = Arc::new(Recorder::default());
    let reg = Registry::with_sleeper(Url::parse(&server.api()).unwrap(), settings, rec.clone()).unwrap();
    (reg, rec)
}

fn settings() -> RegistrySettings {
    RegistrySettings { min_interval: Duration::ZERO, ..RegistrySettings::default() }
}

fn block<T>(f: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

fn id() -> NctId {
    NctId::parse("NCT07038304").unwrap()
}

#[test]
fn retry_after_seconds_and_http_date_are_waited_exactly() {
    let server = Server::start();
    let in_five = (chrono::Utc::now() + chrono::Duration::seconds(5)).format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    server.route(
        "/api/v2/studies/NCT07038304",
        vec![
            Reply::text(429, "").header("Retry-After", "7"),
            Reply::text(503, "").header("Retry-After", &in_five),
            Reply::json(fixture("v1")),
        ],
    );
    let (reg, rec) = client(&server, settings());
    let fetched = block(reg.study(&id())).unwrap();
    assert_eq!(fetched.study.nct_id(), &id());
    let waits = rec.0.lock().unwrap().clone();
    assert_eq!(waits.len(), 2);
    assert_eq!(waits[0], Duration::from_secs(7));
    assert!(waits[1] > Duration::from_secs(3) && waits[1] <= Duration::from_secs(5), "{waits:?}");
    assert_eq!(reg.requests_made(), 3);
}

#[test]
fn backoff_is_jittered_bounded_and_within_budget() {
    let server = Server::start();
    server.route("/api/v2/studies/NCT07038304", vec![Reply::text(502, "")]);
    let s = RegistrySettings {
        retries: 4,
        retry_base: Duration::from_millis(500),
        retry_budget: Duration::from_secs(3),
        ..settings()
    };
    let (reg, rec) = client(&server, s);
    let err = block(reg.study(&id())).unwrap_err();
    assert!(matches!(err, RegistryError::Exhausted { status: 502, .. }), "{err}");
    let waits = rec.0.lock().unwrap().clone();
    for (k, w) in waits.iter().enumerate() {
        assert!(*w <= Duration::from_millis(500) * 2u32.pow(k as u32), "attempt {k}: {w:?}");
    }
    assert!(waits.iter().sum::<Duration>() <= Duration::from_secs(3));
}

#[test]
fn retry_after_beyond_budget_fails_without_waiting() {
    let server = Server::start();
    server.route("/api/v2/studies/NCT07038304", vec![Reply::text(503, "").header("Retry-After", "600")]);
    let (reg, rec) = client(&server, settings());
    let err = block(reg.study(&id())).unwrap_err();
    assert!(matches!(err, RegistryError::RetryAfterTooLong { wait_secs: 600, .. }), "{err}");
    assert!(rec.0.lock().unwrap().is_empty());
    assert_eq!(server.hits("/api/v2/studies/NCT07038304"), 1);
}

#[test]
fn non_transient_statuses_are_not_retried() {
    for status in [400, 401, 403, 404, 501] {
        let server = Server::start();
        server.route("/api/v2/studies/NCT07038304", vec![Reply::text(status, "no")]);
        let (reg, _) = client(&server, settings());
        assert!(block(reg.study(&id())).is_err());
        assert_eq!(server.hits("/api/v2/studies/NCT07038304"), 1, "HTTP {status}");
    }
}

#[test]
fn requests_are_paced_one_per_interval() {
    let server = Server::start();
    server.route("/api/v2/version", vec![Reply::json(crate::VERSION)]);
    let s = RegistrySettings { min_interval: Duration::from_secs(1), ..RegistrySettings::default() };
    let (reg, rec) = client(&server, s);
    block(async {
        for _ in 0..3 {
            reg.version().await.unwrap();
        }
    });
    let waits = rec.0.lock().unwrap().clone();
    assert_eq!(waits.len(), 2, "no wait before the first request");
    for w in waits {
        assert!(w > Duration::from_millis(900) && w <= Duration::from_secs(1), "{w:?}");
    }
}
