//! `ctwatch report --kind ethics`: the METC/CCMO annual progress report in both languages,
//! with and without the investigator's local file.

use crate::server::Reply;
use crate::{Workspace, fixture};

const TRIAL: &str = "[[trial]]\nnct_id = \"NCT07038304\"\ntarget = 35\nrecruitment_end = 2029-01-03\nmetc_decision_date = 2024-10-01\n[trial.site_aliases]\n\"UMCG\" = \"UMC Groningen\"\n";

fn workspace(trial: &str) -> Workspace {
    let ws = Workspace::new(trial);
    for v in ["v1", "v2", "v3"] {
        ws.serve("NCT07038304", vec![Reply::json(fixture(v))]);
        assert_eq!(ws.run(&["sync"]).code, 0);
    }
    let log = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/NCT07038304/accrual.csv");
    std::fs::copy(log, ws.path("accrual.csv")).unwrap();
    ws
}

fn ethics(ws: &Workspace, extra: &[&str]) -> crate::Run {
    let mut args =
        vec!["report", "NCT07038304", "--kind", "ethics", "--accrual", "accrual.csv", "--as-of", "2026-11-26"];
    args.extend_from_slice(extra);
    ws.run(&args)
}

const LOCAL: &str = r#"
screen_failures = 6
serious_adverse_events = "Two SAEs (grade 3 fatigue, hospitalisation for urinary retention), both reported to the METC within 15 days; none related to MDRT."
susars = "None."
amendments = "Amendment 1 (2026-02-10): added Radboud umc as second site; approved 2026-03-15."
protocol_deviations = "One inclusion outside the PSMA PET window (7 days late); no impact on safety."
dsmb = "Not applicable: no DSMB for this single-arm phase II study."
insurance = "Centramed, policy 622.123.456, valid until 2029-12-31."
progress_on_objectives = "Follow-up is ongoing; no interim analysis planned."
conclusion = "The study can continue as planned."
recruitment_measures = "A third site (Isala Zwolle) opens in 2027; referring urologists receive a monthly reminder."
safety_summary = "No new safety concerns: the balance of benefit and risk is unchanged."
monitoring = "Two monitoring visits (2026-03, 2026-09); no critical findings."
"#;

/// The fixture log with the optional columns: consent dates, a withdrawal reason, completions.
fn full_log(ws: &Workspace) {
    let log = std::fs::read_to_string(ws.path("accrual.csv")).unwrap();
    let mut out =
        String::from("participant_id,site,consented_on,enrolled_on,withdrawn_on,withdrawal_reason,completed_on\n");
    for line in log.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let consent = if f[0] == "P001" { "2025-02-03" } else { "" };
        let reason = if f[3].is_empty() { "" } else { "\"Progression, started systemic therapy\"" };
        let completed = if f[0] == "P002" { "2026-03-27" } else { "" };
        out.push_str(&format!("{},{},{consent},{},{},{reason},{completed}\n", f[0], f[1], f[2], f[3]));
    }
    std::fs::write(ws.path("accrual-full.csv"), out).unwrap();
}

/// Everything given: the identification in ctwatch.toml, the log with its optional columns
/// (`accrual-full.csv`) and the investigator's file (`ethics.toml`).
pub fn everything_given() -> Workspace {
    let ws = workspace(&TRIAL.replace(
        "metc_decision_date = 2024-10-01\n",
        "metc_decision_date = 2024-10-01\nprincipal_investigator = \"Prof. dr. S. Aluwini\"\nmetc = \"METC UMC Groningen\"\nmetc_reference = \"METc 2024/0321\"\n",
    ));
    full_log(&ws);
    std::fs::write(ws.path("ethics.toml"), LOCAL).unwrap();
    ws
}

const SECTIONS_EN: [&str; 17] = [
    "## Identification",
    "## Reporting period",
    "## Status",
    "## Key dates",
    "## Inclusions",
    "## Planned versus actual recruitment",
    "## Safety",
    "## Amendments",
    "## Protocol deviations",
    "## Other notifications to the METC",
    "## Data safety monitoring board (DSMB)",
    "## Monitoring by the sponsor",
    "## Participant insurance",
    "## Registry changes during the period",
    "## Progress on the objectives",
    "## Conclusion",
    "## Signature",
];

