//! `ctwatch demo [DIR]`: the product at work without the internet. Four real-shaped versions of
//! one trial's record (bundled: the versions the tests use) are served, one a week, by a
//! registry stand-in on 127.0.0.1; ctwatch itself — this very binary, as separate runs with the
//! clock set to each week — syncs them, writes the change notices, the weekly digests, the
//! progress report and the ethics committee's report into DIR. The real registry is never
//! contacted: every request goes to the stand-in.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};

use crate::cli::DemoArgs;
use crate::exit::Exit;

/// The bundled versions, in the order the registry posted them: (name, record).
const VERSIONS: [(&str, &str); 4] = [
    ("v1", include_str!("../../tests/fixtures/NCT07038304/v1.json")),
    ("v2", include_str!("../../tests/fixtures/NCT07038304/v2.json")),
    ("v3", include_str!("../../tests/fixtures/NCT07038304/v3.json")),
    ("v4", include_str!("../../tests/fixtures/NCT07038304/v4.json")),
];
/// An invented accrual log for the bundled trial (pseudonyms only).
const ACCRUAL: &str = include_str!("../../tests/fixtures/NCT07038304/accrual.csv");
/// The Monday each version is found, a few days after the registry posted it.
const WEEKS: [&str; 4] = ["2025-06-30", "2025-09-22", "2026-03-09", "2026-06-15"];
/// The day of the reports (after the log's last inclusion).
const REPORT_DAY: &str = "2026-11-26";

const CONFIG: &str = "# The demo's trial: the bundled versions of NCT07038304.
[registry]
min_interval_ms = 0

[[trial]]
nct_id = \"NCT07038304\"
target = 35
recruitment_end = 2029-01-03
accrual = \"accrual.csv\"
metc_decision_date = 2024-10-01
[trial.site_aliases]
\"UMCG\" = \"UMC Groningen\"
";

/// Runs `ctwatch demo`.
pub fn run(args: &DemoArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let dir = &args.dir;
    if std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
        bail!("{}: exists and is not empty; give a new folder (the demo never writes over files)", dir.display());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(dir.join("ctwatch.toml"), CONFIG).with_context(|| format!("cannot write in {}", dir.display()))?;
    std::fs::write(dir.join("accrual.csv"), ACCRUAL).with_context(|| format!("cannot write in {}", dir.display()))?;

    let served = Arc::new(Mutex::new((VERSIONS[0].1, WEEKS[0])));
    let api = stand_in(served.clone())?;
    let exe = std::env::current_exe().context("cannot find this program to run its steps")?;
    let step = |args: &[&str], now: &str| -> anyhow::Result<String> {
        let run = Command::new(&exe)
            .args(["--quiet", "--api-base", &api])
            .args(args)
            .current_dir(dir)
            .env("CTWATCH_NOW", format!("{now}T06:17:00Z"))
            .env_remove("CTWATCH_CONFIG")
            .env_remove("CTWATCH_SNAPSHOTS")
            .env_remove("CTWATCH_REPORTS")
            .env_remove("CTWATCH_API_BASE")
            .output()
            .with_context(|| format!("cannot run {}", exe.display()))?;
        if run.status.code().is_none_or(|c| c > 1) {
            bail!("ctwatch {}: {}", args.join(" "), String::from_utf8_lossy(&run.stderr).trim());
        }
        Ok(String::from_utf8_lossy(&run.stdout).into_owned())
    };
    for (i, ((name, record), week)) in VERSIONS.iter().zip(WEEKS).enumerate() {
        *served.lock().unwrap_or_else(|e| e.into_inner()) = (record, week);
        // The log as the office kept it that week.
        std::fs::write(dir.join("accrual.csv"), log_as_of(week))?;
        let notice = format!("notices/{}-{name}.md", week);
        std::fs::create_dir_all(dir.join("notices"))?;
        step(&["sync", "--notice", &notice], week)?;
        step(&["status"], week)?;
        writeln!(out, "week of {week}: the registry's version {} found; digest written", i + 1)?;
    }
    std::fs::write(dir.join("accrual.csv"), log_as_of(REPORT_DAY))?;
    step(&["report", "NCT07038304", "--as-of", REPORT_DAY], REPORT_DAY)?;
    step(&["report", "NCT07038304", "--kind", "ethics", "--as-of", REPORT_DAY], REPORT_DAY)?;
    step(&["report", "NCT07038304", "--kind", "ethics", "--lang", "nl", "--as-of", REPORT_DAY], REPORT_DAY)?;
    step(&["site", "--as-of", REPORT_DAY], REPORT_DAY)?;
    let d = dir.display();
    let open = [
        ("site/index.html", "the portfolio site: every trial, then each trial's page and history"),
        ("reports/status/latest.html", "the weekly digest (the last week's)"),
        ("reports/NCT07038304/progress.html", "the recruitment progress report"),
        ("reports/NCT07038304/*-metc-progress*", "the ethics committee's annual report (English, Dutch; Word too)"),
        ("notices/", "the change notices, as posted to GitHub"),
        ("snapshots/NCT07038304/", "every version, as stored"),
    ];
    let width = open.iter().map(|(p, _)| p.len()).max().unwrap_or(0);
    writeln!(out, "\nThe demo is in {d}. Open:")?;
    for (path, what) in open {
        writeln!(out, "  {d}/{path:<width$}  {what}")?;
    }
    writeln!(
        out,
        "Then, in {d}: ctwatch history NCT07038304, ctwatch diff NCT07038304 --text, ctwatch check NCT07038304"
    )?;
    Ok(Exit::Clean)
}

