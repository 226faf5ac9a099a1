//! What commands print: JSON on stdout for scripts (`--json`), aligned text for people, and
//! progress bars on stderr only when stderr is a terminal.

use std::io::IsTerminal;

use arena_challenge_core::text::escape_controls;
use arena_proto::v1 as pb;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Map, Value, json};

/// `println!` for a line of text that may hold what a server or another team sent (names,
/// titles, reasons, error messages): its control characters are escaped
/// ([`escape_controls`]), so the line cannot clear the screen or forge a line of its own.
macro_rules! say {
    () => {
        println!()
    };
    ($($arg:tt)*) => {
        println!("{}", $crate::output::shown(&format!($($arg)*)))
    };
}
pub(crate) use say;

/// [`say!`] on standard error.
macro_rules! say_err {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::output::shown(&format!($($arg)*)))
    };
}
pub(crate) use say_err;

/// `text` as a printer shows it: control characters escaped.
pub fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    escape_controls(text)
}

/// Prints a JSON value on one line (JSON escapes every control character itself).
pub fn print_json(value: &Value) {
    println!("{value}");
}

/// A byte progress bar, hidden when stderr is not a terminal.
pub fn bytes_bar(total: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(shown(what).into_owned());
    bar
}

/// `{"name": value-or-null}` and `{"name": reason}` for the undefined ones.
pub fn metrics_json(metrics: &[pb::MetricValue]) -> (Value, Value) {
    let mut values = Map::new();
    let mut notes = Map::new();
    for m in metrics {
        values.insert(m.name.clone(), m.value.map_or(Value::Null, |v| json!(v)));
        if !m.note.is_empty() {
            notes.insert(m.name.clone(), json!(m.note));
        }
    }
    (Value::Object(values), Value::Object(notes))
}

/// The lower-case status name used in JSON and text.
pub fn status_name(status: i32) -> &'static str {
    match pb::SubmissionStatus::try_from(status) {
        Ok(pb::SubmissionStatus::Queued) => "queued",
        Ok(pb::SubmissionStatus::Scoring) => "scoring",
        Ok(pb::SubmissionStatus::Scored) => "scored",
        Ok(pb::SubmissionStatus::Failed) => "failed",
        _ => "unknown",
    }
}

/// A number with 4 decimals, or `—` when undefined.
pub fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |x| format!("{x:.4}"))
}

/// Prints rows as aligned columns under a header, every cell [`shown`].
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    for line in table_lines(header, rows) {
        println!("{line}");
    }
}

/// The lines of [`table`].
fn table_lines(header: &[&str], rows: &[Vec<String>]) -> Vec<String> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| shown(c).into_owned()).collect())
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut lines = vec![line(header.iter().map(|h| h.to_string()).collect())];
    lines.extend(rows.into_iter().map(line));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 16 case 5: a model name that clears the screen and starts a forged row is shown
    /// escaped, on its own row, its column aligned.
    #[test]
    fn a_table_shows_control_characters_escaped() {
        let rows = vec![
            vec!["1".into(), "evil\u{1b}[2J\n2  team-a".into()],
            vec!["2".into(), "honest".into()],
        ];
        let lines = table_lines(&["rank", "model"], &rows);
        assert_eq!(
            lines,
            [
                "rank  model",
                "1     evil\\u{1b}[2J\\n2  team-a",
                "2     honest",
            ]
        );
        assert!(lines.iter().all(|l| !l.chars().any(char::is_control)));
    }
}
