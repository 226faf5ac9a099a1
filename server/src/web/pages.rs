//! The HTML pages (maud: templates checked at compile time, every interpolated value escaped).
//! One stylesheet inline, a few lines of plain JavaScript on the board page (the live
//! refresh), no external resource: the pages work offline.

use std::sync::LazyLock;

use arena_proto::v1 as pb;
use axum::http::StatusCode;
use base64::prelude::{BASE64_STANDARD, Engine as _};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use sha2::{Digest, Sha256};

use super::board::{Listed, RowKind, Shown};
use super::plots;
use super::report::{MAX_RASTER_REPEATS, MAX_RASTER_S, Raster, Report};
use crate::store::ChallengeStatus;

/// How often the board page asks for a new board, milliseconds.
pub const POLL_MS: u32 = 2000;

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:0 1rem;color:#222}\
header{padding:.6rem 0;border-bottom:1px solid #ccc}header a{font-weight:bold;text-decoration:none}\
table{border-collapse:collapse;margin:.5rem 0}th,td{padding:.25rem .5rem;border-bottom:1px solid #ddd;text-align:left}\
th{background:#f3f3f3;cursor:pointer}td.num{text-align:right;font-variant-numeric:tabular-nums}\
tr.baseline{color:#555;background:#f7f7fb}tr.ceiling{background:#eef7ee;font-style:italic}tr.null{background:#fbeeee;font-style:italic}\
.tag{font-size:.8em;color:#666;margin-left:.3em}pre{background:#f6f6f6;padding:.5rem;overflow-x:auto}\
dt{font-weight:bold}dd{margin:0 0 .4rem 1rem;word-break:break-all}figure{margin:.5rem 0}";

/// Sorting by a column header's click and the live refresh of `#board` from its `data-src`.
const SCRIPT: &str = "(function(){const s=document.getElementById('board');if(!s)return;let last=null;\
document.addEventListener('click',e=>{const th=e.target.closest('th');if(!th)return;const t=th.closest('table');\
const i=[...th.parentNode.children].indexOf(th);const b=t.tBodies[0];const rows=[...b.rows];const d=th.dataset.dir==='1'?-1:1;th.dataset.dir=d===1?'1':'0';\
const key=r=>{const c=r.cells[i];const v=c?c.dataset.v??c.textContent:'';const n=parseFloat(v);return isNaN(n)?v:n};\
rows.sort((x,y)=>{const a=key(x),c=key(y);return (a>c?1:a<c?-1:0)*d});rows.forEach(r=>b.appendChild(r))});\
setInterval(async()=>{try{const r=await fetch(s.dataset.src,{cache:'no-store'});if(!r.ok)return;const t=await r.text();\
if(t!==last){s.innerHTML=t;last=t}}catch(_){}},";

/// The board page's script as sent: [`SCRIPT`], the poll period, the closing of its function.
static SCRIPT_TEXT: LazyLock<String> = LazyLock::new(|| format!("{SCRIPT}{POLL_MS})}})();"));

/// The `Content-Security-Policy` of every response: nothing from anywhere, but the one
/// stylesheet and the one script of [`layout`], each allowed by its SHA-256 (CSP level 2), the
/// board fragment fetched from this server, and the inline `data:` icon. An injected `<script>`
/// or `<style>`, an inline event handler or a `javascript:` link does not run, and no page can be
/// framed.
pub static CONTENT_SECURITY_POLICY: LazyLock<String> = LazyLock::new(|| {
    let hash = |text: &str| BASE64_STANDARD.encode(Sha256::digest(text.as_bytes()));
    format!(
        "default-src 'none'; script-src 'sha256-{}'; style-src 'sha256-{}'; \
         connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'",
        hash(&SCRIPT_TEXT),
        hash(CSS)
    )
});

fn layout(title: &str, body: Markup, script: bool) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // No favicon request: the server has none, and a 404 would be a console error.
                link rel="icon" href="data:,";
                title { (title) " · Spike Arena" }
                style { (PreEscaped(CSS)) }
            }
            body {
                header { a href="/" { "Spike Arena" } " · challenges, boards and submissions" }
                main {
                    h1 { (title) }
                    (body)
                }
                @if script {
                    script { (PreEscaped(SCRIPT_TEXT.as_str())) }
                }
            }
        }
    }
}

/// A number with 4 decimals, or an em dash.
fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |x| format!("{x:.4}"))
}

