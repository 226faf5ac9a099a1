//! Text that other people's terminals show: team, model and challenge names, and what a
//! printer writes of anything a server or another team sent.
//!
//! Why one module. A name is printed in every other team's `arena leaderboard`; a control
//! character in it (ESC starts a terminal command, a newline starts a forged row) would act
//! there. Names refuse them where they are made (the server, the manifest check), and printers
//! escape them on the way out ([`escape_controls`]) in case something older or foreign holds one.

use std::borrow::Cow;
use std::fmt::Write;

/// Why `name` is not a name of 1 to `max_chars` characters (Unicode scalar values, not bytes)
/// without control characters; `None` when it is one.
pub fn name_problem(name: &str, max_chars: usize) -> Option<String> {
    let chars = name.chars().count();
    if chars == 0 || chars > max_chars {
        return Some(format!("must be 1 to {max_chars} characters, got {chars}"));
    }
    name.chars()
        .enumerate()
        .find(|(_, c)| c.is_control())
        .map(|(i, c)| {
            format!(
                "holds the control character U+{:04X} at character {i}; names are shown in other \
             people's terminals and may hold none",
                u32::from(c)
            )
        })
}

/// `text` with every control character (C0 including ESC, CR, newline and tab, DEL, C1) written
/// as its Rust escape (`\u{1b}`, `\n`), so that printing it cannot move the cursor, clear the
/// screen or start a line.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            let _ = write!(out, "{}", c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` cut to at most `max_chars` characters, saying how many were left out: a message
/// that quotes a client's input (a parser's error echoes the offending line) stays readable
/// and within the transport's header limit.
pub fn bounded(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => {
            let left_out = text[cut..].chars().count();
            Cow::Owned(format!("{}… ({left_out} more characters)", &text[..cut]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_counted_in_characters_and_refuse_control_characters() {
        assert_eq!(name_problem("Équipe ünïcødé", 14), None);
        assert_eq!(name_problem(&"é".repeat(100), 100), None, "200 bytes");
        assert_eq!(
            name_problem(&"é".repeat(101), 100).unwrap(),
            "must be 1 to 100 characters, got 101"
        );
        assert!(name_problem("", 100).is_some());
        let forged = name_problem("model\u{1b}[2J", 100).unwrap();
        assert!(forged.starts_with("holds the control character U+001B at character 5"));
        assert!(name_problem("a\nb", 100).unwrap().contains("U+000A"));
        assert!(
            name_problem("a\u{9b}b", 100).unwrap().contains("U+009B"),
            "C1 CSI"
        );
    }

    #[test]
    fn printed_text_holds_no_control_character() {
        let shown = escape_controls("m\u{1b}[2J\nrow\t\u{7f}\u{9b}é");
        assert_eq!(shown, "m\\u{1b}[2J\\nrow\\t\\u{7f}\\u{9b}é");
        assert!(!shown.chars().any(char::is_control));
        assert!(matches!(escape_controls("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary() {
        assert_eq!(bounded("short", 10), "short");
        assert_eq!(bounded("ééééé", 2), "éé… (3 more characters)");
        assert!(bounded(&"x".repeat(300_000), 1000).chars().count() < 1030);
    }
}
