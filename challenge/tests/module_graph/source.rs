//! The module paths a crate's source names, read from its `src/**/*.rs` without a compiler.
//!
//! Why a reader of our own. The direction of the imports inside a crate is not something Cargo
//! checks, and the dev-dependencies hold no Rust parser; the few forms this workspace writes
//! (`use` trees with braces, globs and `as`, inline paths such as `crate::a::f()` or
//! `child::f()`, inline `mod tests { … }`) are read here after comments, strings and character
//! literals are dropped, so a path quoted in a doc comment or a message is not an import.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A module path inside a crate, from its root: `["families", "dendritic", "models"]`.
pub type ModulePath = Vec<String>;

/// One path the source names, resolved from the crate root.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The module whose source names it.
    pub from: ModulePath,
    /// The path named, from the crate root (a module, or an item inside one).
    pub to: ModulePath,
    /// Where: `file:line`.
    pub at: String,
}

/// The crate whose `src` folder is `src`: every module it declares and every path its source
/// names that resolves inside it (paths into other crates are left out).
pub fn crate_references(src: &Path) -> (BTreeSet<ModulePath>, Vec<Reference>) {
    let files: Vec<(PathBuf, ModulePath, Vec<Lexed>)> = rust_files(src)
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).unwrap();
            let module = file_module(src, &file);
            (file, module, lex(&text))
        })
        .collect();
    let mut modules: BTreeSet<ModulePath> = files.iter().map(|(_, m, _)| m.clone()).collect();
    for (_, module, tokens) in &files {
        walk(module, tokens, |_, _, _| {}, &mut |inline| {
            modules.insert(inline);
        });
    }
    let mut references = Vec::new();
    for (file, module, tokens) in &files {
        let name = file.strip_prefix(src).unwrap().display().to_string();
        walk(
            module,
            tokens,
            |from, path, line| {
                if let Some(to) = resolve(&modules, from, path) {
                    references.push(Reference {
                        from: from.to_vec(),
                        to,
                        at: format!("src/{name}:{line}"),
                    });
                }
            },
            &mut |_| {},
        );
    }
    (modules, references)
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The module a file holds: `lib.rs` the root, `a/mod.rs` and `a.rs` module `a`, `a/b.rs`
/// module `a::b`.
fn file_module(src: &Path, file: &Path) -> ModulePath {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut module: ModulePath = relative
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
        module.pop();
    }
    module
}

/// A path as written, resolved from the crate root: `crate::…`, `super::…`, `self::…`, or a path
/// whose first segment is a child module of `from` (Rust 2018 paths); `None` for anything else
/// (another crate, a local item, a type's associated item).
fn resolve(modules: &BTreeSet<ModulePath>, from: &[String], path: &[String]) -> Option<ModulePath> {
    let (first, rest) = path.split_first()?;
    match first.as_str() {
        "crate" => Some(rest.to_vec()),
        "self" => Some([from, rest].concat()),
        "super" => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            let base = from.get(..from.len().checked_sub(ups)?)?;
            Some([base, &path[ups..]].concat())
        }
        _ => {
            let child = [from, std::slice::from_ref(first)].concat();
            modules.contains(&child).then(|| [from, path].concat())
        }
    }
}

/// A token of Rust source, as much as path reading needs.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// An identifier or keyword.
    Ident(String),
    /// `::`.
    PathSep,
    /// Any other punctuation character.
    Punct(char),
}

/// A token and its line number.
type Lexed = (Token, usize);

/// Tokens of `text` with their line numbers; comments, string, character and number literals
/// and lifetimes are dropped.
fn lex(text: &str) -> Vec<Lexed> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let skip_to = |i: &mut usize, end: usize, line: &mut usize| {
        *line += chars[*i..end.min(chars.len())]
            .iter()
            .filter(|c| **c == '\n')
            .count();
        *i = end;
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            let end = (i..chars.len())
                .find(|&j| chars[j] == '\n')
                .unwrap_or(chars.len());
            skip_to(&mut i, end, &mut line);
        } else if c == '/' && next == Some('*') {
            let end = block_comment_end(&chars, i);
            skip_to(&mut i, end, &mut line);
        } else if c == '"' {
            let end = string_end(&chars, i + 1, None);
            skip_to(&mut i, end, &mut line);
        } else if c == '\'' {
            match (next, chars.get(i + 2)) {
                (Some('\\'), _) => {
                    let end = (i + 3..chars.len()).find(|&j| chars[j] == '\'').unwrap() + 1;
                    skip_to(&mut i, end, &mut line);
                }
                (Some(_), Some('\'')) => i += 3,
                _ => i += 1, // a lifetime: its name is lexed as an identifier
            }
        } else if c.is_alphabetic() || c == '_' {
            let end = (i..chars.len())
                .find(|&j| !(chars[j].is_alphanumeric() || chars[j] == '_'))
                .unwrap_or(chars.len());
            let word: String = chars[i..end].iter().collect();
            let hashes = (end..chars.len()).take_while(|&j| chars[j] == '#').count();
            let raw_string =
                matches!(word.as_str(), "r" | "br") && chars.get(end + hashes) == Some(&'"');
            if raw_string {
                let close = string_end(&chars, end + hashes + 1, Some(hashes));
                skip_to(&mut i, close, &mut line);
            } else if word == "b" && matches!(chars.get(end), Some('"' | '\'')) {
                i = end; // a byte string or byte: the quote is read next
            } else {
                out.push((Token::Ident(word), line));
                i = end;
            }
        } else if c.is_ascii_digit() {
            i = (i..chars.len())
                .find(|&j| !(chars[j].is_alphanumeric() || chars[j] == '_'))
                .unwrap_or(chars.len());
        } else if c == ':' && next == Some(':') {
            out.push((Token::PathSep, line));
            i += 2;
        } else {
            if c == '\n' {
                line += 1;
            } else if !c.is_whitespace() {
                out.push((Token::Punct(c), line));
            }
            i += 1;
        }
    }
    out
}

