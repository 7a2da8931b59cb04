//! The history as CSV (reports, issue 16): RFC 4180 quoting, and cells a spreadsheet would run
//! as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) made plain text with a leading
//! `'` (OWASP, "CSV injection"): tracking codes and notes are typed by people.

use crate::db::sessions::SessionSummary;

/// The header and one line per session; times in UTC (ISO 8601), duration in whole seconds.
pub fn sessions(rows: &[SessionSummary]) -> String {
    let mut out = String::from(
        "session_id,session_type,tracking_code,started_by,started_at,ended_at,duration_seconds,notes,rating,feedback,team\r\n",
    );
    for s in rows {
        let duration = s.ended_at.map(|e| ((e - s.started_at).max(0) / 1000).to_string()).unwrap_or_default();
        let cells = [
            s.id.clone(),
            s.session_type.clone(),
            s.tracking_code.clone().unwrap_or_default(),
            s.started_by.clone(),
            iso(s.started_at),
            s.ended_at.map(iso).unwrap_or_default(),
            duration,
            s.notes.clone(),
            s.rating.map(|r| r.to_string()).unwrap_or_default(),
            s.feedback.clone(),
            s.team.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// One cell: neutralised if a spreadsheet would take it for a formula, quoted if it must be.
pub fn cell(text: &str) -> String {
    let plain = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() };
    if plain.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", plain.replace('"', "\"\""))
    } else {
        plain
    }
}

/// `2026-12-04T19:56:01Z` for ms since the epoch.
fn iso(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm);
/// the mails' dates use it too.
pub fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_when_they_must_be_and_formulas_are_made_plain() {
        assert_eq!(cell("TICKET-1"), "TICKET-1");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("@cmd"), "'@cmd");
    }

    #[test]
    fn times_are_utc_iso_8601() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(iso(1_796_414_161_000), "2026-12-04T19:56:01Z");
    }
}
