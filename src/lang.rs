//! The languages reports are written in, and how numbers and dates read in each: at the
//! bottom of the house (no clap, no models), so every renderer and model can use it.

use chrono::NaiveDate;

/// The last date a projection names: a later one is "after 2100". A plan far from the data (a
/// very weak prior, a target in the millions) can put a percentile centuries ahead, beyond
/// any date worth printing (and beyond chrono's range).
pub const HORIZON: NaiveDate = NaiveDate::from_ymd_opt(2100, 12, 31).expect("a date");

/// A projected date in words: the date, or "after 2100" at the horizon.
pub fn show(d: NaiveDate) -> String {
    if d >= HORIZON { "after 2100".to_string() } else { d.to_string() }
}

/// Language of the ethics report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English
    En,
    /// Dutch (Nederlands), as Dutch METC forms are
    Nl,
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "en" => Ok(Lang::En),
            "nl" => Ok(Lang::Nl),
            other => Err(format!("unknown language '{other}' (en, nl)")),
        }
    }
}

impl Lang {
    /// The language code (`en`, `nl`): HTML's `lang`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
        }
    }

    /// What a report file of this language carries before its extension: nothing, `-nl`.
    pub fn file_suffix(self) -> &'static str {
        match self {
            Lang::En => "",
            Lang::Nl => "-nl",
        }
    }

    /// A date as readers of this language write it: `2029-01-03`, `03-01-2029` (dd-mm-jjjj).
    pub fn date(self, d: NaiveDate) -> String {
        match self {
            Lang::En => d.to_string(),
            Lang::Nl => d.format("%d-%m-%Y").to_string(),
        }
    }

    /// A projected date: [`Lang::date`], or "after 2100" ("na 2100") at the projection's horizon.
    pub fn projected(self, d: NaiveDate) -> String {
        match (self, d >= HORIZON) {
            (Lang::En, true) => show(d),
            (Lang::Nl, true) => "na 2100".into(),
            _ => self.date(d),
        }
    }

    /// A registry date text in this language: `YYYY-MM-DD` as [`Lang::date`], a partial
    /// `YYYY-MM` as `mm-jjjj` in Dutch; anything else as it is.
    pub fn date_text(self, text: &str) -> String {
        if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return self.date(d);
        }
        match (self, text.split_once('-')) {
            (Lang::Nl, Some((y, m)))
                if y.len() == 4 && m.len() == 2 && y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) =>
            {
                format!("{m}-{y}")
            }
            _ => text.to_string(),
        }
    }

    /// A number already formatted with a decimal point, with this language's decimal mark.
    pub fn decimal(self, text: &str) -> String {
        match self {
            Lang::En => text.to_string(),
            Lang::Nl => text.replace('.', ","),
        }
    }
}

/// The length of a value starting at `i` that must not be broken across lines: a date
/// (`2029-01-03`, `03-01-2029`) or a number with its percent sign (`49 %`, `15,2 %`).
pub fn unbreakable_at(c: &[char], i: usize) -> Option<usize> {
    let digits = |at: usize, n: usize| at + n <= c.len() && c[at..at + n].iter().all(char::is_ascii_digit);
    let starts = i == 0 || !c[i - 1].is_ascii_alphanumeric() && !matches!(c[i - 1], '.' | ',' | '-');
    if !starts || !c[i].is_ascii_digit() {
        return None;
    }
    let dash = |at: usize| c.get(at) == Some(&'-');
    let ends = |n: usize| c.get(i + n).is_none_or(|x| !x.is_ascii_alphanumeric());
    if (digits(i, 4) && dash(i + 4) && digits(i + 5, 2) && dash(i + 7) && digits(i + 8, 2)
        || digits(i, 2) && dash(i + 2) && digits(i + 3, 2) && dash(i + 5) && digits(i + 6, 4))
        && ends(10)
    {
        return Some(10);
    }
    let mut j = i;
    while j < c.len()
        && (c[j].is_ascii_digit() || matches!(c[j], '.' | ',') && c.get(j + 1).is_some_and(char::is_ascii_digit))
    {
        j += 1;
    }
    (matches!(c.get(j), Some(' ' | '\u{a0}')) && c.get(j + 1) == Some(&'%')).then_some(j + 2 - i)
}

/// A number of participants for prose: `2.6`, `3`.
pub fn count(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r.fract() == 0.0 { format!("{r:.0}") } else { format!("{r:.1}") }
}

/// A rate a month for prose: one decimal under 10 (`1.9`, `0.4`), whole above.
pub fn rate(x: f64) -> String {
    if x >= 10.0 { format!("{x:.0}") } else { format!("{x:.1}") }
}

/// A percentage for prose: `40 %`.
pub fn percent(x: f64) -> String {
    format!("{:.0} %", x)
}
