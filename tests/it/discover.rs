//! `ctwatch discover`: a registry search by sponsor against the loopback server, paging with
//! `nextPageToken`, and `--add` keeping ctwatch.toml's comments and layout.

use serde_json::{Value, json};

use crate::server::Reply;
use crate::{FAST, Workspace, shared_dir};

fn study(id: &str, title: &str, status: &str) -> Value {
    json!({"protocolSection": {
        "identificationModule": {"nctId": id, "briefTitle": title},
        "statusModule": {"overallStatus": status, "lastUpdatePostDateStruct": {"date": "2026-01-02"}},
        "sponsorCollaboratorsModule": {"leadSponsor": {"name": "University Medical Center Groningen"}}
    }})
}

const CONFIG: &str =
    "# The sponsor office's trials.\n[[trial]]\nnct_id = \"NCT07038304\"   # MDRT in CRPC\ntarget = 35\n";

#[test]
fn discover_pages_through_the_search_and_adds_what_is_not_watched() {
    let ws = Workspace::new("");
    let config = format!("{FAST}\n{CONFIG}");
    ws.write_config(&config);
    ws.server.handle("/api/v2/studies", |req| {
        assert_eq!(req.param("query.lead"), Some("University Medical Center Groningen"));
        assert_eq!(req.param("filter.overallStatus"), Some("RECRUITING|NOT_YET_RECRUITING"));
        assert!(req.param("fields").is_some_and(|f| f.contains("NCTId") && f.contains("BriefTitle")), "small answers");
        match req.param("pageToken") {
            None => Reply::json(
                json!({"studies": [study("NCT07038304", "MDRT in CRPC", "RECRUITING"), study("NCT06000001", "A @team #1 study\nwith a newline", "RECRUITING")],
                       "nextPageToken": "abc"})
                .to_string(),
            ),
            Some("abc") => Reply::json(json!({"studies": [study("NCT06000002", "Another", "NOT_YET_RECRUITING")]}).to_string()),
            Some(other) => panic!("unexpected token {other}"),
        }
    });
    let args = [
        "discover",
        "--lead",
        "University Medical Center Groningen",
        "--status",
        "RECRUITING",
        "--status",
        "not yet recruiting",
    ];
    let run = ws.run(&args);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("3 trials found, 2 not in ctwatch.toml; run again with --add"), "{}", run.stdout);
    assert_eq!(ws.server.hits("/api/v2/studies"), 2, "two pages");
    assert_eq!(std::fs::read_to_string(ws.path("ctwatch.toml")).unwrap(), config, "nothing written without --add");

    let mut add = args.to_vec();
    add.push("--add");
    let run = ws.run(&add);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("added 2 to ctwatch.toml"), "{}", run.stdout);
    let text = std::fs::read_to_string(ws.path("ctwatch.toml")).unwrap();
    assert!(text.starts_with(&config), "the file as it was, then the new tables:\n{text}");
    assert!(text.contains("nct_id = \"NCT06000001\"") && text.contains("nct_id = \"NCT06000002\""), "{text}");
    assert!(text.contains("# A @team #1 study with a newline (added by ctwatch discover on"), "{text}");
    // The result is a config ctwatch reads, and a second --add adds nothing.
    let run = ws.run(&add);
    assert!(run.stdout.contains("3 trials found, all already in ctwatch.toml"), "{run:?}");
    assert_eq!(std::fs::read_to_string(ws.path("ctwatch.toml")).unwrap(), text);

    // The comma-separated form (the documented one) asks the same search.
    let json: Value = serde_json::from_str(
        &ws.run(&[
            "discover",
            "--lead",
            "University Medical Center Groningen",
            "--status",
            "RECRUITING,NOT_YET_RECRUITING",
            "--format",
            "json",
        ])
        .stdout,
    )
    .unwrap();
    assert_eq!(json["trials"].as_array().unwrap().len(), 3);
    assert!(json["trials"].as_array().unwrap().iter().all(|t| t["watched"] == true));

    let run = ws.run(&["discover"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--lead"), "{}", run.stderr);
}

#[test]
#[cfg_attr(ctwatch_no_shared, ignore = "needs ../shared/ctgov (recorded registry responses), not found")]
fn a_real_two_page_search_is_followed() {
    let dir = shared_dir("versions");
    let page1 = std::fs::read_to_string(dir.join("biomcp.page1.phelan.json")).unwrap();
    let page2 = std::fs::read_to_string(dir.join("biomcp.page2.phelan.json")).unwrap();
    let token = serde_json::from_str::<Value>(&page1).unwrap()["nextPageToken"].as_str().unwrap().to_string();
    let ws = Workspace::new("");
    ws.server.handle("/api/v2/studies", move |req| {
        if req.param("pageToken") == Some(token.as_str()) {
            Reply::json(page2.clone())
        } else {
            Reply::json(page1.clone())
        }
    });
    let run = ws.run(&["discover", "--sponsor", "Phelan", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    let trials = out["trials"].as_array().unwrap();
    assert_eq!(trials.len(), 10, "both real pages");
    assert!(trials.iter().all(|t| t["title"].is_string() && t["overall_status"].is_string()), "{out}");
    assert_eq!(ws.server.hits("/api/v2/studies"), 3, "page 1, page 2, the empty last page");
}
