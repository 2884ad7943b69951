//! Access granted to a person at one instance: the validity window, the checked form of one
//! grant, and the import of many from CSV with a report per row.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::account::Email;
use crate::identity::InstanceRole;
use crate::validation::{Invalid, check_max_len};

/// Longest given or family name accepted.
pub const NAME_MAX_LEN: usize = 100;
/// Most rows one CSV import may hold.
pub const IMPORT_MAX_ROWS: usize = 5_000;
/// Largest CSV import accepted, in bytes.
pub const IMPORT_MAX_BYTES: usize = 1024 * 1024;

/// The days (inclusive, UTC) on which a grant admits its holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantWindow {
    from: NaiveDate,
    until: NaiveDate,
}

impl GrantWindow {
    /// A window from `from` to `until`, both included; refused when it ends before it starts.
    pub fn new(from: NaiveDate, until: NaiveDate) -> Result<Self, Invalid> {
        if until < from {
            return Err(Invalid::new(
                "valid_until",
                "The access must end on or after the day it starts.",
            ));
        }
        Ok(Self { from, until })
    }

    /// The first day.
    pub fn from(self) -> NaiveDate {
        self.from
    }

    /// The last day.
    pub fn until(self) -> NaiveDate {
        self.until
    }

    /// The default validity of a grant made `today`: to the end of the instance's rental,
    /// or a year when it has none (or it has ended).
    pub fn default_from(today: NaiveDate, rental_end: Option<NaiveDate>) -> Self {
        let until = rental_end
            .filter(|end| *end >= today)
            .unwrap_or_else(|| today + chrono::Days::new(365));
        Self { from: today, until }
    }

    /// Whether the window includes `day`.
    pub fn admits(self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.until
    }
}

/// One checked grant: who, with which names and role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRequest {
    /// The person's normalised email address.
    pub email: Email,
    /// Given name (may be empty).
    pub given_name: String,
    /// Family name (may be empty).
    pub family_name: String,
    /// Their role at the instance.
    pub role: InstanceRole,
}

fn parse_name(field: &str, raw: &str) -> Result<String, Invalid> {
    let name = raw.trim();
    check_max_len(field, name, NAME_MAX_LEN)?;
    if name.chars().any(char::is_control) {
        return Err(Invalid::new(
            field,
            "A name must not contain control characters.",
        ));
    }
    Ok(name.to_owned())
}

impl GrantRequest {
    /// Checks one grant as typed into the form; every broken rule is reported, by field.
    pub fn parse(
        email: &str,
        given_name: &str,
        family_name: &str,
        role: &str,
    ) -> Result<Self, Vec<Invalid>> {
        let email = Email::parse(email);
        let given = parse_name("given_name", given_name);
        let family = parse_name("family_name", family_name);
        let role = role.parse::<InstanceRole>();
        match (email, given, family, role) {
            (Ok(email), Ok(given_name), Ok(family_name), Ok(role)) => Ok(Self {
                email,
                given_name,
                family_name,
                role,
            }),
            (email, given, family, role) => {
                Err([email.err(), given.err(), family.err(), role.err()]
                    .into_iter()
                    .flatten()
                    .collect())
            }
        }
    }
}

/// What an import made of one row of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    /// The row's line number in the file (1-based, header included).
    pub line: u64,
    /// The grant, or every rule the row broke.
    pub outcome: Result<GrantRequest, Vec<Invalid>>,
}