/// A numeric cell with its exact value for sorting and, when undefined, the reason as a tooltip.
fn cell(v: Option<f64>, note: Option<&String>) -> Markup {
    html! {
        td.num data-v=(v.map_or(String::new(), |x| x.to_string())) title=[note] { (num(v)) }
    }
}

/// The page of an error.
pub fn error(status: StatusCode, message: &str) -> Markup {
    layout(
        status.canonical_reason().unwrap_or("error"),
        html! { p { (status.as_u16()) ": " (message) } p { a href="/" { "All challenges" } } },
        false,
    )
}

/// `/`: every challenge.
pub fn index(listed: &[Listed]) -> Markup {
    layout(
        "Challenges",
        html! {
            @if listed.is_empty() {
                p { "No challenge yet." }
            } @else {
                table {
                    thead { tr {
                        th { "Challenge" } th { "Family" } th { "Status" } th { "Teams" }
                        th { "Submissions" } th { "Time left" }
                    } }
                    tbody {
                        @for l in listed {
                            tr {
                                td { a href={ "/challenges/" (l.challenge.id) } { (l.challenge.title) } }
                                td { (l.challenge.kind) }
                                td { (l.challenge.status.as_str()) }
                                td.num { (l.teams) }
                                td.num { (l.submissions) }
                                td { @match l.challenge.status {
                                    ChallengeStatus::Open => "open until its organizer closes it",
                                    ChallengeStatus::Closed => "closed",
                                } }
                            }
                        }
                    }
                }
            }
        },
        false,
    )
}

/// `/challenges/{id}`: what the challenge is, how to take part, and its live board.
pub fn challenge(s: &Shown) -> Markup {
    let c = &s.challenge;
    let id = &c.id;
    layout(
        &c.title,
        html! {
            @for paragraph in s.description.split("\n\n").filter(|p| !p.trim().is_empty()) {
                p { (paragraph) }
            }
            dl {
                dt { "Id" } dd { code { (id) } }
                dt { "Family" } dd { (c.kind) }
                dt { "Status" } dd { (c.status.as_str()) }
                dt { "Opened" } dd { (c.created_at) }
                dt { "Closes" } dd { @match c.status {
                    ChallengeStatus::Open => "when its organizer closes it (no fixed date)",
                    ChallengeStatus::Closed => "closed",
                } }
                dt { "Licence" } dd { (s.license) }
                dt { "Citation" } dd { (s.citation) }
                dt { "Public dataset hash" } dd { code { (c.public_dataset_hash) } }
                dt { "Submissions per team per day" } dd { (c.daily_limit) }
            }
            h2 { "How to take part" }
            pre { code {
                "export ARENA_SERVER=<this server's gRPC address> ARENA_TOKEN=<your contestant token>\n"
                "arena fetch " (id) " --out " (id) "\n"
                "arena submit " (id) " --predictions predictions.json --model <label>\n"
                "arena run " (id) " --model '<command speaking docs/live.md>'\n"
                "arena leaderboard " (id)
            } }
            p {
                "For scripts: " a href={ "/challenges/" (id) "/board.json" } { "board.json" }
                " (the JSON of " code { "arena leaderboard --json" } ") and "
                a href={ "/challenges/" (id) "/board.csv" } { "board.csv" } "."
            }
            h2 { "Leaderboard" }
            section #board data-src={ "/challenges/" (id) "/board.html" } { (board_section(s)) }
        },
        true,
    )
}