#[test]
fn english_and_dutch_with_and_without_the_local_file() {
    let ws = workspace(TRIAL);
    let run = ethics(&ws, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "reports/NCT07038304/2026-09-30-metc-progress.md\nreports/NCT07038304/2026-09-30-metc-progress.html\nreports/NCT07038304/2026-09-30-metc-progress.docx\n"
    );
    let md = std::fs::read_to_string(ws.path("reports/NCT07038304/2026-09-30-metc-progress.md")).unwrap();
    let at: Vec<usize> =
        SECTIONS_EN.iter().map(|h| md.find(&format!("{h}\n")).unwrap_or_else(|| panic!("{h}:\n{md}"))).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "sections in order");
    assert!(md.contains("| **CCMO number (NL number)** | NL87430.042.24 |"));
    assert!(md.contains("| **Reviewing ethics committee (METC)** | to be completed by the investigator |"));
    assert!(md.contains("2025-10-01 – 2026-09-30 (year 2)"));
    assert!(md.contains("| UMC Groningen | 5 | 11 | 1 |"), "in period, total, left early:\n{md}");
    assert!(md.contains("| **Start of the study (first informed consent)** | 2025-02-10 (the first inclusion: consent dates were not recorded) |"));
    assert!(md.contains("| **End of inclusion** | 2029-01-"), "the projection's median:\n{md}");
    assert!(md.contains("| **End of the study** | 2029-07-01 (expected, the registry's completion date) |"));
    assert!(md.contains("The reasons were not recorded in the inclusion log"));
    assert!(md.contains("2026-03-02: Completion date slipped 179 days"), "registry changes in the period");
    assert!(
        md.contains("The target used is 35: the approved plan") || !md.contains("35 → 40"),
        "target disagreement said"
    );
    assert!(!md.contains("2025-09-15: Radboud"), "a change before the period is not listed");
    assert!(!md.contains("42 CFR") && !md.contains("PRS"), "no US registry duties in a report to a Dutch METC");
    assert_eq!(md.matches("To be completed by the investigator").count(), 14);
    // Behind the plan (14 against 15): the committee reads what is done about it.
    assert!(
        md.contains("### Measures to improve recruitment\n\n*Recruitment is behind the plan: the committee expects"),
        "{md}"
    );
    assert!(!md.contains("P001"), "no participant ids");
    insta::assert_snapshot!("ethics_en", md);

    // Everything given: config identification, the full log, the investigator's file.
    let ws = everything_given();
    let full = |extra: &[&str]| {
        let mut args = vec![
            "report",
            "NCT07038304",
            "--kind",
            "ethics",
            "--accrual",
            "accrual-full.csv",
            "--as-of",
            "2026-11-26",
            "--ethics",
            "ethics.toml",
        ];
        args.extend_from_slice(extra);
        ws.run(&args)
    };
    let en = full(&["--format", "markdown"]);
    assert_eq!(en.code, 0, "{en:?}");
    let md = en.stdout;
    assert_eq!(md.matches("To be completed by the investigator").count(), 1, "only other notifications:\n{md}");
    assert!(md.contains("| **Principal investigator** | Prof. dr. S. Aluwini |"));
    assert!(md.contains("| **METC reference** | METc 2024/0321 |"));
    assert!(md.contains("| **Start of the study (first informed consent)** | 2025-02-03 |"));
    assert!(md.contains(
        "| Site | Included in this period | Included in total | Left the study early | Completed the study |"
    ));
    assert!(md.contains("| UMC Groningen | 5 | 11 | 1 | 1 |"), "{md}");
    assert!(md.contains("- Progression, started systemic therapy: 1"));
    assert!(md.contains("### Screen failures (screened, not included)\n\n6\n"));
    assert!(md.contains("| **Name** | Prof. dr. S. Aluwini |"));
    insta::assert_snapshot!("ethics_en_local", md);

    let nl = full(&["--lang", "nl", "--format", "markdown"]);
    assert_eq!(nl.code, 0, "{nl:?}");
    let md = nl.stdout;
    assert!(md.contains("## Verslagperiode") && md.contains("werving loopt"));
    assert!(md.contains("Two SAEs") && md.contains("Amendment 1"));
    assert_eq!(md.matches("In te vullen door de onderzoeker").count(), 1, "only other_notifications is missing");
    assert!(
        md.contains("| **Verwacht aan het eind van de periode (lineaire planning)** | 15 |"),
        "people, counted whole"
    );
    assert!(
        md.contains("02-03-2026: Einddatum van het onderzoek 179 dagen later: 03-01-2029 → 01-07-2029 (geschat)"),
        "{md}"
    );
    assert!(md.contains("proefpersonen te bereiken uiterlijk op 03-01-2029"));
    let prose = md.replace("2026-03-02.json", "(file name)");
    for english in ["slipped", "Completion date", "Status verified", " by ", "participants", "2026-03-02", "deelnemers"]
    {
        assert!(!prose.contains(english), "{english:?} in the Dutch report:\n{md}");
    }
    insta::assert_snapshot!("ethics_nl_local", md);
    let html = std::fs::read_to_string(ws.path("reports/NCT07038304/2026-09-30-metc-progress-nl.html")).unwrap();
    assert!(html.contains("<html lang=\"nl\">"));
    assert!(ws.path("reports/NCT07038304/2026-09-30-metc-progress-nl.docx").is_file());

    // Dutch without the local file.
    let ws = workspace(TRIAL);
    let nl = ethics(&ws, &["--lang", "nl", "--format", "markdown"]);
    assert_eq!(nl.stdout.matches("In te vullen door de onderzoeker").count(), 14);
    insta::assert_snapshot!("ethics_nl", nl.stdout);
}

