//! The annual progress report for the Dutch ethics committee (METC/CCMO
//! "voortgangsrapportage" for research under the WMO), in English or Dutch.
//!
//! Shaped like the progress report: [`model`] gathers every figure from the inputs (registry
//! version, accrual log, ctwatch.toml, the investigator's file) into an [`EthicsModel`], with no
//! wording; [`blocks`] says it in one language; the shared Markdown, HTML and Word renderers
//! lay it out. What the registry and the sponsor's log know is filled in: identification, the
//! reporting period (yearly from the METC decision date), status, the study's key dates,
//! inclusions in the period and in total per site, who left early and why, who completed,
//! planned versus actual recruitment with the projection, and registry changes during the
//! period. What only the investigator knows (screen failures, safety, amendments, deviations,
//! DSMB, insurance, objectives, conclusion) comes from a local TOML file; without it each such
//! section says plainly that it is to be completed. US registry duties are not part of this
//! report (see `ctwatch check`). No figure is invented.

mod blocks;
pub mod end_of_study;
mod model;
mod words;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use chrono::{Duration, Months, NaiveDate};
use serde::Serialize;
use serde_json::Value;

use super::dutch;
use super::progress::{Disagreements, plan_of};
use crate::diff::{Change, Importance, humanize};
use crate::format::Block;
use crate::inputs::Loaded;
use crate::lang::{Lang, percent};
use crate::progress::sites;
use crate::registry::study;

pub use crate::investigator::{Entry, Local, Submitted, read_local, seems};
pub use blocks::{EthicsReport, blocks, build, title};
pub use model::*;
use words::words;

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_are_years_from_the_decision() {
        let p = period(d("2024-10-01"), d("2026-11-26"));
        assert_eq!((p.number, p.start, p.end, p.complete), (2, d("2025-10-01"), d("2026-09-30"), true));
        let p = period(d("2024-10-01"), d("2025-09-30"));
        assert_eq!((p.number, p.end, p.complete), (1, d("2025-09-30"), true), "the last day completes year 1");
        let p = period(d("2024-10-01"), d("2025-09-29"));
        assert_eq!((p.number, p.complete), (1, false));
        let p = period(d("2024-02-29"), d("2025-03-01"));
        assert_eq!((p.start, p.end), (d("2024-02-29"), d("2025-02-27")), "leap-day decisions roll to 28 Feb");
    }
}