/// The board table and its history plot: the part of the challenge page the live refresh
/// replaces (`/challenges/{id}/board.html`).
pub fn board_section(s: &Shown) -> Markup {
    let b = &s.board;
    let paired = b
        .rows
        .iter()
        .any(|r| r.primary_clustered.is_some() || r.notes.contains_key("primary_clustered"));
    let intensity = b.rows.iter().any(|r| r.bits_per_spike.is_some());
    let intervals = b.rows.iter().any(|r| r.primary_ci_low.is_some());
    let points: usize = s.history.iter().map(|h| h.points.len()).sum();
    html! {
        p.rule {
            @if b.part == "public" {
                "Public part, while the challenge is open: each team's row is the submission the Ladder released, every value rounded to its step " (b.ladder_step) ". Teams whose displayed primaries are equal share a rank range."
            } @else {
                "Private part, final: each team ranked by the best private primary among its " (b.final_selections) " final selections, shown with its 95 % bootstrap interval. Teams whose intervals overlap share a rank range."
            }
            " Metrics " (b.metrics_version) "."
            @if b.pending_rescore > 0 {
                " " (b.pending_rescore) " submissions are being scored again and are not shown yet."
            }
        }
        table #leaderboard data-rows=(b.rows.len()) {
            thead { tr {
                th { "Rank" } th { "Team" } th { "Model" } th { "Primary" }
                @if intervals { th { "95 % interval" } }
                th { "Md*" } th { "Γ/R" }
                @if paired { th { "Clustered" } th { "Controls" } th { "Clustering gap" } }
                @if intensity { th { "Bits/spike" } }
                th { "Submissions" } th { "Submitted" }
            } }
            tbody {
                @for (row, range) in b.rows.iter().zip(&s.ranges) {
                    (board_row(row, *range, Columns { intervals, paired, intensity }))
                }
            }
        }
        figure {
            (PreEscaped(plots::history(&s.history)))
            figcaption #history data-points=(points) {
                @if b.part == "public" {
                    "Each team's displayed primary over time, at every release of its Ladder"
                } @else {
                    "The private primary of every scored submission over time"
                }
                " (the top " (s.history.len()) " teams; " (points) " points)."
            }
        }
    }
}

/// The optional columns of a board.
#[derive(Clone, Copy)]
struct Columns {
    /// The primary's interval (exact primaries only).
    intervals: bool,
    /// By condition and the clustering gap (paired challenges).
    paired: bool,
    /// Bits per spike (intensity predictions).
    intensity: bool,
}

fn board_row(r: &pb::LeaderboardRow, (lo, hi): (u32, u32), c: Columns) -> Markup {
    let (class, tag) = RowKind::of(r).label();
    let note = |name: &str| r.notes.get(name);
    html! {
        tr class=(class) data-submission=(r.submission_id) {
            td data-v=(r.rank) { @if lo == hi { (lo) } @else { (lo) "–" (hi) } }
            td {
                a href={ "/submissions/" (r.submission_id) } { (r.team) }
                @if !tag.is_empty() { span.tag { (tag) } }
            }
            td { (r.model) }
            (cell(r.primary, note("primary")))
            @if c.intervals {
                td.num data-v=(r.primary_ci_low.map_or(String::new(), |x| x.to_string())) title=[note("primary_ci_low")] {
                    @match (r.primary_ci_low, r.primary_ci_high) {
                        (Some(l), Some(h)) => { (format!("{l:.4} – {h:.4}")) },
                        _ => "—",
                    }
                }
            }
            (cell(r.md_star, note("md_star")))
            (cell(r.gamma_over_r, note("gamma_over_r")))
            @if c.paired {
                (cell(r.primary_clustered, note("primary_clustered")))
                (cell(r.primary_dispersed, note("primary_dispersed")))
                (cell(r.clustering_gap, note("clustering_gap")))
            }
            @if c.intensity { (cell(r.bits_per_spike, note("bits_per_spike"))) }
            td.num { (r.n_submissions) }
            td { (r.submitted_at) }
        }
    }
}

fn metric_table(caption: &str, metrics: &[pb::MetricValue]) -> Markup {
    html! {
        table {
            caption { (caption) }
            thead { tr { th { "Metric" } th { "Value" } th { "Note" } } }
            tbody {
                @for m in metrics {
                    tr { td { (m.name) } (cell(m.value, None)) td { (m.note) } }
                }
            }
        }
    }
}

