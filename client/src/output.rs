//! What commands print: JSON on stdout for scripts (`--json`), aligned text for people, and
//! progress bars on stderr only when stderr is a terminal.

use std::io::IsTerminal;

use arena_proto::v1 as pb;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Map, Value, json};

/// Prints a JSON value on one line.
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
    bar.set_message(what.to_string());
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

/// Prints rows as aligned columns under a header.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
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
    println!("{}", line(header.iter().map(|h| h.to_string()).collect()));
    for r in rows {
        println!("{}", line(r.clone()));
    }
}
