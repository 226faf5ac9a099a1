//! The web pages (`docs/web.md`): a real server with its HTTP side on a free loopback port,
//! read with raw HTTP requests (so a test can send any path, malicious ones included) and in
//! headless Chromium through chromedriver (WebDriver, fantoccini).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use arena_server::auth::Role;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::common::{Arena, fetched, get, get_with_head, write_predictions};

/// Submits `rate_hz` regular trains as `token`'s team; returns `arena submit --json`.
async fn submit(arena: &Arena, token: &str, id: &str, spec: &Value, rate_hz: f64) -> Value {
    let predictions = arena.path(&format!("p-{rate_hz}.json"));
    write_predictions(&predictions, spec, rate_hz, 2);
    arena
        .json(
            token,
            &[
                "submit",
                id,
                "--predictions",
                predictions.to_str().unwrap(),
                "--model",
                "<img src=x onerror=alert(1)> ñ→Ψ",
            ],
        )
        .await
}

/// The team names of the tests: markup, quotes and non-ASCII letters, and a spreadsheet formula.
const SCRIPT_TEAM: &str = "<script>alert(\"pwn\")</script> Ψ-team";
const FORMULA_TEAM: &str = "=HYPERLINK(\"http://x.invalid\",\"a,b\")";

/// Every public page of challenge `id` and submission `sub`: (path, status, body).
async fn every_page(addr: SocketAddr, id: &str, sub: &str) -> Vec<(String, u16, String)> {
    let mut pages = Vec::new();
    for path in [
        "/".to_string(),
        format!("/challenges/{id}"),
        format!("/challenges/{id}/board.json"),
        format!("/challenges/{id}/board.csv"),
        format!("/challenges/{id}/board.html"),
        format!("/submissions/{sub}"),
    ] {
        let (status, body) = get(addr, &path).await;
        pages.push((path, status, body));
    }
    pages
}