/// The index after the block comment opening at `start` (block comments nest).
fn block_comment_end(chars: &[char], start: usize) -> usize {
    let (mut depth, mut j) = (0, start);
    while j + 1 < chars.len() {
        match (chars[j], chars[j + 1]) {
            ('/', '*') => (depth, j) = (depth + 1, j + 2),
            ('*', '/') if depth == 1 => return j + 2,
            ('*', '/') => (depth, j) = (depth - 1, j + 2),
            _ => j += 1,
        }
    }
    chars.len()
}

/// The index after the closing quote of a string whose contents start at `start`: for a raw
/// string with `raw` hashes, a `"` followed by as many `#`; otherwise an unescaped `"`.
fn string_end(chars: &[char], start: usize, raw: Option<usize>) -> usize {
    let hashes = raw.unwrap_or(0);
    let mut j = start;
    while j < chars.len() {
        match chars[j] {
            '\\' if raw.is_none() => j += 2,
            '"' if (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) => return j + 1 + hashes,
            _ => j += 1,
        }
    }
    chars.len()
}

/// Walks the tokens of the file holding `module`: calls `named` with the module in scope, each
/// path named (every path of a `use` tree, every inline path of two segments or more) and its
/// line, and `inline` with each inline module (`mod name { … }`).
fn walk(
    module: &[String],
    tokens: &[Lexed],
    mut named: impl FnMut(&[String], &[String], usize),
    inline: &mut impl FnMut(ModulePath),
) {
    let ident = |k: usize| match tokens.get(k) {
        Some((Token::Ident(s), _)) => Some(s.as_str()),
        _ => None,
    };
    // The module in scope, and the brace depth at which each inline module closes.
    let mut scope: ModulePath = module.to_vec();
    let mut closes: Vec<usize> = Vec::new();
    let mut depth = 0;
    let mut k = 0;
    while k < tokens.len() {
        let (token, line) = &tokens[k];
        match token {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => {
                depth -= 1;
                if closes.last() == Some(&depth) {
                    closes.pop();
                    scope.pop();
                }
            }
            Token::Ident(word)
                if word == "mod" && tokens.get(k + 2).map(|t| &t.0) == Some(&Token::Punct('{')) =>
            {
                let name = ident(k + 1).unwrap().to_string();
                scope.push(name);
                inline(scope.clone());
                closes.push(depth);
                depth += 1;
                k += 3;
                continue;
            }
            Token::Ident(word) if word == "use" => {
                let end = (k..tokens.len())
                    .find(|&j| tokens[j].0 == Token::Punct(';'))
                    .unwrap();
                for path in use_tree(&tokens[k + 1..end], &[]) {
                    named(&scope, &path, *line);
                }
                k = end + 1;
                continue;
            }
            Token::Ident(first) if k == 0 || tokens[k - 1].0 != Token::PathSep => {
                let mut path = vec![first.clone()];
                let mut j = k + 1;
                while tokens.get(j).map(|t| &t.0) == Some(&Token::PathSep) {
                    match ident(j + 1) {
                        Some(segment) => path.push(segment.to_string()),
                        None => break,
                    }
                    j += 2;
                }
                if path.len() > 1 {
                    named(&scope, &path, *line);
                }
                k = j;
                continue;
            }
            _ => {}
        }
        k += 1;
    }
}

/// The paths of a `use` tree (the tokens between `use` and `;`), each prefixed by `prefix`:
/// `a::{b, c::d as e, self}` gives `a::b`, `a::c::d` and `a`; a glob gives its prefix.
fn use_tree(tokens: &[Lexed], prefix: &[String]) -> Vec<ModulePath> {
    let mut path = prefix.to_vec();
    let mut k = 0;
    while k < tokens.len() {
        match &tokens[k].0 {
            Token::Ident(word) if word == "as" => break,
            Token::Ident(word) if word == "self" && !path.is_empty() => {}
            Token::Ident(word) => path.push(word.clone()),
            Token::PathSep | Token::Punct('*') => {}
            Token::Punct('{') => return braces(&tokens[k + 1..], &path),
            Token::Punct(_) => {}
        }
        k += 1;
    }
    vec![path]
}

/// The paths of the comma-separated trees inside the braces opening before `tokens`.
fn braces(tokens: &[Lexed], prefix: &[String]) -> Vec<ModulePath> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (k, (token, _)) in tokens.iter().enumerate() {
        match token {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') if depth == 0 => {
                if start < k {
                    out.extend(use_tree(&tokens[start..k], prefix));
                }
                break;
            }
            Token::Punct('}') => depth -= 1,
            Token::Punct(',') if depth == 0 => {
                if start < k {
                    out.extend(use_tree(&tokens[start..k], prefix));
                }
                start = k + 1;
            }
            _ => {}
        }
    }
    out
}
