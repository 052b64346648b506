//! Long work shows its progress on stderr, and only there: a bar when forced (as on a
//! terminal), plain lines otherwise, nothing with --quiet; stdout never changes.

use serde_json::json;

use crate::server::Reply;
use crate::{Workspace, fixture};

const LIST: &str = "/api/int/studies/NCT07038304/history";

/// A history of four versions served one request a second (the registry's pace), so the
/// backfill takes over two seconds.
fn slow_history() -> Workspace {
    let ws = Workspace::new("[[trial]]\nnct_id = \"NCT07038304\"\n");
    ws.write_config(&format!("{}\n[[trial]]\nnct_id = \"NCT07038304\"\n", crate::fast_with("min_interval_ms = 700")));
    let changes: Vec<_> = ["2025-06-17", "2025-09-12", "2026-02-27", "2026-06-01"]
        .iter()
        .enumerate()
        .map(|(v, d)| json!({"version": v, "date": d, "status": "RECRUITING"}))
        .collect();
    ws.server.route(LIST, vec![Reply::json(json!({"changes": changes}).to_string())]);
    for (n, name) in ["v1", "v2", "v3", "v4"].iter().enumerate() {
        let study: serde_json::Value = serde_json::from_str(&fixture(name)).unwrap();
        ws.server
            .route(&format!("{LIST}/{n}"), vec![Reply::json(json!({"studyVersion": n, "study": study}).to_string())]);
    }
    ws
}

fn backfill(ws: &Workspace, env: &[(&str, &str)], extra: &[&str]) -> crate::Run {
    let base = format!("{}/api/int", ws.server.origin);
    let mut args = vec!["--history-base", base.as_str(), "backfill", "NCT07038304", "--format", "json"];
    args.extend_from_slice(extra);
    ws.run_env(&args, env)
}

#[test]
fn a_long_backfill_shows_a_bar_when_forced_plain_lines_otherwise_and_stdout_never_changes() {
    let bar_ws = slow_history();
    let bar = backfill(&bar_ws, &[("CTWATCH_PROGRESS", "bar")], &[]);
    assert_eq!(bar.code, 0, "{bar:?}");
    assert!(bar.stderr.contains("backfill NCT07038304"), "{}", bar.stderr);
    assert!(bar.stderr.contains("/4 versions") && bar.stderr.contains("elapsed"), "{}", bar.stderr);
    assert!(bar.stderr.contains('\x1b'), "a bar redraws in place");

    // Not a terminal (the tests' default): plain lines, no control characters.
    let plain_ws = slow_history();
    let plain = backfill(&plain_ws, &[], &[]);
    assert_eq!(plain.code, 0, "{plain:?}");
    assert!(!plain.stderr.contains('\x1b') && !plain.stderr.contains('\r'), "{:?}", plain.stderr);
    assert!(plain.stderr.contains("backfill NCT07038304: 4 of 4 versions"), "{}", plain.stderr);

    // --quiet: nothing.
    let quiet_ws = slow_history();
    let quiet = backfill(&quiet_ws, &[], &["--quiet"]);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (0, ""), "{quiet:?}");

    // The JSON on stdout is the same whatever the progress (file names and counts; the
    // three stores were filled the same way).
    assert_eq!(bar.stdout, plain.stdout);
    assert_eq!(plain.stdout, quiet.stdout);
}

#[test]
fn waiting_on_the_registry_says_so() {
    let ws = Workspace::new("[[trial]]\nnct_id = \"NCT07038304\"\n");
    ws.serve("NCT07038304", vec![Reply::text(503, "busy").header("Retry-After", "2"), Reply::json(fixture("v1"))]);
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains("the registry answered HTTP 503 and asked to wait: waiting 2 s, retrying at"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("waiting"), "never on stdout");
}

#[test]
fn the_bar_fits_an_80_column_line_and_says_no_time_left_before_it_can_know() {
    let ws = slow_history();
    let run = backfill(&ws, &[("CTWATCH_PROGRESS", "bar"), ("COLUMNS", "80")], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    // Each drawn line: the text between cursor moves and line ends, escapes removed.
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut chars = run.stderr.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                // CSI: ESC [ params final-byte
                if chars.peek() == Some(&'[') {
                    chars.next();
                    while let Some(&n) = chars.peek() {
                        chars.next();
                        if n.is_ascii_alphabetic() {
                            break;
                        }
                    }
                }
                lines.push(std::mem::take(&mut current));
            }
            '\r' | '\n' => lines.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    lines.push(current);
    let drawn: Vec<&String> = lines.iter().filter(|l| l.contains("/4 versions")).collect();
    assert!(!drawn.is_empty(), "{:?}", run.stderr);
    for l in &drawn {
        assert!(l.chars().count() <= 80, "{} columns: {l:?}", l.chars().count());
    }
    for l in drawn.iter().filter(|l| l.contains(" 0/4 versions")) {
        assert!(!l.contains("left"), "no estimate before the first step: {l:?}");
    }
}