/// `/submissions/{id}`: a submission's scores, rasters (closed challenges) and audit record, as
/// anyone may see them.
pub fn submission(r: &Report, rasters: &[Raster]) -> Markup {
    let s = &r.submission;
    let status = pb::SubmissionStatus::try_from(s.status)
        .map_or("unknown", |st| st.as_str_name())
        .trim_start_matches("SUBMISSION_STATUS_")
        .to_ascii_lowercase();
    let value = |list: &[pb::MetricValue], name: &str| {
        list.iter().find(|m| m.name == name).and_then(|m| m.value)
    };
    let paired = s
        .private_scores
        .iter()
        .any(|m| m.name == "primary_clustered");
    html! {
        (layout(&format!("Submission {}", s.id), html! {
            dl {
                dt { "Challenge" } dd { a href={ "/challenges/" (s.challenge_id) } { (r.challenge.title) } }
                dt { "Team" } dd { (s.team) @if s.is_baseline { span.tag { "baseline" } } }
                dt { "Model" } dd { (s.model_name) }
                dt { "Status" } dd { (status) }
                dt { "Submitted" } dd { (s.created_at) }
                dt { "Predictions SHA-256" } dd { code { (s.sha256) } }
                @if r.closed() { dt { "Final selection" } dd { (if s.selected { "yes" } else { "no" }) } }
            }
            @if r.closed() {
                h2 { "Scores" }
                p { "The challenge is closed: the exact public and private scores." }
                (metric_table("Public part", &s.scores))
                (metric_table("Private part (the final ranking)", &s.private_scores))
                @if paired {
                    h2 { "Primary by condition (private part)" }
                    figure #conditions {
                        (PreEscaped(plots::bars(&[
                            ("all trials", value(&s.private_scores, "primary")),
                            ("clustered", value(&s.private_scores, "primary_clustered")),
                            ("time-dispersed", value(&s.private_scores, "primary_time_dispersed")),
                            ("space-scattered", value(&s.private_scores, "primary_space_scattered")),
                            ("both controls", value(&s.private_scores, "primary_dispersed")),
                        ])))
                        figcaption { "The primary pooled over all test trials, the clustered trials, each paired control (the cluster's events spread in time; the same volleys scattered over the tree) and both controls." }
                    }
                }
                @if !rasters.is_empty() {
                    h2 { "Rasters" }
                    p { "Recorded test responses (black, top) against this submission's predicted repeats (blue), the first " (rasters.len()) " test trials, at most " (MAX_RASTER_REPEATS) " repeats a side and the first " (MAX_RASTER_S) " s. (The training trials' responses are in the public data; a submission predicts the test trials only.)" }
                    @for raster in rasters {
                        figure.raster data-spikes=(raster.spikes()) {
                            (PreEscaped(plots::raster(raster)))
                            figcaption { "Trial " (raster.trial_id) ": " (raster.recorded.len()) " recorded and " (raster.predicted.len()) " predicted repeats, " (raster.spikes()) " spikes." }
                        }
                    }
                }
                @if !s.trials.is_empty() {
                    h2 { "Per test trial" }
                    table {
                        thead { tr { th { "Trial" } th { "Primary" } th { "Md*" } th { "Γ/R" } } }
                        tbody { @for t in &s.trials {
                            tr {
                                td { (t.trial_id) }
                                (cell(value(&t.metrics, "primary"), None))
                                (cell(value(&t.metrics, "md_star"), None))
                                (cell(value(&t.metrics, "gamma_over_r"), None))
                            }
                        } }
                    }
                }
            } @else {
                h2 { "Score" }
                p { "The challenge is open: a submission's score shown to everyone is what the Ladder released to the public board. Exact and private scores appear when the challenge closes." }
                (metric_table("Public part, as released", &s.scores))
            }
            @if let Some(a) = &s.audit {
                h2 { "Audit record" }
                dl {
                    dt { "Public dataset hash" } dd { code { (a.dataset_hash) } }
                    dt { "Trials hash" } dd { code { (a.trials_hash) } }
                    dt { "Challenge version" } dd { (a.challenge_version) }
                    dt { "Metrics" } dd { (a.metrics_version) ", scoring library " (a.scoring_library_version) }
                    dt { "Metric parameters" } dd { code { (a.params_json) } }
                    dt { "Seeds" } dd { @if r.closed() { code { (a.seeds_json) } } @else { "shown once the challenge closes" } }
                    dt { "Scored at" } dd { (a.scored_at) }
                }
            }
        }, false))
    }
}
