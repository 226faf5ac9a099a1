//! `docs/cli.md`, generated from the clap definitions in [`crate::cli`], and the checks that keep
//! the docs honest about the command line.
//!
//! The page used to be written by hand beside the parser and drifted from it (JSON keys the code
//! printed and the page did not list, flags it named with the wrong spelling). Now the clap tree
//! is the only description: the page is rendered from it, a test fails when the committed page
//! differs, and another fails when README.md or any docs/*.md names an `arena` command or flag
//! the parser does not know. The module is compiled for tests only: nothing at run time needs it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::{Arg, Command, CommandFactory};

use crate::cli::Cli;

/// What the page says before the generated part: what no clap attribute holds.
const HEADER: &str = "# The `arena` command line

<!-- Generated from client/src/cli.rs: edit the clap definitions there, then regenerate with
`ARENA_BLESS=1 cargo test -p arena-client cli_docs`. -->

Every command takes `-h` (a summary) and `--help` (the whole help, with the shape of the command's
`--json` output); this page is that help for every command. Errors: exit code 1 and one line on
stderr, `arena: CODE: message` for server errors, e.g.
`arena: INVALID_ARGUMENT: predictions_json: trial \"test-01\", repeat 0: spike 3 is at 5.2 s, at or past the trial end (5 s)`.
Progress bars appear on stderr for transfers when stderr is a terminal.
";

/// What the page says after the commands.
const FOOTER: &str = "Rules the server enforces on submissions (daily limit, idempotency, the job queue) are in the [organizer guide](organizer-guide.md#rules-a-challenge-enforces).
";

/// Pages to read on a command (by its path below `arena`): links belong on the page, not in the
/// terminal help.
const SEE_ALSO: &[(&str, &str)] = &[
    (
        "challenges",
        "[`datasets/README.md`](../datasets/README.md#hashes) (the dataset hash)",
    ),
    (
        "fetch",
        "[`datasets/README.md`](../datasets/README.md#what-a-contestant-fetches), [file formats](file-formats.md)",
    ),
    (
        "submit",
        "[file formats](file-formats.md) (the predictions file)",
    ),
    ("run", "[live.md](live.md) (the line protocol)"),
    ("gauntlet", "[scoring.md](scoring.md#the-gaming-gauntlet)"),
    (
        "score",
        "[scoring.md](scoring.md#scoring-offline-arena-score)",
    ),
    ("simulate", "[simulator.md](simulator.md)"),
    ("audit bundle", "[audit.md](audit.md) (the bundle's format)"),
    ("audit verify", "[audit.md](audit.md)"),
    ("audit submission", "[audit.md](audit.md)"),
    (
        "demo",
        "[server.md](server.md#arena-demo-and-the-server-binary)",
    ),
    (
        "token list",
        "[organizer guide](organizer-guide.md#tokens-expiry-listing-revocation)",
    ),
    (
        "token revoke",
        "[organizer guide](organizer-guide.md#tokens-expiry-listing-revocation)",
    ),
    (
        "log",
        "[organizer guide](organizer-guide.md#the-organizer-log) (the hash chain, in Python too)",
    ),
];

/// The clap tree as the binary sees it: built, so global options and `--help` are on every
/// command and usage lines carry the full command path.
fn built_cli() -> Command {
    let mut cli = Cli::command();
    cli.build();
    cli
}

