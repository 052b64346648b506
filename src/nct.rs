//! The NCT identifier, validated once at the edge.
//!
//! ClinicalTrials.gov accepts `nct7038304` and `NCT07038304` alike, but our snapshot folders,
//! change-notice markers and URLs must use one spelling, and an id must never be able to
//! smuggle a path (`../x`) into the store. So every id the user or the registry gives us is
//! parsed into an [`NctId`] — `NCT` followed by exactly 8 digits — before it touches the
//! network or the disk, and is never re-checked or used raw afterwards.

use std::fmt;
use std::str::FromStr;

/// A validated, normalised ClinicalTrials.gov identifier: `NCT` + 8 ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NctId(String);

/// Why a text is not an NCT id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid NCT id {shown:?}: expected NCT followed by up to 8 digits, e.g. NCT07038304")]
pub struct InvalidNctId {
    /// The rejected input, truncated so a hostile value cannot flood the terminal.
    shown: String,
}

impl NctId {
    /// Parses and normalises an id: case-insensitive `NCT` prefix, 1 to 8 digits, zero-padded
    /// to 8 (the registry accepts missing leading zeros; we store one spelling).
    pub fn parse(text: &str) -> Result<Self, InvalidNctId> {
        let invalid = || InvalidNctId { shown: text.chars().take(40).collect() };
        let trimmed = text.trim();
        let digits =
            trimmed.get(..3).filter(|p| p.eq_ignore_ascii_case("nct")).map(|_| &trimmed[3..]).ok_or_else(invalid)?;
        if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        Ok(NctId(format!("NCT{digits:0>8}")))
    }

    /// The normalised id, safe to use as a path component or in a URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for NctId {
    type Err = InvalidNctId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NctId::parse(s)
    }
}

impl fmt::Display for NctId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for NctId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for NctId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        NctId::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_leading_zeros() {
        assert_eq!(NctId::parse("NCT07038304").unwrap().as_str(), "NCT07038304");
        assert_eq!(NctId::parse("nct7038304").unwrap().as_str(), "NCT07038304");
        assert_eq!(NctId::parse(" Nct00000001 ").unwrap().as_str(), "NCT00000001");
        assert_eq!(NctId::parse("NCT1").unwrap().as_str(), "NCT00000001");
    }

    #[test]
    fn rejects_anything_else() {
        for bad in [
            "",
            "NCT",
            "../x",
            "NCT123456789",
            "NCT0703830a",
            "XYZ07038304",
            "NCT/0703830",
            "NCT-7038304",
            "NCT07038304/..",
            "NCT ١٢٣", // non-ASCII digits
            "07038304",
        ] {
            assert!(NctId::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn error_names_the_input() {
        let err = NctId::parse("../x").unwrap_err().to_string();
        assert!(err.contains("\"../x\""), "{err}");
    }
}