/// The headers of every response: a Content-Security-Policy that allows nothing but the page's
/// own script and stylesheet, each by the SHA-256 of its text as the page holds it (so an
/// injected `<script>` or inline handler would not run), `nosniff` and no referrer.
async fn security_headers(web: SocketAddr, path: &str) {
    use base64::prelude::{BASE64_STANDARD, Engine as _};
    use sha2::{Digest, Sha256};
    let (_, head, page) = get_with_head(web, path).await;
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    assert!(head.contains("referrer-policy: no-referrer"), "{head}");
    let policy = head
        .lines()
        .find_map(|l| l.strip_prefix("content-security-policy: "))
        .unwrap_or_else(|| panic!("{path}: no Content-Security-Policy in {head}"));
    assert!(policy.starts_with("default-src 'none';"), "{policy}");
    assert!(!policy.contains("unsafe"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    // The head was lowercased by `get_with_head`, so the hashes are compared lowercased.
    for (tag, directive) in [("script", "script-src"), ("style", "style-src")] {
        let Some((_, after)) = page.split_once(&format!("<{tag}>")) else {
            assert_eq!(tag, "script", "{path}: every page has its stylesheet");
            continue;
        };
        let text = after.split_once(&format!("</{tag}>")).unwrap().0;
        let hash = BASE64_STANDARD.encode(Sha256::digest(text.as_bytes()));
        let allowed = format!("{directive} 'sha256-{hash}'").to_ascii_lowercase();
        assert!(
            policy.contains(&allowed),
            "{path}: {allowed} not in {policy}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_pages_hide_private_scores_refuse_bad_ids_and_escape_names() {
    let arena = Arena::start(1).await;
    let web = arena.http.expect("the harness serves the web pages");
    let organizer = arena.token(Role::Organizer, "org").await;
    let scripted = arena.token(Role::Contestant, SCRIPT_TEAM).await;
    let formula = arena.token(Role::Contestant, FORMULA_TEAM).await;
    let id = &arena.challenge(&organizer, 5).await;
    let spec = fetched(&arena, &scripted, id).await;
    let first = submit(&arena, &scripted, id, &spec, 8.0).await;
    submit(&arena, &formula, id, &spec, 20.0).await;
    let sub = first["submission_id"].as_str().unwrap();

    // board.json is `arena leaderboard --json`, byte for byte.
    let cli = arena
        .arena(Some(&scripted), &["--json", "leaderboard", id])
        .await;
    assert!(cli.status.success());
    let (status, head, json) = get_with_head(web, &format!("/challenges/{id}/board.json")).await;
    assert_eq!(status, 200);
    assert!(head.contains("content-type: application/json"), "{head}");
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    assert_eq!(json.as_bytes(), cli.stdout.as_slice());
    security_headers(web, &format!("/challenges/{id}")).await;
    security_headers(web, "/challenges/no-such-challenge").await;

    // The secrets of the open challenge: each submission's private scores and exact public
    // primary (the Ladder shows it rounded). The organizer sees them.
    let board: Value = serde_json::from_str(&json).unwrap();
    let mut secrets = Vec::new();
    let mut shown = Vec::new();
    for row in board["rows"].as_array().unwrap() {
        let s = row["submission_id"].as_str().unwrap();
        let full = arena.json(&organizer, &["submission", "show", s]).await;
        for (k, v) in full["private_scores"].as_object().unwrap() {
            if let Some(x) = v.as_f64() {
                secrets.push((format!("private {k} of {s}"), x));
            }
        }
        for k in ["primary", "primary_ci_low", "primary_ci_high"] {
            secrets.push((
                format!("exact public {k} of {s}"),
                full["scores"][k].as_f64().unwrap(),
            ));
        }
        for k in ["primary", "md_star", "gamma_over_r"] {
            if let Some(x) = row[k].as_f64() {
                shown.push(x);
            }
        }
    }
    assert!(secrets.len() >= 4, "{secrets:?}");
    let pages = every_page(web, id, sub).await;
    for (path, status, body) in &pages {
        assert_eq!(*status, 200, "{path}: {body}");
        for (what, x) in &secrets {
            // The page writes 4 decimals, the JSON every digit; a secret that rounds to what
            // the board shows anyway is no leak. A secret whose every-digit form is short
            // ("0", "1", "0.5": a private Md* of 0 is common) is a substring of any page, so
            // only its four-decimal form is looked for (ARENA_TEST_SEED 1-3 drew such a 0).
            let exact = x.to_string();
            let mut forms = if exact.len() >= 6 {
                vec![exact]
            } else {
                vec![]
            };
            let four = format!("{x:.4}");
            // (Contained, not equal: a shown -0.0000 holds the text of a secret 0.0000.)
            if !shown.iter().any(|y| format!("{y:.4}").contains(&four)) {
                forms.push(four);
            }
            for form in forms {
                assert!(!body.contains(&form), "{path} shows the {what} ({form})");
            }
        }
        // HTML escapes names; JSON and CSV carry them as they are (served `nosniff`, so no
        // browser reads them as HTML).
        if !path.ends_with(".json") && !path.ends_with(".csv") {
            assert!(!body.contains("<script>alert"), "{path}: {body}");
            assert!(!body.contains("<img src=x"), "{path}: {body}");
        }
    }
    let page = &pages[1].2;
    assert!(
        page.contains("&lt;script&gt;alert(&quot;pwn&quot;)&lt;/script&gt; Ψ-team"),
        "{page}"
    );
    assert!(page.contains("ñ→Ψ"), "{page}");
    let report = &pages[5].2;
    assert!(
        !report.contains("Per test trial") && !report.contains("Private part"),
        "{report}"
    );
    assert!(
        report.contains("shown once the challenge closes"),
        "{report}"
    );
    // The recorded test responses are hidden data: no raster while open.
    assert!(!report.contains("class=\"raster\""), "{report}");
    // The CSV quotes what needs quoting and defuses the formula.
    let csv = &pages[3].2;
    assert!(csv.starts_with("rank,team,model,"), "{csv}");
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://x.invalid\"\",\"\"a,b\"\")\""),
        "{csv}"
    );
    assert_eq!(
        csv.lines().count(),
        1 + board["rows"].as_array().unwrap().len()
    );

    // Bad and missing ids: a clear 400 or 404, never a panic, and the server goes on.
    let long = "a".repeat(10_000);
    for (path, want, says) in [
        (
            "/challenges/no-such-challenge".to_string(),
            404,
            "does not exist",
        ),
        ("/challenges/..%2Fx".to_string(), 400, "not a valid id"),
        (
            "/challenges/%3Cscript%3E".to_string(),
            400,
            "not a valid id",
        ),
        (format!("/challenges/{long}"), 400, "not a valid id"),
        (format!("/submissions/{long}"), 400, "not a valid id"),
        (
            "/submissions/sub-0000000000000000".to_string(),
            404,
            "does not exist",
        ),
        (
            "/challenges/x/board.json".to_string(),
            404,
            "does not exist",
        ),
        ("/../../etc/passwd".to_string(), 404, "no page"),
        ("/nothing/here".to_string(), 404, "no page"),
    ] {
        let (status, body) = get(web, &path).await;
        assert_eq!(status, want, "{}: {body}", &path[..path.len().min(80)]);
        assert!(body.contains(says), "{body}");
        assert!(
            body.len() < 4000,
            "the error page does not echo the id: {}",
            body.len()
        );
    }
    assert_eq!(get(web, "/").await.0, 200);

    // Closed: the private board, exact and private scores and per-trial scores are public.
    arena.json(&organizer, &["challenge", "close", id]).await;
    let (_, json) = get(web, &format!("/challenges/{id}/board.json")).await;
    let cli = arena
        .arena(Some(&scripted), &["--json", "leaderboard", id])
        .await;
    assert_eq!(json.as_bytes(), cli.stdout.as_slice());
    assert!(json.contains("\"part\":\"private\""), "{json}");
    // The private board carries each primary's interval; rows whose intervals overlap share
    // a rank range ("1–2"), on the page as in any reading of board.json.
    let board: Value = serde_json::from_str(&json).unwrap();
    let rows = board["rows"].as_array().unwrap();
    let iv: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| {
            let (lo, hi) = (r["primary_ci_low"].as_f64(), r["primary_ci_high"].as_f64());
            let (lo, hi) = (lo.expect("an interval"), hi.expect("an interval"));
            assert!(lo <= hi, "{r}");
            (lo, hi)
        })
        .collect();
    let (_, page) = get(web, &format!("/challenges/{id}")).await;
    assert!(page.contains("95 % interval"), "{page}");
    let overlap = iv[0].0 <= iv[1].1 && iv[1].0 <= iv[0].1;
    let first_rank = if overlap { "1–2" } else { "1<" };
    assert!(
        page.contains(&format!("data-v=\"1\">{first_rank}")),
        "{overlap} {page}"
    );
    let (_, report) = get(web, &format!("/submissions/{sub}")).await;
    assert!(
        report.contains("Private part") && report.contains("Per test trial"),
        "{report}"
    );
    // Closed: the first test trials' rasters, recorded against predicted (2 test trials).
    assert_eq!(
        report.matches("<figure class=\"raster\"").count(),
        2,
        "{report}"
    );
    let full = arena.json(&organizer, &["submission", "show", sub]).await;
    let private = full["private_scores"]["primary"].as_f64().unwrap();
    assert!(report.contains(&format!("{private:.4}")), "{report}");
}

// ---- the browser

/// chromedriver, started on a free loopback port and ended when dropped.
struct Driver {
    _child: tokio::process::Child,
    url: String,
}

impl Driver {
    /// Starts `chromedriver`; fails with what to install when it or Chromium is missing (CI's
    /// `.ci/run` installs both: a browser test never skips silently).
    async fn start() -> Driver {
        for tool in ["chromedriver", "chromium"] {
            let found = std::process::Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .is_ok_and(|o| o.status.success());
            assert!(
                found,
                "{tool} is missing: the web test drives headless Chromium. Install it with \
                 `apt-get install -y chromium chromium-driver` (as .ci/run does)"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = tokio::process::Command::new("chromedriver")
            .args([&format!("--port={port}"), "--allowed-ips=127.0.0.1"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("starting chromedriver");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(mut s) = tokio::net::TcpStream::connect(addr).await {
                let _ = s.shutdown().await;
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Driver {
            _child: child,
            url: format!("http://{addr}"),
        }
    }

    /// A headless Chromium session with a profile of its own under `profile`.
    async fn session(&self, profile: &Path) -> Client {
        let mut caps = Capabilities::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display())]}),
        );
        caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a chromedriver session")
    }
}

/// chromedriver's log of the browser console since the last call (its `se/log` endpoint).
#[derive(Debug)]
struct ConsoleLog;

impl WebDriverCompatibleCommand for ConsoleLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}

/// The console's errors since the last call.
async fn console_errors(browser: &Client) -> Vec<Value> {
    let log = browser
        .issue_cmd(ConsoleLog)
        .await
        .expect("the console log");
    log.as_array()
        .unwrap_or_else(|| panic!("{log}"))
        .iter()
        .filter(|e| e["level"] == "SEVERE")
        .cloned()
        .collect()
}

/// Runs `script` (a function body) in the page and returns its value.
async fn eval(browser: &Client, script: &str) -> Value {
    browser.execute(script, vec![]).await.unwrap()
}

/// Where the screenshots go: the test's output folder (`CARGO_TARGET_TMPDIR/web`).
fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Opens `path`, checks what every page must have and saves a screenshot as `name`.png.
async fn visit(browser: &Client, web: SocketAddr, path: &str, name: &str) {
    assert_eq!(get(web, path).await.0, 200, "{path}");
    browser.goto(&format!("http://{web}{path}")).await.unwrap();
    let title = browser.title().await.unwrap();
    assert!(
        title.ends_with("· Spike Arena") && title.len() > 15,
        "{path}: {title:?}"
    );
    assert_eq!(
        eval(browser, "return document.documentElement.lang").await,
        "en"
    );
    let headers = eval(browser, "return document.querySelectorAll('th').length").await;
    assert!(
        headers.as_u64().unwrap() >= 3,
        "{path}: {headers} table headers"
    );
    let errors = console_errors(browser).await;
    assert!(errors.is_empty(), "{path}: console errors {errors:?}");
    // Bring the board (a challenge page) or the rasters (a closed report) into the picture.
    let scroll = "(document.getElementById('board') || document.querySelector('figure.raster'))\
                  ?.scrollIntoView(); return null";
    eval(browser, scroll).await;
    let png = browser.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{path}: not a PNG");
    let file = screenshots().join(format!("{name}.png"));
    std::fs::write(&file, png).unwrap();
    eprintln!("screenshot {}", file.display());
}

/// The submission ids of the board's rows, in the page's order.
async fn page_order(browser: &Client) -> Vec<String> {
    let rows = browser
        .find_all(Locator::Css("#leaderboard tbody tr"))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for r in rows {
        ids.push(r.attr("data-submission").await.unwrap().unwrap());
    }
    ids
}

/// The submission ids of `arena leaderboard --json`, in order.
async fn cli_order(arena: &Arena, token: &str, id: &str) -> Vec<String> {
    let board = arena.json(token, &["leaderboard", id]).await;
    board["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["submission_id"].as_str().unwrap().to_string())
        .collect()
}

/// Points in the history plot: drawn circles, and the number the caption states.
async fn plotted(browser: &Client) -> (u64, u64) {
    let circles = eval(
        browser,
        "return document.querySelectorAll('#board svg circle').length",
    )
    .await;
    let stated = eval(
        browser,
        "return +document.getElementById('history').dataset.points",
    )
    .await;
    (circles.as_u64().unwrap(), stated.as_u64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_in_headless_chromium_loads_orders_plots_and_updates_live() {
    let driver = Driver::start().await;
    let arena = Arena::start(1).await;
    let web = arena.http.unwrap();
    let organizer = arena.token(Role::Organizer, "org").await;
    let a = arena.token(Role::Contestant, "team-a").await;
    let b = arena.token(Role::Contestant, SCRIPT_TEAM).await;
    let c = arena.token(Role::Contestant, "team-c").await;
    let id = &arena.challenge(&organizer, 5).await;
    let spec = fetched(&arena, &a, id).await;
    let first = submit(&arena, &a, id, &spec, 8.0).await;
    submit(&arena, &b, id, &spec, 20.0).await;

    let profile = tempfile::tempdir().unwrap();
    let browser = driver.session(profile.path()).await;
    visit(&browser, web, "/", "challenges").await;
    visit(&browser, web, &format!("/challenges/{id}"), "board").await;
    assert_eq!(page_order(&browser).await, cli_order(&arena, &a, id).await);
    // Each team's first defined primary is one release of its Ladder: two points.
    assert_eq!(plotted(&browser).await, (2, 2));
    let team = eval(
        &browser,
        "return document.querySelector('#leaderboard').innerText",
    )
    .await;
    assert!(team.as_str().unwrap().contains(SCRIPT_TEAM), "{team}");
    assert_eq!(
        eval(
            &browser,
            "return document.querySelectorAll('script').length"
        )
        .await,
        1,
        "only the page's own script"
    );
    // What the browser shows of the open board holds no private primary (4 decimals, as the
    // page writes numbers) unless the board shows that very value anyway.
    let source = browser.source().await.unwrap();
    for row in arena.json(&organizer, &["leaderboard", id]).await["rows"]
        .as_array()
        .unwrap()
    {
        let sub = row["submission_id"].as_str().unwrap();
        let full = arena.json(&organizer, &["submission", "show", sub]).await;
        let private = format!("{:.4}", full["private_scores"]["primary"].as_f64().unwrap());
        let shown = format!("{:.4}", row["primary"].as_f64().unwrap());
        assert!(
            private == shown || !source.contains(&private),
            "{sub}: {private} on the page"
        );
    }

    // A third team submits: the board updates without a reload.
    eval(&browser, "window.__not_reloaded = 42; return null").await;
    submit(&arena, &c, id, &spec, 12.0).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while eval(
        &browser,
        "return document.querySelectorAll('#leaderboard tbody tr').length",
    )
    .await
        != 3
    {
        assert!(
            Instant::now() < deadline,
            "the board did not update within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(eval(&browser, "return window.__not_reloaded").await, 42);
    assert_eq!(page_order(&browser).await, cli_order(&arena, &a, id).await);
    assert_eq!(plotted(&browser).await, (3, 3));
    let errors = console_errors(&browser).await;
    assert!(
        errors.is_empty(),
        "console errors while updating: {errors:?}"
    );
    eval(
        &browser,
        "document.getElementById('board').scrollIntoView(); return null",
    )
    .await;
    let png = browser.screenshot().await.unwrap();
    std::fs::write(screenshots().join("board-updated.png"), png).unwrap();

    let sub = first["submission_id"].as_str().unwrap();
    visit(&browser, web, &format!("/submissions/{sub}"), "submission").await;
    arena.json(&organizer, &["challenge", "close", id]).await;
    visit(&browser, web, &format!("/challenges/{id}"), "board-closed").await;
    assert_eq!(page_order(&browser).await, cli_order(&arena, &a, id).await);
    visit(
        &browser,
        web,
        &format!("/submissions/{sub}"),
        "submission-closed",
    )
    .await;
    let rasters = eval(
        &browser,
        "return document.querySelectorAll('figure.raster svg').length",
    )
    .await;
    assert_eq!(rasters, 2, "one raster per test trial");
    browser.close().await.unwrap();
}