/// The repository root.
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `docs/cli.md`: the fixed header, the global options, then every command (depth first, in
/// definition order) with its about, usage, options, `--json` shape and links.
pub fn render() -> String {
    let cli = built_cli();
    let mut page =
        format!("{HEADER}\n## Global options\n\nAccepted before or after the subcommand.\n\n");
    for arg in cli.get_arguments().filter(|a| a.is_global_set()) {
        page += &option_line(arg);
    }
    page += "\n## Commands\n";
    for (path, cmd) in leaves(&cli, "") {
        render_command(&mut page, &path, cmd);
    }
    page + "\n" + FOOTER
}

/// The commands that do something (no subcommands of their own), each with its path below
/// `arena` (`challenge create`); clap's generated `help` subcommands are left out.
fn leaves<'a>(cmd: &'a Command, prefix: &str) -> Vec<(String, &'a Command)> {
    cmd.get_subcommands()
        .filter(|sub| sub.get_name() != "help")
        .flat_map(|sub| {
            let path = format!("{prefix}{}", sub.get_name());
            if sub.has_subcommands() {
                leaves(sub, &format!("{path} "))
            } else {
                vec![(path, sub)]
            }
        })
        .collect()
}

fn render_command(page: &mut String, path: &str, cmd: &Command) {
    let about = cmd
        .get_long_about()
        .or(cmd.get_about())
        .map(ToString::to_string)
        .unwrap_or_default();
    let mut sections = vec![
        format!("### `arena {path}`"),
        escape(&about),
        format!("```text\n{}\n```", cmd.clone().render_usage()),
    ];
    let options: String = cmd
        .get_arguments()
        .filter(|a| !a.is_global_set() && !a.is_hide_set() && !is_builtin(a))
        .map(option_line)
        .collect();
    if !options.is_empty() {
        sections.push(options.trim_end().to_string());
    }
    if let Some(shape) = cmd.get_after_long_help() {
        sections.push(format!("```text\n{}```", shape));
    }
    if let Some((_, links)) = SEE_ALSO.iter().find(|(p, _)| *p == path) {
        sections.push(format!("See also {links}."));
    }
    let _ = write!(page, "\n{}\n", sections.join("\n\n"));
}

/// `--help` and `--version`, which clap adds to every command and the header mentions once.
fn is_builtin(arg: &Arg) -> bool {
    matches!(arg.get_id().as_str(), "help" | "version")
}

