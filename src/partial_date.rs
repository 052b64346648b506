//! Registry dates as the registry writes them: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
//!
//! A month-precision date like `2029-01` means "some day in January 2029". Comparing it with
//! `2029-01-03` is a refinement, not a slip, and a duty "due by 2029-01" is due by the end of
//! that month. So a partial date keeps its precision, and code asks for its first or last day
//! explicitly instead of guessing.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// How much of a date the registry gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Precision {
    /// `YYYY`
    Year,
    /// `YYYY-MM`
    Month,
    /// `YYYY-MM-DD`
    Day,
}

/// A date of year, month or day precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    first: NaiveDate,
    precision: Precision,
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; anything else (including impossible days such
    /// as `2025-02-30`) is `None`.
    pub fn parse(text: &str) -> Option<PartialDate> {
        let parts: Vec<&str> = text.split('-').collect();
        let num = |s: &str, len: usize| -> Option<u32> {
            (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
        };
        let (year, month, day, precision) = match parts.as_slice() {
            [y] => (num(y, 4)?, 1, 1, Precision::Year),
            [y, m] => (num(y, 4)?, num(m, 2)?, 1, Precision::Month),
            [y, m, d] => (num(y, 4)?, num(m, 2)?, num(d, 2)?, Precision::Day),
            _ => return None,
        };
        let first = NaiveDate::from_ymd_opt(year as i32, month, day)?;
        Some(PartialDate { first, precision })
    }

    /// A full date.
    pub fn from_date(date: NaiveDate) -> PartialDate {
        PartialDate { first: date, precision: Precision::Day }
    }

    /// The precision given.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The first day of the period (the day itself for day precision).
    pub fn first_day(&self) -> NaiveDate {
        self.first
    }

    /// The last day of the period: 31 December, the month's last day (leap years included),
    /// or the day itself.
    pub fn last_day(&self) -> NaiveDate {
        match self.precision {
            Precision::Day => self.first,
            Precision::Month => {
                let (y, m) = (self.first.year(), self.first.month());
                let next =
                    if m == 12 { NaiveDate::from_ymd_opt(y + 1, 1, 1) } else { NaiveDate::from_ymd_opt(y, m + 1, 1) };
                next.and_then(|d| d.pred_opt()).unwrap_or(self.first)
            }
            Precision::Year => NaiveDate::from_ymd_opt(self.first.year(), 12, 31).unwrap_or(self.first),
        }
    }

    /// The first day of the period this date falls in at a coarser `precision` (e.g. the
    /// first of the month for `Month`), used to compare dates of different precision.
    pub fn first_day_at(&self, precision: Precision) -> NaiveDate {
        let p = precision.min(self.precision);
        match p {
            Precision::Day => self.first,
            Precision::Month => self.first.with_day(1).unwrap_or(self.first),
            Precision::Year => NaiveDate::from_ymd_opt(self.first.year(), 1, 1).unwrap_or(self.first),
        }
    }

    /// True when `other` lies within this date's period (e.g. `2029-01-03` within `2029-01`).
    pub fn contains(&self, other: &PartialDate) -> bool {
        self.first_day() <= other.first_day() && other.last_day() <= self.last_day()
    }

    /// The full date when the precision is a day.
    pub fn as_day(&self) -> Option<NaiveDate> {
        (self.precision == Precision::Day).then_some(self.first)
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.precision {
            Precision::Year => write!(f, "{}", self.first.format("%Y")),
            Precision::Month => write!(f, "{}", self.first.format("%Y-%m")),
            Precision::Day => write!(f, "{}", self.first.format("%Y-%m-%d")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parses_three_precisions() {
        let y = PartialDate::parse("2029").unwrap();
        assert_eq!((y.precision(), y.first_day(), y.last_day()), (Precision::Year, d(2029, 1, 1), d(2029, 12, 31)));
        let m = PartialDate::parse("2024-02").unwrap();
        assert_eq!((m.precision(), m.last_day()), (Precision::Month, d(2024, 2, 29)));
        assert_eq!(PartialDate::parse("2025-02").unwrap().last_day(), d(2025, 2, 28));
        assert_eq!(PartialDate::parse("2025-12").unwrap().last_day(), d(2025, 12, 31));
        let day = PartialDate::parse("2029-01-03").unwrap();
        assert_eq!(day.as_day(), Some(d(2029, 1, 3)));
        for text in ["2029", "2029-01", "2029-01-03"] {
            assert_eq!(PartialDate::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn rejects_malformed_and_impossible() {
        for bad in ["", "29", "2029-1", "2029-01-3", "2025-02-30", "2029-13", "2029-01-03T00", "２０２９", "2029/01/03"]
        {
            assert!(PartialDate::parse(bad).is_none(), "{bad:?}");
        }
    }
}
