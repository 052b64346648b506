//! Hardening, third round: each case here failed on the binary before it (a crash, a hang,
//! an unreadable file, a lost change), and the inputs are made here, hostile on purpose.

use serde_json::Value;

use crate::server::Reply;
use crate::{Workspace, fixture};

const ID: &str = "NCT07038304";

fn synced(trial_extra: &str, record: &str) -> Workspace {
    let ws = Workspace::new(&format!("[[trial]]\nnct_id = \"{ID}\"\n{trial_extra}"));
    ws.serve(ID, vec![Reply::json(record.to_string())]);
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 0, "{run:?}");
    ws
}

/// 1. Settings at the edge of the documented range never crash or hang; out-of-range ones are
///    refused when the config is read, naming key and range.
#[test]
fn extreme_but_valid_settings_project_to_a_horizon_and_wrong_ones_are_refused() {
    // No inclusion yet and the weakest prior allowed: the tail is beyond any date.
    let ws = synced("prior_certainty = 0.01\nmetc_decision_date = 2024-10-01\n", &fixture("v1"));
    std::fs::write(ws.path("log.csv"), "participant_id,site,enrolled_on,withdrawn_on\n").unwrap();
    for args in [
        &["report", ID, "--accrual", "log.csv", "--as-of", "2026-11-26", "--format", "json"][..],
        &["report", ID, "--accrual", "log.csv", "--as-of", "2026-11-26"][..],
        &["report", ID, "--kind", "ethics", "--accrual", "log.csv", "--as-of", "2026-11-26"][..],
    ] {
        let run = ws.run(args);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
    }
    let r: Value = serde_json::from_str(
        &ws.run(&["report", ID, "--accrual", "log.csv", "--as-of", "2026-11-26", "--format", "json"]).stdout,
    )
    .unwrap();
    assert!(r["projection"]["p90"].as_str().unwrap() <= "2100-12-31", "{r}");
    let md = std::fs::read_to_string(ws.path(&format!("reports/{ID}/progress.md"))).unwrap();
    assert!(md.contains("after 2100"), "{md}");
    assert!(!md.contains("+69083"), "{md}");

    // A registry target in the hundreds of millions (a population registry), default prior:
    // a report in bounded time.
    let mut huge: Value = serde_json::from_str(&fixture("v1")).unwrap();
    huge["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = serde_json::json!(100_000_000);
    let ws = synced("", &huge.to_string());
    let started = std::time::Instant::now();
    let run = ws.run(&["report", ID, "--accrual", "log.csv", "--as-of", "2026-11-26"]);
    let _ = run;
    std::fs::write(ws.path("log.csv"), "participant_id,site,enrolled_on,withdrawn_on\n").unwrap();
    let run = ws.run(&["report", ID, "--accrual", "log.csv", "--as-of", "2026-11-26"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());

    for (line, key, range) in [
        ("prior_certainty = 0.005", "prior_certainty = 0.005", "from 0.01 to 1"),
        ("prior_certainty = 1e-10", "prior_certainty = 0.0000000001", "from 0.01 to 1"),
        ("target = 100000000", "target = 100000000", "from 1 to 1000000"),
    ] {
        let ws = Workspace::new(&format!("[[trial]]\nnct_id = \"{ID}\"\n{line}\n"));
        let run = ws.run(&["report", ID]);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains(key) && run.stderr.contains(range), "{line}: {}", run.stderr);
    }
}

/// 2. Control characters and noncharacters in registry text, the investigator's file or the
///    config never make a Word file that cannot be opened.
#[test]
#[cfg_attr(
    ctwatch_no_python_docx,
    ignore = "python-docx is not installed (pip install python-docx; CTWATCH_PYTHON names another python), then touch build.rs"
)]
fn control_characters_never_break_the_word_file() {
    let mut doc: Value = serde_json::from_str(&fixture("v1")).unwrap();
    doc["protocolSection"]["identificationModule"]["officialTitle"] =
        serde_json::json!("A title\u{b} with a vertical tab, \u{1} SOH, \u{fffe} and \u{ffff}");
    let ws = synced(
        "metc_decision_date = 2024-10-01\nprincipal_investigator = \"Dr. \\u000BTab\\u0001\"\n",
        &doc.to_string(),
    );
    std::fs::write(ws.path("log.csv"), "participant_id,site,enrolled_on,withdrawn_on\n").unwrap();
    std::fs::write(ws.path("ethics.toml"), "susars = \"None\\u000B at all\\u0001\"\n").unwrap();
    let run = ws.run(&[
        "report",
        ID,
        "--kind",
        "ethics",
        "--accrual",
        "log.csv",
        "--ethics",
        "ethics.toml",
        "--as-of",
        "2025-11-26",
        "--format",
        "docx",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let docx = std::fs::read_dir(ws.path(&format!("reports/{ID}")))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "docx"))
        .expect("a Word file");
    let read = crate::ethics::read_docx(&docx);
    let all = read.to_string();
    assert!(all.contains("A title  with a vertical tab,   SOH,"), "{all}");
    assert!(all.contains("None  at all"), "{all}");
}

