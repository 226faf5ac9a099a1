//! The challenge crates import one way (issue 17): no cycle among the modules of
//! `arena-challenge-core` nor among the units of `arena-challenge`, and each family folder
//! depends on nothing in `arena-challenge` but itself.
//!
//! Why a test. Between crates Cargo enforces the direction: `arena-challenge-core` cannot name
//! a family or the scoring policy, since `arena-challenge` depends on it and Cargo refuses a
//! dependency cycle. Inside a crate nothing does, and import circles are what made the old
//! stage-first layout hard to change (`generate.rs` ↔ `baselines.rs`, `manifest.rs` ↔
//! `dendritic/`). The units here are the top-level modules, except that every folder under
//! `src/families/` is a unit of its own: adding a family is one such folder
//! (`docs/adding-a-family.md`).

mod source;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use source::{ModulePath, crate_references};

/// Which units name which: unit → unit it names → where it first does (`file:line`).
type Graph = BTreeMap<String, BTreeMap<String, String>>;

/// The module of `arena-challenge` that holds one folder per family.
const FAMILIES: &str = "families";

fn challenge_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn core_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("core/src")
}

/// The family folders under `src/families/` of `arena-challenge`.
fn family_folders() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(challenge_src().join(FAMILIES))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// The unit graph of the crate whose sources are in `src`: a module path's unit is its
/// top-level module, or `families/<folder>` for a path inside one of `families`.
fn unit_graph(src: &Path, families: &[String]) -> Graph {
    let (modules, references) = crate_references(src);
    let unit = |path: &ModulePath| -> Option<String> {
        let first = path.first()?;
        if !modules.contains(std::slice::from_ref(first)) {
            return None; // an item of the crate root
        }
        match path.get(1) {
            Some(folder) if first == FAMILIES && families.contains(folder) => {
                Some(format!("{FAMILIES}/{folder}"))
            }
            _ => Some(first.clone()),
        }
    };
    let mut graph = Graph::new();
    for r in &references {
        if let (Some(from), Some(to)) = (unit(&r.from), unit(&r.to))
            && from != to
        {
            graph
                .entry(from)
                .or_default()
                .entry(to)
                .or_insert(r.at.clone());
        }
    }
    graph
}

/// A cycle of `graph`, each step with where it is written, if there is one.
fn cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        graph: &Graph,
        unit: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|u| u == unit) {
            let mut cycle = path[start..].to_vec();
            cycle.push(unit.to_string());
            let steps = cycle
                .windows(2)
                .map(|w| format!("{} → {} ({})", w[0], w[1], graph[&w[0]][&w[1]]))
                .collect();
            return Some(steps);
        }
        if !done.insert(unit.to_string()) {
            return None;
        }
        path.push(unit.to_string());
        for next in graph.get(unit).into_iter().flat_map(BTreeMap::keys) {
            if let Some(found) = visit(graph, next, path, done) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|unit| visit(graph, unit, &mut Vec::new(), &mut done))
}

#[test]
fn the_core_modules_import_each_other_one_way() {
    let graph = unit_graph(&core_src(), &[]);
    assert!(
        graph
            .get("assembly")
            .is_some_and(|to| to.contains_key("trial")),
        "the reader found the core's imports: {graph:#?}"
    );
    if let Some(steps) = cycle(&graph) {
        panic!(
            "import cycle in arena-challenge-core:\n{}",
            steps.join("\n")
        );
    }
}

#[test]
fn the_challenge_units_import_each_other_one_way() {
    let graph = unit_graph(&challenge_src(), &family_folders());
    if let Some(steps) = cycle(&graph) {
        panic!("import cycle in arena-challenge:\n{}", steps.join("\n"));
    }
}

#[test]
fn the_dispatch_reaches_every_family_folder() {
    let families = family_folders();
    assert!(families.len() >= 3, "family folders: {families:?}");
    let graph = unit_graph(&challenge_src(), &families);
    let reached = graph.get(FAMILIES).cloned().unwrap_or_default();
    for family in &families {
        assert!(
            reached.contains_key(&format!("{FAMILIES}/{family}")),
            "src/{FAMILIES}/mod.rs does not dispatch to {family}: {reached:#?}"
        );
    }
}

#[test]
fn a_family_imports_nothing_of_the_crate_but_itself() {
    let families = family_folders();
    let graph = unit_graph(&challenge_src(), &families);
    for family in &families {
        let unit = format!("{FAMILIES}/{family}");
        if let Some(imports) = graph.get(&unit) {
            panic!(
                "{unit} imports other units of arena-challenge (only the core is allowed): {imports:#?}"
            );
        }
    }
}

#[test]
fn the_cycle_search_finds_a_circle_and_only_a_circle() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g = Graph::new();
        for (from, to) in edges {
            g.entry(from.to_string())
                .or_default()
                .insert(to.to_string(), format!("src/{from}.rs:1"));
        }
        g
    };
    let diamond = graph(&[("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]);
    assert_eq!(cycle(&diamond), None);
    let circle = graph(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]);
    assert_eq!(
        cycle(&circle).unwrap(),
        [
            "a → b (src/a.rs:1)",
            "b → c (src/b.rs:1)",
            "c → a (src/c.rs:1)"
        ]
    );
}