/// One option or positional argument as a list item: its spelling, then required / default /
/// env / possible values, then its help.
fn option_line(arg: &Arg) -> String {
    let value = arg
        .get_value_names()
        .map(|names| {
            names
                .iter()
                .map(|n| format!("<{n}>"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| format!("<{}>", arg.get_id().as_str().to_uppercase()));
    let takes_values = arg.get_action().takes_values();
    let repeated = if matches!(arg.get_action(), clap::ArgAction::Append) {
        "..."
    } else {
        ""
    };
    let spelling = match arg.get_long() {
        None => format!("{value}{repeated}"),
        Some(long) if takes_values => format!("--{long} {value}{repeated}"),
        Some(long) => format!("--{long}"),
    };
    let mut facts = Vec::new();
    if arg.is_required_set() {
        facts.push("required".to_string());
    }
    let defaults: Vec<_> = arg
        .get_default_values()
        .iter()
        .map(|d| d.to_string_lossy())
        .collect();
    if takes_values && !defaults.is_empty() {
        facts.push(format!("default `{}`", defaults.join(" ")));
    }
    if let Some(env) = arg.get_env() {
        facts.push(format!("env `{}`", env.to_string_lossy()));
    }
    let possible: Vec<_> = arg
        .get_possible_values()
        .iter()
        .map(|p| format!("`{}`", p.get_name()))
        .collect();
    if takes_values && !possible.is_empty() {
        facts.push(format!("one of {}", possible.join(", ")));
    }
    let facts = if facts.is_empty() {
        String::new()
    } else {
        format!(" ({})", facts.join("; "))
    };
    let help = arg
        .get_long_help()
        .or(arg.get_help())
        .map(ToString::to_string)
        .unwrap_or_default();
    format!("- `{spelling}`{facts}: {}\n", escape(&help))
}

/// Help text as markdown: outside code spans, `<` would open an HTML tag and `*` emphasis.
fn escape(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                part.to_string()
            } else {
                part.replace('<', "\\<").replace('*', "\\*")
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

/// The code in a markdown text: each fenced block, and each inline code span (a span's line
/// breaks read as spaces).
fn code_fragments(markdown: &str) -> Vec<String> {
    let mut fragments = Vec::new();
    let mut prose = String::new();
    let mut block = String::new();
    let mut fence: Option<&str> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        match fence {
            Some(marker) if trimmed.starts_with(marker) => {
                fragments.push(std::mem::take(&mut block));
                fence = None;
            }
            Some(_) => {
                block += line;
                block.push('\n');
            }
            None if trimmed.starts_with("```") || trimmed.starts_with("~~~") => {
                fence = Some(&trimmed[..3]);
                fragments.extend(code_spans(&std::mem::take(&mut prose)));
            }
            None => {
                prose += line;
                prose.push('\n');
            }
        }
    }
    fragments.extend(code_spans(&prose));
    fragments
}

/// Inline code spans: a run of backticks up to the next run of the same length.
fn code_spans(text: &str) -> Vec<String> {
    let mut spans = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        let run = backtick_run(&rest[start..]);
        let body = &rest[start + run..];
        let mut at = 0;
        let close = loop {
            let Some(offset) = body[at..].find('`') else {
                break None;
            };
            let found = at + offset;
            let len = backtick_run(&body[found..]);
            if len == run {
                break Some(found);
            }
            at = found + len;
        };
        match close {
            Some(end) => {
                spans.push(body[..end].replace('\n', " "));
                rest = &body[end + run..];
            }
            // An unmatched run is literal text.
            None => rest = body,
        }
    }
    spans
}

/// How many backticks `text` starts with.
fn backtick_run(text: &str) -> usize {
    text.len() - text.trim_start_matches('`').len()
}

/// The `arena` command lines in a code fragment: continuation lines joined, shell comments cut,
/// `&&` and `;` chains split; a line counts when its first word is `arena` or a path to it
/// (`$S/arena`, `target/release/arena`), after an optional `$` prompt.
fn arena_commands(fragment: &str) -> Vec<String> {
    fragment
        .replace("\\\n", " ")
        .lines()
        .map(|line| line.split(" #").next().unwrap_or_default())
        .flat_map(|line| line.split("&&").flat_map(|part| part.split(';')))
        .map(|command| command.trim().trim_start_matches("$ ").to_string())
        .filter(|command| {
            command
                .split_whitespace()
                .next()
                .is_some_and(|first| first == "arena" || first.ends_with("/arena"))
        })
        .collect()
}

/// Checks one command line against the clap tree: each word up to the first that is not a
/// subcommand must name one, and each `--flag` must exist on the command reached so far (global
/// options included). The value after a flag that takes one is skipped.
fn check_command(cli: &Command, line: &str) -> Result<(), String> {
    let mut words = line.split_whitespace().skip(1);
    let mut cmd = cli;
    let mut path = String::from("arena");
    while let Some(word) = words.next() {
        if word == "--" {
            break;
        }
        if let Some(flag) = word.trim_start_matches(['[', '(']).strip_prefix("--") {
            let name: String = flag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            let arg = cmd
                .get_arguments()
                .find(|a| a.get_long() == Some(name.as_str()))
                .ok_or_else(|| format!("`{path}` has no option --{name}"))?;
            if arg.get_action().takes_values() && !flag.contains('=') {
                words.next();
            }
        } else if cmd.has_subcommands() && !word.starts_with('-') {
            let name = word.trim_end_matches([',', '.', ')', ':']);
            cmd = cmd
                .find_subcommand(name)
                .ok_or_else(|| format!("`{path}` has no subcommand {name:?}"))?;
            path = format!("{path} {name}");
        }
    }
    Ok(())
}

/// Every mismatch between the `arena` command lines of a markdown text and the clap tree, as
/// `FILE: `LINE`: what is wrong`.
fn mismatches(cli: &Command, file: &str, markdown: &str) -> Vec<String> {
    code_fragments(markdown)
        .iter()
        .flat_map(|fragment| arena_commands(fragment))
        .filter_map(|line| {
            check_command(cli, &line)
                .err()
                .map(|e| format!("{file}: `{line}`: {e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// clap's own consistency checks (conflicting names, bad `requires`, …), which a plain
    /// `arena --help` runs only in debug builds and only on the path parsed.
    #[test]
    fn clap_definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn committed_cli_docs_are_generated_from_the_clap_definitions() {
        let path = repo().join("docs/cli.md");
        let generated = render();
        if std::env::var_os("ARENA_BLESS").is_some() {
            std::fs::write(&path, &generated).expect("docs/cli.md is writable");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != generated {
            let (line, (old, new)) = committed
                .lines()
                .chain(std::iter::repeat("<end of file>"))
                .zip(generated.lines().chain(std::iter::repeat("<end of file>")))
                .enumerate()
                .find(|(_, (old, new))| old != new)
                .expect("the texts differ, so some line does");
            panic!(
                "docs/cli.md is not what client/src/cli.rs generates; regenerate it with \
                 `ARENA_BLESS=1 cargo test -p arena-client cli_docs`.\n\
                 First difference, line {}:\n  committed: {old}\n  generated: {new}",
                line + 1
            );
        }
    }

    #[test]
    fn every_command_shows_its_json_shape_in_long_help_only() {
        let cli = built_cli();
        for (path, cmd) in leaves(&cli, "") {
            let shape = cmd.get_after_long_help().map(ToString::to_string);
            assert!(
                shape.is_some_and(|s| s.starts_with("JSON (--json)")),
                "`arena {path} --help` does not state its --json shape"
            );
            assert!(
                cmd.get_after_help().is_none(),
                "`arena {path} -h` should stay short: the shape belongs in after_long_help"
            );
        }
    }

    #[test]
    fn see_also_names_existing_commands() {
        let cli = built_cli();
        let paths: Vec<String> = leaves(&cli, "").into_iter().map(|(p, _)| p).collect();
        for (path, _) in SEE_ALSO {
            assert!(
                paths.iter().any(|p| p == path),
                "SEE_ALSO names `arena {path}`"
            );
        }
    }

    #[test]
    fn docs_name_only_existing_commands_and_flags() {
        let cli = built_cli();
        let root = repo();
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
            .expect("docs/ is readable")
            .map(|entry| entry.expect("docs/ is readable").path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        files.sort();
        files.insert(0, root.join("README.md"));
        let mut wrong = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).expect("the docs are readable");
            let name = file
                .strip_prefix(&root)
                .unwrap_or(file)
                .display()
                .to_string();
            wrong.extend(mismatches(&cli, &name, &text));
        }
        assert!(
            wrong.is_empty(),
            "the docs name commands or options `arena` does not have:\n{}",
            wrong.join("\n")
        );
    }

    #[test]
    fn the_docs_check_finds_every_kind_of_mismatch() {
        let markdown = "Run `arena submit CHALLENGE --predictions FILE --modle NAME`, then
`arena leaderbord
CHALLENGE`.

```sh
$S/arena challenge create --manifest m.toml \\
    --hidden a.abf --hidden-seed 3    # fine, continued
arena --server http://x challenge close c --json && arena challenge delete c
cargo run --bin arena -- demo --no-such-flag
arena: INVALID_ARGUMENT: not a command line
```

`arena score --kernel=box [--vr-tau-ms 10]` and ``arena run --list-builtins`` are fine.
";
        assert_eq!(
            mismatches(&built_cli(), "x.md", markdown),
            [
                "x.md: `arena submit CHALLENGE --predictions FILE --modle NAME`: `arena submit` has no option --modle",
                "x.md: `arena leaderbord CHALLENGE`: `arena` has no subcommand \"leaderbord\"",
                "x.md: `arena challenge delete c`: `arena challenge` has no subcommand \"delete\"",
            ]
        );
    }
}