/// 3. A change stored by a run that then failed to write its state is announced (printed, in
///    the notice) by that run and, since the state never recorded it, again by the next one.
#[test]
fn a_change_is_never_lost_when_the_state_cannot_be_written() {
    let ws = synced("", &fixture("v1"));
    ws.serve(ID, vec![Reply::json(fixture("v2"))]);
    let state = ws.path("snapshots/.ctwatch-state.json");
    std::fs::remove_file(&state).unwrap();
    std::os::unix::fs::symlink(ws.path("elsewhere.json"), &state).unwrap();
    let run = ws.run(&["sync", "--notice", "notice.md"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains(".ctwatch-state.json"), "{}", run.stderr);
    assert!(run.stdout.contains("changed"), "{}", run.stdout);
    let notice = std::fs::read_to_string(ws.path("notice.md")).expect("the notice was written");
    assert!(notice.contains("Radboud Umc, Nijmegen: not yet recruiting → recruiting"), "{notice}");
    assert_eq!(ws.versions(ID).len(), 2);
    // The state written by the first run says v1 was announced; v2 was not recorded.
    std::fs::remove_file(&state).unwrap();
    std::fs::write(&state, r#"{"data_timestamp": "", "trials": [], "announced": {"NCT07038304": "x"}}"#).unwrap();
    let run = ws.run(&["sync", "--notice", "notice.md"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("changed"), "announced again: {}", run.stdout);
    assert!(std::fs::read_to_string(ws.path("notice.md")).unwrap().contains("not yet recruiting → recruiting"));
    assert_eq!(ws.versions(ID).len(), 2, "nothing stored twice");
    // Said once: the next run is quiet.
    let run = ws.run(&["sync", "--notice", "notice.md"]);
    assert!(run.stdout.contains("unchanged"), "{}", run.stdout);
    assert!(!ws.path("notice.md").exists());
}

/// 4. A `dataTimestamp` that is not a timestamp never stops new versions being fetched.
#[test]
fn a_data_timestamp_that_is_not_a_timestamp_disables_the_shortcut() {
    for bad in ["", "garbage"] {
        let ws = Workspace::new(&format!("[[trial]]\nnct_id = \"{ID}\"\n"));
        ws.server.route(
            "/api/v2/version",
            vec![Reply::json(format!(r#"{{"apiVersion":"2.0.5","dataTimestamp":"{bad}"}}"#))],
        );
        ws.serve(ID, vec![Reply::json(fixture("v1"))]);
        assert_eq!(ws.run(&["sync"]).code, 0);
        ws.serve(ID, vec![Reply::json(fixture("v2"))]);
        let run = ws.run(&["sync"]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains("changed"), "{bad:?}: a new version is fetched: {}", run.stdout);
        assert_eq!(run.stderr.matches("is not a timestamp").count(), 1, "said once: {}", run.stderr);
    }
}

/// 5. A folder or a link under a snapshot's name is refused before anything is written.
#[test]
fn a_snapshot_named_folder_or_link_is_refused_before_writing() {
    for kind in ["folder", "link"] {
        let ws = synced("", &fixture("v1"));
        // v2's own name, taken.
        let odd = ws.path(&format!("snapshots/{ID}/2025-09-15.json"));
        if kind == "folder" {
            std::fs::create_dir(&odd).unwrap();
        } else {
            std::os::unix::fs::symlink(ws.path(&format!("snapshots/{ID}/2025-06-26.json")), &odd).unwrap();
        }
        ws.serve(ID, vec![Reply::json(fixture("v2"))]);
        let before = ws.versions(ID);
        let run = ws.run(&["sync"]);
        assert_eq!(run.code, 2, "{kind}: {run:?}");
        assert!(run.stderr.contains("2025-09-15.json") && run.stderr.contains("not a regular file"), "{}", run.stderr);
        assert_eq!(ws.versions(ID), before, "{kind}: nothing written");
        // Moved away, the next sync stores the version under its own name.
        let _ = std::fs::remove_dir(&odd).or_else(|_| std::fs::remove_file(&odd));
        assert_eq!(ws.run(&["sync"]).code, 0);
        assert!(ws.versions(ID).contains(&"2025-09-15.json".to_string()));
    }
}

/// 6. A copy of an earlier version under a later same-date name is a replay, adjacent or not.
#[test]
fn a_replayed_copy_is_caught_by_verify_history_and_sync() {
    let ws = synced("", &fixture("v1"));
    let dir = ws.path(&format!("snapshots/{ID}"));
    // A genuine same-date successor, then the first version replayed as _003.
    let mut other: Value = serde_json::from_str(&fixture("v1")).unwrap();
    other["protocolSection"]["statusModule"]["overallStatus"] = serde_json::json!("NOT_YET_RECRUITING");
    ws.serve(ID, vec![Reply::json(other.to_string())]);
    assert_eq!(ws.run(&["sync"]).code, 0);
    assert_eq!(ws.versions(ID), ["2025-06-26.json", "2025-06-26_002.json"]);
    std::fs::copy(dir.join("2025-06-26.json"), dir.join("2025-06-26_003.json")).unwrap();
    for args in [&["verify"][..], &["history", ID][..], &["sync", "--full"][..]] {
        let run = ws.run(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        let said = format!("{}{}", run.stdout, run.stderr);
        assert!(
            said.contains("2025-06-26_003.json") && said.contains("same content as 2025-06-26.json"),
            "{args:?}: {said}"
        );
    }
}

/// 9. Index and state files are never read through a link, nor without bound.
#[test]
fn index_files_are_not_read_through_links() {
    let ws = synced("", &fixture("v1"));
    let index = ws.path(&format!("snapshots/{ID}/.history-index.json"));
    std::os::unix::fs::symlink("/dev/zero", &index).unwrap();
    let state = ws.path("snapshots/.ctwatch-state.json");
    std::fs::remove_file(&state).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &state).unwrap();
    let started = std::time::Instant::now();
    let run = ws.run(&["backfill", ID, "--history-base", &format!("{}/api/int", ws.server.origin)]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains(".history-index.json") && run.stderr.contains("not a regular file"), "{}", run.stderr);
    // The state is only a shortcut: unreadable, sync does the full work.
    let run = ws.run(&["sync"]);
    assert!(run.code == 0 || run.code == 2, "{run:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

/// 8. A report set is written whole or not at all, and leaves no temp file.
#[test]
fn a_report_set_is_all_or_nothing() {
    let ws = synced("", &fixture("v1"));
    let dir = ws.path(&format!("reports/{ID}"));
    std::fs::create_dir_all(dir.join("progress.json")).unwrap();
    let run = ws.run(&["report", ID, "--as-of", "2026-11-26"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("progress.json") && run.stderr.contains("no report file was written"),
        "{}",
        run.stderr
    );
    let left: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(left, ["progress.json"], "only the folder that was there");
}

/// 13. Reports are never written into the snapshot store.
#[test]
fn reports_inside_the_store_are_refused() {
    let ws = synced("", &fixture("v1"));
    for reports in ["snapshots", "snapshots/x", "./snapshots/../snapshots"] {
        let run = ws.run(&["--reports", reports, "report", ID, "--as-of", "2026-11-26"]);
        assert_eq!(run.code, 2, "{reports}: {run:?}");
        assert!(run.stderr.contains("overlap"), "{}", run.stderr);
    }
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 0, "the store is intact: {run:?}");
}

/// 11. A column named twice is refused; an inclusion on an impossible date is said in both
///     reports, by the same rule.
#[test]
fn a_duplicate_column_is_refused_and_an_early_inclusion_is_said_in_both_reports() {
    let ws = synced("metc_decision_date = 2024-10-01\n", &fixture("v1"));
    std::fs::write(
        ws.path("dup.csv"),
        "participant_id,site,enrolled_on,withdrawn_on,Site\nP1,UMC Groningen,2025-03-01,,x\n",
    )
    .unwrap();
    let run = ws.run(&["report", ID, "--accrual", "dup.csv", "--as-of", "2026-11-26"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("dup.csv:1") && run.stderr.contains("\"site\" is named twice"), "{}", run.stderr);

    std::fs::write(
        ws.path("early.csv"),
        "participant_id,site,enrolled_on,withdrawn_on\nP1,UMC Groningen,0001-01-01,\n",
    )
    .unwrap();
    let run = ws.run(&["report", ID, "--accrual", "early.csv", "--as-of", "2026-11-26", "--format", "markdown"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("dated before the start of recruitment"), "{}", run.stdout);
    for (lang, words) in [("en", "dated before the study's start date on the registry"), ("nl", "vóór de startdatum")]
    {
        let run = ws.run(&[
            "report",
            ID,
            "--kind",
            "ethics",
            "--lang",
            lang,
            "--accrual",
            "early.csv",
            "--as-of",
            "2026-11-26",
            "--format",
            "markdown",
        ]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains(words), "{lang}: {}", run.stdout);
    }
}

/// 15. An error quoting registry text quotes a bounded part of it.
#[test]
fn an_error_quotes_registry_names_in_part() {
    let mut doc: Value = serde_json::from_str(&fixture("v1")).unwrap();
    let long = "Hospital ".repeat(120_000);
    doc["protocolSection"]["contactsLocationsModule"]["locations"][0]["facility"] = serde_json::json!(long);
    let ws = synced("", &doc.to_string());
    std::fs::write(ws.path("log.csv"), "participant_id,site,enrolled_on,withdrawn_on\nP1,Nowhere At All,2025-03-01,\n")
        .unwrap();
    let run = ws.run(&["report", ID, "--accrual", "log.csv", "--as-of", "2026-11-26"]);
    assert_eq!(run.code, 2, "{}", &run.stderr[..run.stderr.len().min(300)]);
    assert!(run.stderr.contains("unknown site \"Nowhere At All\""), "{}", &run.stderr[..300.min(run.stderr.len())]);
    assert!(run.stderr.len() < 1_000, "a {}-byte error line", run.stderr.len());
}

/// 10. Characters that show nothing never reach a notice, a terminal table or a report.
#[test]
fn invisible_characters_are_filtered_from_every_output() {
    let hidden = "A\u{E0041}\u{E0042}\u{3164}\u{115F}\u{FFA0}\u{FE0F}\u{034F}\u{206A}\u{2028}\u{2029}\u{FDD0}\u{FFFF}B";
    let mut doc: Value = serde_json::from_str(&fixture("v2")).unwrap();
    doc["protocolSection"]["identificationModule"]["briefTitle"] = serde_json::json!(format!("Title {hidden}"));
    doc["protocolSection"]["contactsLocationsModule"]["locations"][1]["facility"] =
        serde_json::json!(format!("Site {hidden}"));
    let ws = synced("", &fixture("v1"));
    ws.serve(ID, vec![Reply::json(doc.to_string())]);
    let run = ws.run(&["sync", "--notice", "notice.md"]);
    assert_eq!(run.code, 0, "{run:?}");
    let report = ws.run(&["report", ID, "--as-of", "2026-11-26"]);
    assert_eq!(report.code, 0, "{report:?}");
    let outputs = [
        run.stdout.clone(),
        std::fs::read_to_string(ws.path("notice.md")).unwrap(),
        std::fs::read_to_string(ws.path(&format!("reports/{ID}/progress.md"))).unwrap(),
        std::fs::read_to_string(ws.path(&format!("reports/{ID}/progress.html"))).unwrap(),
        ws.run(&["status"]).stdout,
    ];
    for (i, text) in outputs.iter().enumerate() {
        for c in [
            '\u{E0041}',
            '\u{3164}',
            '\u{115F}',
            '\u{FFA0}',
            '\u{FE0F}',
            '\u{034F}',
            '\u{206A}',
            '\u{2028}',
            '\u{2029}',
            '\u{FFFF}',
            '\u{FDD0}',
        ] {
            let outside_diff =
                text.lines().filter(|l| !l.starts_with('+') && !l.starts_with('-')).any(|l| l.contains(c));
            assert!(!outside_diff, "output {i} holds U+{:04X}", c as u32);
        }
    }
}

/// A registry that finds `ids` for any sponsor search.
fn sponsor_search(ws: &Workspace, ids: Vec<String>) {
    ws.server.handle("/api/v2/studies", move |_| {
        let studies: Vec<Value> = ids
            .iter()
            .map(|id| {
                serde_json::json!({"protocolSection": {
                    "identificationModule": {"nctId": id, "briefTitle": format!("Trial {id}")},
                    "statusModule": {"overallStatus": "RECRUITING", "lastUpdatePostDateStruct": {"date": "2026-01-02"}},
                    "sponsorCollaboratorsModule": {"leadSponsor": {"name": "S"}}}})
            })
            .collect();
        Reply::json(serde_json::json!({ "studies": studies }).to_string())
    });
}

/// 7. `discover --add`: concurrent runs all land; new trials go after the last trial's own
///    comments; mode, link and line endings kept; a read-only file refused.
#[test]
fn discover_add_keeps_every_trial_the_files_layout_mode_link_and_line_endings() {
    // The shipped config: its commented-out keys stay under NCT07038304.
    let shipped =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ctwatch.toml")).unwrap();
    let ws = Workspace::new("");
    ws.write_config(&shipped);
    sponsor_search(&ws, vec!["NCT06000001".into()]);
    let run = ws.run(&["discover", "--sponsor", "S", "--add"]);
    assert_eq!(run.code, 0, "{run:?}");
    let after = std::fs::read_to_string(ws.path("ctwatch.toml")).unwrap();
    assert!(after.starts_with(&shipped), "everything before is kept byte for byte");
    assert!(after[shipped.len()..].contains("[[trial]]\nnct_id = \"NCT06000001\"\n"), "{}", &after[shipped.len()..]);

    // Twelve concurrent runs, each adding a different trial: all twelve land.
    let ws = Workspace::new("");
    ws.write_config("[[trial]]\nnct_id = \"NCT07038304\"\n");
    let children: Vec<_> = (0..12)
        .map(|i| {
            let server = crate::server::Server::start();
            let id = format!("NCT0700{i:04}");
            let w = Workspace { dir: tempfile::tempdir().unwrap(), server };
            sponsor_search(&w, vec![id]);
            let api = w.server.api();
            let child = ws
                .command(&["--api-base", &api, "discover", "--sponsor", "S", "--add"], &[])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            (child, w)
        })
        .collect();
    for (child, _w) in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let text = std::fs::read_to_string(ws.path("ctwatch.toml")).unwrap();
    for i in 0..12 {
        assert!(text.contains(&format!("nct_id = \"NCT0700{i:04}\"")), "trial {i} lost:\n{text}");
    }

    // CRLF, mode 0640 and a link: all kept.
    use std::os::unix::fs::PermissionsExt;
    let ws = Workspace::new("");
    std::fs::create_dir(ws.path("real")).unwrap();
    std::fs::write(ws.path("real/ctwatch.toml"), "# office\r\n[[trial]]\r\nnct_id = \"NCT07038304\"\r\n").unwrap();
    std::fs::set_permissions(ws.path("real/ctwatch.toml"), std::fs::Permissions::from_mode(0o640)).unwrap();
    std::fs::remove_file(ws.path("ctwatch.toml")).unwrap();
    std::os::unix::fs::symlink("real/ctwatch.toml", ws.path("ctwatch.toml")).unwrap();
    sponsor_search(&ws, vec!["NCT06000001".into()]);
    assert_eq!(ws.run(&["discover", "--sponsor", "S", "--add"]).code, 0);
    assert!(std::fs::symlink_metadata(ws.path("ctwatch.toml")).unwrap().file_type().is_symlink(), "the link stays");
    let text = std::fs::read_to_string(ws.path("real/ctwatch.toml")).unwrap();
    assert!(text.contains("[[trial]]\r\nnct_id = \"NCT06000001\"\r\n"), "{text:?}");
    assert!(!text.replace("\r\n", "").contains('\n'), "CRLF throughout: {text:?}");
    let mode = std::fs::metadata(ws.path("real/ctwatch.toml")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    let leftovers: Vec<_> = std::fs::read_dir(ws.path("real"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name() != "ctwatch.toml")
        .collect();
    assert!(leftovers.is_empty(), "no temp file");

    // Read-only: refused, untouched.
    std::fs::set_permissions(ws.path("real/ctwatch.toml"), std::fs::Permissions::from_mode(0o440)).unwrap();
    sponsor_search(&ws, vec!["NCT06000002".into()]);
    let run = ws.run(&["discover", "--sponsor", "S", "--add"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("read-only"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(ws.path("real/ctwatch.toml")).unwrap(), text);
}

/// 9 (continued). Files the user names are bounded too: a config or an investigator's file
/// that is `/dev/zero` is an error naming it, not an exhausted memory.
#[test]
fn a_config_or_ethics_file_that_never_ends_is_refused() {
    let ws = synced("metc_decision_date = 2024-10-01\n", &fixture("v1"));
    let run = ws.run(&["--config", "/dev/zero", "history", ID]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("/dev/zero") && run.stderr.contains("not a regular file"), "{}", run.stderr);
    std::os::unix::fs::symlink("/dev/zero", ws.path("ethics.toml")).unwrap();
    let run = ws.run(&["report", ID, "--kind", "ethics", "--ethics", "ethics.toml", "--as-of", "2026-11-26"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("ethics.toml"), "{}", run.stderr);
}

/// 14. A backfill whose history index cannot be written takes back the versions it stored (the
///     index file is made immutable, so it reads but cannot be replaced).
#[test]
fn a_backfill_whose_index_cannot_be_written_keeps_nothing() {
    let ws = Workspace::new(&format!("[[trial]]\nnct_id = \"{ID}\"\n"));
    let list = format!("/api/int/studies/{ID}/history");
    let doc = |name: &str| -> Value { serde_json::from_str(&fixture(name)).unwrap() };
    ws.server.route(
        &list,
        vec![Reply::json(
            serde_json::json!({"changes": [{"version": 0, "date": "2025-06-17"}, {"version": 1, "date": "2025-09-12"}]})
                .to_string(),
        )],
    );
    for (n, name) in [(0, "v1"), (1, "v2")] {
        ws.server.route(
            &format!("{list}/{n}"),
            vec![Reply::json(serde_json::json!({"studyVersion": n, "study": doc(name)}).to_string())],
        );
    }
    let dir = ws.path(&format!("snapshots/{ID}"));
    std::fs::create_dir_all(&dir).unwrap();
    let index = dir.join(".history-index.json");
    std::fs::write(&index, "{}\n").unwrap();
    let chattr = |flag: &str| std::process::Command::new("chattr").arg(flag).arg(&index).status();
    let locked = chattr("+i");
    assert!(
        locked.as_ref().is_ok_and(|s| s.success()),
        "chattr +i (e2fsprogs, root, ext4) is needed to make the index unwritable: {locked:?}"
    );
    let base = format!("{}/api/int", ws.server.origin);
    let run = ws.run(&["--history-base", &base, "backfill", ID]);
    let _ = chattr("-i");
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("nothing was stored") && run.stderr.contains(".history-index.json"), "{}", run.stderr);
    assert!(ws.versions(ID).is_empty(), "taken back: {:?}", ws.versions(ID));
}

/// A bad `--since` is named as `--since` (it was reported as `--as-of`).
#[test]
fn a_bad_date_option_is_named_as_given() {
    let ws = synced("", &fixture("v1"));
    let run = ws.run(&["status", "--since", "2026-13-01"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--since \"2026-13-01\" is not a date (YYYY-MM-DD)"), "{}", run.stderr);
    let run = ws.run(&["check", ID, "--as-of", "yesterday"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--as-of \"yesterday\" is not a date"), "{}", run.stderr);
}