#[test]
fn clear_errors() {
    let ws = workspace(TRIAL);
    let run = ws.run(&["report", "NCT07038304", "--format", "docx", "--as-of", "2026-11-26"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("the Word file is made for the ethics report (--kind ethics)"), "{}", run.stderr);
    assert!(!ws.path("reports").exists(), "nothing written");

    let ws = workspace(&TRIAL.replace("metc_decision_date = 2024-10-01\n", ""));
    let run = ethics(&ws, &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("metc_decision_date is not set in ctwatch.toml"), "{}", run.stderr);
    let ws = workspace(TRIAL);
    std::fs::write(ws.path("ethics.toml"), "serious_adverse_events = \"x\"\nadverse_event = \"typo\"\n").unwrap();
    let run = ethics(&ws, &["--ethics", "ethics.toml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("ethics.toml:2: unknown field `adverse_event`"), "{}", run.stderr);
    std::fs::write(ws.path("ethics.toml"), "susars = \"None.\"\nscreen_failures = true\n").unwrap();
    let run = ethics(&ws, &["--ethics", "ethics.toml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("ethics.toml:2: invalid type: boolean `true`, expected a text in quotes or a whole number"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1);
}

/// What python-docx (an independent reader) sees in a Word file.
pub(crate) fn read_docx(path: &std::path::Path) -> serde_json::Value {
    let python = std::env::var("CTWATCH_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/read_docx.py");
    let out =
        std::process::Command::new(&python).arg(script).arg(path).output().unwrap_or_else(|e| {
            panic!("{python}: {e}; the Word test needs python with python-docx (.ci/run installs it)")
        });
    assert!(
        out.status.success(),
        "python-docx could not read {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn texts<'a>(doc: &'a serde_json::Value, kind: &str, style: Option<&str>) -> Vec<&'a str> {
    doc["body"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["kind"] == kind && style.is_none_or(|s| b["style"] == s))
        .map(|b| b["text"].as_str().unwrap())
        .collect()
}

fn tables(doc: &serde_json::Value) -> Vec<Vec<Vec<String>>> {
    doc["body"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["kind"] == "table")
        .map(|b| serde_json::from_value(b["rows"].clone()).unwrap())
        .collect()
}

#[test]
#[cfg_attr(
    ctwatch_no_python_docx,
    ignore = "python-docx is not installed (pip install python-docx; CTWATCH_PYTHON names another python), then touch build.rs"
)]
fn the_word_file_reads_in_an_independent_reader() {
    let ws = everything_given();
    let base = ["report", "NCT07038304", "--kind", "ethics", "--accrual", "accrual-full.csv", "--as-of", "2026-11-26"];
    let run = ws.run(&[&base[..], &["--ethics", "ethics.toml", "--lang", "nl", "--format", "docx"]].concat());
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "reports/NCT07038304/2026-09-30-metc-progress-nl.docx\n"),
        "--format docx says where it wrote: {run:?}"
    );
    // The investigator wrote in English: used as typed, and said.
    assert!(
        run.stderr.contains(
            "warning: NCT07038304: the investigator's serious_adverse_events looks English in a Dutch report"
        ),
        "{}",
        run.stderr
    );
    let dir = ws.path("reports/NCT07038304");
    assert!(!dir.join("2026-09-30-metc-progress-nl.md").exists(), "--format docx writes only the Word file");
    let nl = read_docx(&dir.join("2026-09-30-metc-progress-nl.docx"));
    // Word knows the document: its title, its author (the principal investigator), its
    // language (Dutch: the spelling check is Dutch).
    assert_eq!(nl["properties"]["author"], "Prof. dr. S. Aluwini");
    assert_eq!(nl["properties"]["language"], "nl-NL");
    assert_eq!(nl["text_language"], "nl-NL");
    assert!(nl["properties"]["title"].as_str().unwrap().contains("NCT07038304"));
    // The investigator's text as typed: a search for its date finds it.
    assert!(
        nl["body"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["raw"].as_str().is_some_and(|t| t.contains("Amendment 1 (2026-02-10)"))),
        "the investigator's dates keep their hyphens"
    );

    // Sections as Word headings, in the order of the Markdown report.
    let md = ws.run(&[&base[..], &["--ethics", "ethics.toml", "--lang", "nl", "--format", "markdown"]].concat()).stdout;
    let md_headings: Vec<&str> = md.lines().filter_map(|l| l.strip_prefix("## ")).collect();
    assert_eq!(texts(&nl, "p", Some("Heading 1")), md_headings);
    assert_eq!(texts(&nl, "p", Some("Title")), ["Jaarlijkse voortgangsrapportage aan de METC: NCT07038304"]);
    assert!(texts(&nl, "p", Some("Heading 2")).contains(&"Redenen voor voortijdig stoppen"));
    assert_eq!(md_headings.len(), 17);

    // Tables: identification, the inclusion figures, the plan, the signature block.
    let t = tables(&nl);
    let row = |label: &str| -> Vec<String> {
        t.iter().flatten().find(|r| r[0] == label).unwrap_or_else(|| panic!("no row {label}: {t:?}")).clone()
    };
    assert_eq!(row("Kenmerk METC")[1], "METc 2024/0321");
    assert_eq!(row("Start van het onderzoek (eerste informed consent)")[1], "03-02-2025");
    assert_eq!(row("UMC Groningen"), ["UMC Groningen", "5", "11", "1", "1"]);
    assert_eq!(row("Alle centra"), ["Alle centra", "8", "14", "1", "1"]);
    assert_eq!(row("Verwacht aan het eind van de periode (lineaire planning)")[1], "15");
    assert!(row("Einde van het onderzoek")[1].starts_with("01-07-2029 (verwacht"));
    let signature = t.last().unwrap();
    assert_eq!(
        signature.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        ["Naam", "Functie", "Datum", "Handtekening"]
    );
    assert_eq!((signature[0][1].as_str(), signature[2][1].as_str()), ("Prof. dr. S. Aluwini", ""), "room to sign");

    // Dutch prose, registry changes in Dutch, as a Word bullet list.
    let items = texts(&nl, "list", None);
    assert!(
        items.contains(&"02-03-2026: Einddatum van het onderzoek 179 dagen later: 03-01-2029 → 01-07-2029 (geschat)"),
        "{items:?}"
    );
    assert!(items.contains(&"Progression, started systemic therapy: 1"));
    let paras = texts(&nl, "p", Some("Normal")).join("\n");
    assert!(paras.contains("het goedgekeurde plan"), "{paras}");
    assert!(paras.contains("In te vullen door de onderzoeker"));
    let body = nl["body"].as_array().unwrap();
    let todo = body.iter().find(|b| b["text"].as_str().is_some_and(|t| t.starts_with("In te vullen"))).unwrap();
    assert_eq!(todo["highlighted"], true, "a placeholder is highlighted for the investigator");
    assert!(
        body.iter()
            .filter(|b| b["highlighted"] == true)
            .all(|b| b["text"].as_str().unwrap().starts_with("In te vullen"))
    );
    assert!(paras.contains("rapportagedatum 26-11-2026"));

    // Printed on A4 with 2 cm margins; every page's footer names the report and numbers the page.
    assert_eq!(nl["page_mm"], serde_json::json!([210.0, 297.0]));
    assert_eq!(nl["margins_mm"], serde_json::json!([20.0, 20.0, 20.0, 20.0]));
    assert!(nl["footer"].as_str().unwrap().starts_with("Jaarlijkse voortgangsrapportage aan de METC NCT07038304"));
    assert!(nl["footer"].as_str().unwrap().contains("Pagina") && nl["footer"].as_str().unwrap().contains(" van "));
    assert_eq!(nl["footer_fields"], serde_json::json!([true, true]));

    // The English file beside the Markdown and HTML, and the same inputs give the same bytes.
    let run = ws.run(&[&base[..], &["--ethics", "ethics.toml"]].concat());
    assert!(run.stdout.ends_with("2026-09-30-metc-progress.docx\n"), "{run:?}");
    let first = std::fs::read(dir.join("2026-09-30-metc-progress.docx")).unwrap();
    ws.run(&[&base[..], &["--ethics", "ethics.toml"]].concat());
    assert_eq!(first, std::fs::read(dir.join("2026-09-30-metc-progress.docx")).unwrap(), "reproducible");
    let en = read_docx(&dir.join("2026-09-30-metc-progress.docx"));
    assert_eq!(texts(&en, "p", Some("Heading 1")).len(), 17);
    assert!(
        tables(&en)
            .iter()
            .flatten()
            .any(|r| r[0] == "Reviewing ethics committee (METC)" && r[1] == "METC UMC Groningen")
    );
    assert!(en["footer"].as_str().unwrap().contains("Page"));
}

/// The workspace with v4 as well (2026-06-10: the registry's target 35 → 40), optionally with
/// v4's overall status replaced.
fn with_v4(status: Option<&str>) -> Workspace {
    let ws = workspace(TRIAL);
    let mut v4 = fixture("v4");
    if let Some(s) = status {
        v4 = v4.replacen("\"overallStatus\": \"RECRUITING\"", &format!("\"overallStatus\": \"{s}\""), 1);
    }
    ws.serve("NCT07038304", vec![Reply::json(v4)]);
    assert_eq!(ws.run(&["sync"]).code, 0);
    ws
}

#[test]
fn the_report_says_which_target_it_uses_when_the_registry_disagrees() {
    let ws = with_v4(None);
    let en = ethics(&ws, &["--format", "markdown"]).stdout;
    assert!(en.contains("2026-06-10: Enrollment target 35 → 40 (+14.3 %)"), "{en}");
    assert!(en.contains("| **Target (participants)** | 35 |"));
    assert!(
        en.contains("The target used is 35: the approved plan the trial is measured against. The registry now lists 40 participants."),
        "{en}"
    );
    let nl = ethics(&ws, &["--lang", "nl", "--format", "markdown"]).stdout;
    assert!(nl.contains("10-06-2026: Beoogd aantal proefpersonen 35 → 40 (+14,3 %)"), "{nl}");
    assert!(nl.contains("Het gebruikte aantal is 35 proefpersonen: het goedgekeurde plan"), "{nl}");

    // The figures behind the report, as JSON.
    let run = ethics(&ws, &["--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["plan"]["disagreements"]["target"], serde_json::json!({"used": 35, "registry": 40}));
    assert_eq!(json["recruitment"]["total"]["total"], 14);
    assert_eq!(json["period"]["number"], 2);
    assert_eq!(json["dates"]["end_of_inclusion"]["kind"], "expected");
    assert!(json["changes"].as_array().unwrap().iter().any(|c| c["change"]["category"] == "enrollment"));
}

#[test]
fn a_halt_and_a_closed_recruitment_are_said_as_such() {
    let ws = with_v4(Some("SUSPENDED"));
    let md = ethics(&ws, &["--format", "markdown"]).stdout;
    assert!(md.contains("| **Status on the registry** | suspended |"), "{md}");
    assert!(md.contains("| **Temporary halt** | The registry lists the study as suspended: the reason and the expected restart are to be completed by the investigator. |"));
    std::fs::write(
        ws.path("ethics.toml"),
        "temporary_halt = \"Halted 2026-05-01 to 2026-06-01 for a drug supply problem; resumed.\"\n",
    )
    .unwrap();
    let md = ethics(&ws, &["--ethics", "ethics.toml", "--format", "markdown"]).stdout;
    assert!(
        md.contains("| **Temporary halt** | Halted 2026-05-01 to 2026-06-01 for a drug supply problem; resumed. |")
    );
    let nl = ethics(&ws, &["--lang", "nl", "--format", "markdown"]).stdout;
    assert!(nl.contains("| **Status in het register** | tijdelijk stilgelegd |"), "{nl}");

    let ws = with_v4(Some("ACTIVE_NOT_RECRUITING"));
    let md = ethics(&ws, &["--format", "markdown"]).stdout;
    assert!(md.contains("| **End of inclusion** | 2026-06-29 (actual) |"), "the last inclusion in the log:\n{md}");
    assert!(md.contains("The registry lists the study as active, not recruiting: inclusion ended with the last inclusion in the accrual log."));
    let nl = ethics(&ws, &["--lang", "nl", "--format", "markdown"]).stdout;
    assert!(nl.contains("| **Einde inclusie** | 29-06-2026 (werkelijk) |"), "{nl}");
    assert!(nl.contains("Het register vermeldt het onderzoek als actief, werving gesloten"));
}

#[test]
fn format_text_gives_each_section_plain_under_its_heading_in_both_languages() {
    let ws = everything_given();
    let base = ["report", "NCT07038304", "--kind", "ethics", "--accrual", "accrual-full.csv", "--as-of", "2026-11-26"];
    for lang in ["en", "nl"] {
        let args = |format: &'static str| -> Vec<&str> {
            [&base[..], &["--ethics", "ethics.toml", "--lang", lang, "--format", format]].concat()
        };
        let text = ws.run(&args("text"));
        assert_eq!(text.code, 0, "{text:?}");
        let md = ws.run(&args("markdown")).stdout;
        // Every section of the Markdown report, in order, as a heading underlined with dashes.
        let headings: Vec<&str> = md.lines().filter_map(|l| l.strip_prefix("## ")).collect();
        let lines: Vec<&str> = text.stdout.lines().collect();
        let underlined: Vec<&str> = lines
            .windows(2)
            .filter(|w| {
                !w[1].is_empty() && w[1].chars().all(|c| c == '-') && w[1].chars().count() == w[0].chars().count()
            })
            .map(|w| w[0])
            .collect();
        assert_eq!(underlined, headings, "{lang}");
        // No markup of any kind: what is pasted is what the committee reads.
        for markup in ["**", "](", "<", "\\_", "> "] {
            assert!(!text.stdout.contains(markup), "{lang}: {markup:?} in\n{}", text.stdout);
        }
        assert!(text.stdout.contains("UMC Groningen"), "{lang}: the sites' table rows are there");
    }
}

/// What a committee must never read: our file names, config keys, log columns, JSON names,
/// fractions of people, a placeholder that blames the registry for the investigator's part.
const JARGON: [&str; 16] = [
    "ctwatch.toml",
    ".json",
    "snapshot",
    "withdrawal_reason",
    "withdrawal\\_reason",
    "completed_on",
    "consent_on",
    "enrolled_on",
    "accrual",
    "metc_decision_date",
    "recruitment_end",
    "principal_investigator",
    "the registry does not hold",
    "het register bevat deze gegevens niet",
    "15.2",
    "15,2",
];

#[test]
#[cfg_attr(
    ctwatch_no_python_docx,
    ignore = "python-docx is not installed (pip install python-docx; CTWATCH_PYTHON names another python), then touch build.rs"
)]
fn no_jargon_reaches_the_committee_in_either_language() {
    for ws in [workspace(TRIAL), everything_given()] {
        let log = if ws.path("accrual-full.csv").exists() { "accrual-full.csv" } else { "accrual.csv" };
        let local: &[&str] = if ws.path("ethics.toml").exists() { &["--ethics", "ethics.toml"] } else { &[] };
        for lang in ["en", "nl"] {
            let base = [
                "report",
                "NCT07038304",
                "--kind",
                "ethics",
                "--accrual",
                log,
                "--as-of",
                "2026-11-26",
                "--lang",
                lang,
            ];
            let mut read = Vec::new();
            for format in ["markdown", "html", "text"] {
                let run = ws.run(&[&base[..], local, &["--format", format]].concat());
                assert_eq!(run.code, 0, "{run:?}");
                read.push((format, run.stdout));
            }
            let word = ws.path(&format!(
                "reports/NCT07038304/2026-09-30-metc-progress{}.docx",
                if lang == "nl" { "-nl" } else { "" }
            ));
            read.push(("docx", read_docx(&word).to_string()));
            for (format, text) in &read {
                for word in JARGON {
                    assert!(!text.contains(word), "{lang} {format}: {word:?} in\n{text}");
                }
            }
        }
    }
}

#[test]
fn an_inclusion_before_the_site_s_approval_is_found_in_check_the_report_and_the_digest() {
    let approval = |day: &str| format!("{TRIAL}[trial.site_approval]\n\"Radboud Umc\" = {day}\n");
    let ws = workspace(&approval("2026-03-15"));
    let check =
        ws.run(&["check", "NCT07038304", "--accrual", "accrual.csv", "--as-of", "2026-11-26", "--format", "json"]);
    assert_eq!(check.code, 1, "an error finding: {check:?}");
    let found: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    let finding = found["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "inclusion_before_site_approval");
    let finding = finding.unwrap_or_else(|| panic!("{found}"));
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["due"], "2026-01-28", "overdue since the early inclusion");
    assert_eq!(
        finding["message"],
        "1 participant included at Radboud Umc before the site's approval by the ethics committee (2026-03-15; the first on 2026-01-28): report it to the METC without delay."
    );
    assert!(!check.stdout.contains("P010"), "check names no participant: {}", check.stdout);

    for (lang, heading, header) in [
        (
            "en",
            "### Inclusions before the site's approval",
            "| Participant (pseudonym) | Site | Included on | Site approved on |",
        ),
        (
            "nl",
            "### Inclusies vóór de goedkeuring van het centrum",
            "| Proefpersoon (pseudoniem) | Centrum | Geïncludeerd op | Centrum goedgekeurd op |",
        ),
    ] {
        let md = ethics(&ws, &["--lang", lang, "--format", "markdown"]).stdout;
        assert!(md.contains(heading) && md.contains(header), "{lang}:\n{md}");
        let first = if lang == "en" {
            "| Radboud Umc | 2026-01-28 | 2026-03-15 |"
        } else {
            "| Radboud Umc | 28-01-2026 | 15-03-2026 |"
        };
        assert!(
            md.lines().any(|l| l.starts_with("| P") && l.ends_with(first)),
            "{lang}: pseudonym, site, both dates:\n{md}"
        );
    }

    let config = ws.path("ctwatch.toml");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("\nnct_id = \"NCT07038304\"\n", "\nnct_id = \"NCT07038304\"\naccrual = \"accrual.csv\"\n");
    std::fs::write(&config, text).unwrap();
    let status = ws
        .run_env(&["status", "--format", "json", "--as-of", "2026-11-26"], &[("CTWATCH_NOW", "2026-11-26T09:00:00Z")]);
    let digest: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let why = digest["trials"][0]["why"].to_string();
    assert!(why.contains("included at Radboud Umc before the site's approval"), "{why}");
    let written = std::fs::read_to_string(ws.path("reports/status/latest.md")).unwrap();
    assert!(!written.contains("P010"), "no pseudonym in the committed digest");

    // The approval day itself may include: nothing to report.
    let ws = workspace(&approval("2026-01-28"));
    let check =
        ws.run(&["check", "NCT07038304", "--accrual", "accrual.csv", "--as-of", "2026-11-26", "--format", "json"]);
    assert!(!check.stdout.contains("inclusion_before_site_approval"), "{}", check.stdout);
    assert!(!ethics(&ws, &["--format", "markdown"]).stdout.contains("before the site's approval"));
}

#[test]
fn the_committee_s_duties_run_from_its_decision_and_are_done_when_the_investigator_s_file_says_so() {
    let ws =
        workspace(&TRIAL.replace(
            "metc_decision_date = 2024-10-01\n",
            "metc_decision_date = 2024-10-01\nethics = \"ethics.toml\"\n",
        ));
    let due = |submitted: &str| {
        std::fs::write(ws.path("ethics.toml"), format!("[submitted]\n{submitted}")).unwrap();
        let run = ws.run(&["check", "NCT07038304", "--as-of", "2026-11-26", "--format", "json"]);
        let found: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_else(|_| panic!("{run:?}"));
        let f =
            found["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "metc_annual_report").cloned().unwrap();
        (run.code, f["severity"].as_str().unwrap().to_string(), f["due"].as_str().unwrap().to_string())
    };
    assert_eq!(due(""), (1, "error".into(), "2025-10-01".into()), "nothing submitted: year 1 is overdue");
    assert_eq!(due("annual_reports = [2025-10-20]\n"), (1, "error".into(), "2026-10-01".into()), "year 2 is");
    assert_eq!(
        due("annual_reports = [2025-10-20, 2026-09-20]\n"),
        (0, "info".into(), "2027-10-01".into()),
        "done: the next to plan"
    );
    std::fs::write(ws.path("ethics.toml"), "[submitted]\nannual_reports = [2025-10-20T10:00:00]\n").unwrap();
    let run = ethics(&ws, &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("ethics.toml: [submitted] 2025-10-20T10:00:00: expected a date (YYYY-MM-DD)"),
        "{}",
        run.stderr
    );
}

/// A trial that ended early: terminated on 2026-09-15 for slow accrual.
fn terminated(why: Option<&str>) -> Workspace {
    let ws = everything_given();
    let mut v4: serde_json::Value = serde_json::from_str(&fixture("v4")).unwrap();
    let status = &mut v4["protocolSection"]["statusModule"];
    status["overallStatus"] = serde_json::json!("TERMINATED");
    status["completionDateStruct"] = serde_json::json!({"date": "2026-09-15", "type": "ACTUAL"});
    if let Some(why) = why {
        status["whyStopped"] = serde_json::json!(why);
    }
    ws.serve("NCT07038304", vec![Reply::json(v4.to_string())]);
    assert_eq!(ws.run(&["sync"]).code, 0);
    ws
}

#[test]
#[cfg_attr(
    ctwatch_no_python_docx,
    ignore = "python-docx is not installed (pip install python-docx; CTWATCH_PYTHON names another python), then touch build.rs"
)]
fn the_end_of_study_notification_in_both_languages() {
    let ws = terminated(Some("Slow recruitment"));
    let base = [
        "report",
        "NCT07038304",
        "--kind",
        "end-of-study",
        "--accrual",
        "accrual-full.csv",
        "--as-of",
        "2026-11-26",
        "--ethics",
        "ethics.toml",
    ];
    let run = ws.run(&base);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "reports/NCT07038304/2026-09-15-metc-end-of-study.md\nreports/NCT07038304/2026-09-15-metc-end-of-study.html\nreports/NCT07038304/2026-09-15-metc-end-of-study.docx\n"
    );
    let md = ws.run(&[&base[..], &["--format", "markdown"]].concat()).stdout;
    for expected in [
        "# End-of-study notification to the METC: NCT07038304",
        "| **Planned end of the study** | 2029-01-03 (the registry record as first watched) |",
        "| **Actual end of the study** | 2026-09-15 |",
        "| **Status on the registry** | terminated |",
        "| **Ended early** | yes |",
        "| **Reason for ending early** | Slow recruitment |",
        "| Site | Included | Completed the study | Left the study early |",
        "| All sites | 14 | 1 | 1 |",
        "- Progression, started systemic therapy: 1",
        "- This notification is due at the METC by 2026-09-30.",
        "- The summary of the results is due at the METC by 2027-09-15.",
        "| **Name** | Prof. dr. S. Aluwini |",
    ] {
        assert!(md.contains(expected), "{expected:?} in\n{md}");
    }
    let nl = ws.run(&[&base[..], &["--lang", "nl", "--format", "markdown"]].concat()).stdout;
    for expected in [
        "# Melding einde onderzoek aan de METC: NCT07038304",
        "| **Werkelijk einde van het onderzoek** | 15-09-2026 |",
        "| **Voortijdig beëindigd** | ja |",
        "| Alle centra | 14 | 1 | 1 |",
        "- Deze melding moet uiterlijk binnen zijn bij de METC op 30-09-2026.",
        "- De samenvatting van de resultaten moet uiterlijk binnen zijn bij de METC op 15-09-2027.",
    ] {
        assert!(nl.contains(expected), "{expected:?} in\n{nl}");
    }
    for (lang, text) in [("en", &md), ("nl", &nl)] {
        for word in JARGON {
            assert!(!text.contains(word), "{lang}: {word:?} in\n{text}");
        }
    }

    // Word: headings, the figures, the language; the reason missing is asked for.
    let docx = ws.run(&[&base[..], &["--lang", "nl", "--format", "docx"]].concat());
    assert_eq!(docx.stdout, "reports/NCT07038304/2026-09-15-metc-end-of-study-nl.docx\n");
    let word = read_docx(&ws.path("reports/NCT07038304/2026-09-15-metc-end-of-study-nl.docx"));
    assert_eq!(
        texts(&word, "p", Some("Heading 1")),
        ["Identificatie", "Einde van het onderzoek", "Inclusie", "Vervolg", "Ondertekening"]
    );
    assert_eq!(word["properties"]["language"], "nl-NL");
    assert!(
        tables(&word)
            .iter()
            .flatten()
            .any(|r| r[0] == "Reden voor voortijdige beëindiging" && r[1] == "Slow recruitment")
    );
    let ws = terminated(None);
    let md = ws.run(&[&base[..], &["--format", "markdown"]].concat()).stdout;
    assert!(
        md.contains(
            "| **Reason for ending early** | The registry gives no reason. To be completed by the investigator. |"
        ),
        "{md}"
    );
}
