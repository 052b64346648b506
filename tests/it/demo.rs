//! `ctwatch demo`: the product at work without the internet, from the bundled versions.

use crate::Workspace;

#[test]
fn the_demo_fills_a_folder_from_the_bundled_versions_and_never_writes_over_files() {
    let ws = Workspace::new("");
    let run = ws.run(&["demo", "demo"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("demo/reports/status/latest.html"), "{}", run.stdout);
    let dir = ws.path("demo");
    let versions: Vec<String> = {
        let mut v: Vec<String> = std::fs::read_dir(dir.join("snapshots/NCT07038304"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| !n.starts_with('.'))
            .collect();
        v.sort();
        v
    };
    assert_eq!(versions, ["2025-06-26.json", "2025-09-15.json", "2026-03-02.json", "2026-06-10.json"]);
    let notices: Vec<String> = std::fs::read_dir(dir.join("notices"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(notices.len(), 4);
    assert!(notices.iter().all(|n| n.starts_with("<!-- ctwatch:NCT07038304:sha256:")));
    assert!(notices.iter().any(|n| n.contains("Radboud Umc, Nijmegen: not yet recruiting → recruiting")));
    let digest = std::fs::read_to_string(dir.join("reports/status/latest.json")).unwrap();
    let d: serde_json::Value = serde_json::from_str(&digest).unwrap();
    assert_eq!(d["as_of"], "2026-06-15");
    assert!(d["trials"][0]["changes"]["items"].as_array().unwrap().iter().any(|i| i["found"] == "2026-06-15"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("reports/NCT07038304/progress.json")).unwrap()).unwrap();
    assert_eq!(report["enrolled"], 14);
    for f in ["2026-09-30-metc-progress.docx", "2026-09-30-metc-progress-nl.html"] {
        assert!(dir.join("reports/NCT07038304").join(f).is_file(), "{f}");
    }
    let page = std::fs::read_to_string(dir.join("site/NCT07038304/index.html")).unwrap();
    assert!(page.contains("4 versions stored"), "the site, with every version");
    assert!(run.stdout.contains("demo/site/index.html"), "{}", run.stdout);
    // The store it leaves is a store like any other.
    let verify = std::process::Command::new(env!("CARGO_BIN_EXE_ctwatch"))
        .arg("verify")
        .current_dir(&dir)
        .env_clear()
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    // Only its own stand-in was asked: the registry given to the command line never was.
    assert!(ws.server.requests().is_empty(), "{:?}", ws.server.requests().iter().map(|r| &r.path).collect::<Vec<_>>());

    // A folder with something in it is never written over.
    let before = std::fs::read(dir.join("ctwatch.toml")).unwrap();
    let again = ws.run(&["demo", "demo"]);
    assert_eq!(again.code, 2, "{again:?}");
    assert!(again.stderr.contains("exists and is not empty"), "{}", again.stderr);
    assert_eq!(std::fs::read(dir.join("ctwatch.toml")).unwrap(), before);
}