/// The bundled log as it stood on `day` (ISO dates compare as text): the inclusions up to
/// then, a withdrawal only once it happened.
fn log_as_of(day: &str) -> String {
    let mut lines = ACCRUAL.lines();
    let mut out = format!("{}\n", lines.next().unwrap_or_default());
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        if let [id, site, enrolled, withdrawn] = fields.as_slice()
            && *enrolled <= day
        {
            let withdrawn = if !withdrawn.is_empty() && *withdrawn <= day { *withdrawn } else { "" };
            out.push_str(&format!("{id},{site},{enrolled},{withdrawn}\n"));
        }
    }
    out
}

/// A registry stand-in on 127.0.0.1 serving `served` (a record and the week, which is also
/// the data timestamp): `/version`, `/studies/{id}` and the bulk `/studies?filter.ids=`. It
/// lives as long as the process.
fn stand_in(served: Arc<Mutex<(&'static str, &'static str)>>) -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot start the registry stand-in")?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (record, week) = *served.lock().unwrap_or_else(|e| e.into_inner());
            let _ = answer(stream, record, week);
        }
    });
    Ok(format!("http://{addr}/api/v2"))
}

fn answer(mut stream: TcpStream, record: &str, week: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let target = request.split_whitespace().nth(1).unwrap_or("");
    let path = target.split('?').next().unwrap_or("");
    let (status, body) = match path {
        "/api/v2/version" => ("200 OK", format!(r#"{{"apiVersion":"2.0.5","dataTimestamp":"{week}T05:00:00"}}"#)),
        "/api/v2/studies/NCT07038304" => ("200 OK", record.to_string()),
        "/api/v2/studies" if target.contains("fields=") => ("200 OK", probe(record)),
        "/api/v2/studies" => ("200 OK", format!(r#"{{"studies":[{record}]}}"#)),
        _ => ("404 Not Found", "{}".to_string()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

/// The answer to sync's question for posted dates only (`fields=NCTId,LastUpdatePostDate`).
fn probe(record: &str) -> String {
    let doc: serde_json::Value = serde_json::from_str(record).unwrap_or_default();
    let posted = &doc["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"];
    serde_json::json!({"studies": [{"protocolSection": {
        "identificationModule": {"nctId": "NCT07038304"},
        "statusModule": {"lastUpdatePostDateStruct": {"date": posted}}
    }}]})
    .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_weeks_follow_the_posted_dates() {
        for ((_, record), week) in super::VERSIONS.iter().zip(super::WEEKS) {
            let doc: serde_json::Value = serde_json::from_str(record).unwrap();
            let posted = doc["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"].as_str().unwrap();
            assert!(posted < week, "{posted} is found on {week}");
        }
    }
}