/// Reads a CSV of grants: `email, given name, family name, role` per row, separated by commas
/// or semicolons (spreadsheets write either), an optional header row (its first cell
/// `email`). Rows are checked one by one, and an email that appears twice is refused at its
/// second row. The whole file is refused when it is not CSV, too large or has no rows.
pub fn parse_import(text: &str) -> Result<Vec<ImportRow>, Invalid> {
    if text.len() > IMPORT_MAX_BYTES {
        return Err(Invalid::new(
            "file",
            format!(
                "The file is larger than {} KiB; split it into smaller files.",
                IMPORT_MAX_BYTES / 1024
            ),
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delimiter = match text.lines().next() {
        Some(first) if first.matches(';').count() > first.matches(',').count() => b';',
        _ => b',',
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut seen = BTreeSet::new();
    for record in reader.records() {
        let record = record
            .map_err(|e| Invalid::new("file", format!("The file is not readable as CSV ({e}).")))?;
        // The line as an editor counts it: the reader's own count, and its position, include
        // the blank lines before a record.
        let line = record.position().map_or(0, |p| {
            let bytes = text.as_bytes();
            let mut start = usize::try_from(p.byte())
                .unwrap_or(bytes.len())
                .min(bytes.len());
            while bytes.get(start).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
                start += 1;
            }
            1 + bytes[..start].iter().filter(|b| **b == b'\n').count() as u64
        });
        let cell = |i: usize| record.get(i).unwrap_or("");
        if rows.is_empty() && seen.is_empty() && cell(0).eq_ignore_ascii_case("email") {
            continue;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() == IMPORT_MAX_ROWS {
            return Err(Invalid::new(
                "file",
                format!("The file has more than {IMPORT_MAX_ROWS} rows; split it."),
            ));
        }
        let mut outcome = if record.len() > 4 {
            Err(vec![Invalid::new(
                "row",
                format!(
                    "Expected 4 columns (email, given name, family name, role), found {}.",
                    record.len()
                ),
            )])
        } else {
            GrantRequest::parse(cell(0), cell(1), cell(2), cell(3))
        };
        if let Ok(grant) = &outcome
            && !seen.insert(grant.email.as_str().to_owned())
        {
            outcome = Err(vec![Invalid::new(
                "email",
                "This address appears in an earlier row.",
            )]);
        }
        rows.push(ImportRow { line, outcome });
    }
    if rows.is_empty() {
        return Err(Invalid::new("file", "The file holds no rows."));
    }
    Ok(rows)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, d).unwrap()
    }

    #[test]
    fn windows_must_not_end_before_they_start() {
        assert!(GrantWindow::new(day(2), day(1)).is_err());
        let w = GrantWindow::default_from(day(5), Some(day(9)));
        assert_eq!((w.from(), w.until()), (day(5), day(9)));
        let w = GrantWindow::default_from(day(5), Some(day(4)));
        assert_eq!(w.until(), NaiveDate::from_ymd_opt(2028, 3, 4).unwrap());
        let w = GrantWindow::new(day(1), day(1)).unwrap();
        assert!(w.admits(day(1)));
        assert!(!w.admits(day(2)));
    }

    #[test]
    fn a_form_grant_reports_every_broken_field() {
        let errors = GrantRequest::parse("not-an-email", "Ann", "\u{7}", "boss").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "family_name", "role"]);
        let ok = GrantRequest::parse(" Ann@Example.ORG ", " Ann ", "Lee", "participant").unwrap();
        assert_eq!(ok.email.as_str(), "ann@example.org");
        assert_eq!(ok.given_name, "Ann");
    }

    #[test]
    fn import_reports_per_row_and_skips_the_header() {
        let csv = "email,given name,family name,role\n\
                   ann@example.org,Ann,Lee,admin\n\
                   bad-address,Bob,Ray,participant\n\
                   \n\
                   cid@example.org,Cid,,delegate\n\
                   ANN@example.org,Ann,Again,participant\n\
                   dee@example.org,Dee,Fox,participant,extra\n\
                   eve@example.org,\"Eve, Jr.\",Moss,participant\n";
        let rows = parse_import(csv).unwrap();
        let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 5, 6, 7, 8]);
        assert!(rows[0].outcome.is_ok());
        assert_eq!(rows[1].outcome.as_ref().unwrap_err()[0].field, "email");
        assert_eq!(rows[2].outcome.as_ref().unwrap_err()[0].field, "role");
        assert!(
            rows[3].outcome.as_ref().unwrap_err()[0]
                .message
                .contains("earlier row")
        );
        assert_eq!(rows[4].outcome.as_ref().unwrap_err()[0].field, "row");
        assert_eq!(rows[5].outcome.as_ref().unwrap().given_name, "Eve, Jr.");
    }

    #[test]
    fn import_reads_semicolons_and_refuses_empty_or_huge_files() {
        let rows = parse_import("ann@example.org;Ann;Lee;participant\n").unwrap();
        assert_eq!(rows[0].outcome.as_ref().unwrap().family_name, "Lee");
        assert_eq!(parse_import("email,a,b,c\n").unwrap_err().field, "file");
        assert_eq!(parse_import("").unwrap_err().field, "file");
        let huge = "a".repeat(IMPORT_MAX_BYTES + 1);
        assert_eq!(parse_import(&huge).unwrap_err().field, "file");
        let many: String = (0..=IMPORT_MAX_ROWS)
            .map(|i| format!("p{i}@example.org,,,participant\n"))
            .collect();
        assert!(parse_import(&many).unwrap_err().message.contains("rows"));
    }
}
