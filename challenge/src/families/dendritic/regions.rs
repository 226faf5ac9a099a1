//! Dendritic regions and path distances of a cell's sections.
//!
//! Synapse densities, cluster eligibility and the space-scattered control are defined per
//! region — basal, apical oblique, apical trunk, apical tuft — because these regions differ in
//! their electrotonic distance from the soma and in their capacity for local NMDA spikes
//! (Major, Larkum & Schiller 2013, Annu Rev Neurosci 36:1). A branch is one unbranched section.
//!
//! [`classify_by_name`] derives regions from NEURON's usual section names (`soma`, `axon[i]`,
//! `dend[i]` for basal dendrites, `apic[i]` for apical ones; `basal…` and `apical…` are accepted
//! too) and the apical subdivision from the topology:
//! * the **trunk** starts at each apical section whose parent is not apical and continues, at
//!   every branch point, into the child that carries the largest total dendritic length
//!   (the section plus all its descendants), as long as that child carries at least
//!   [`TRUNK_DOMINANCE`] times the length of the next largest child;
//! * where two children are comparable (no child dominates) the trunk has reached its main
//!   bifurcation: every section distal to it is **tuft**;
//! * apical sections that leave the trunk before that point, and their descendants, are
//!   **obliques**.
//!
//! A cell with other naming conventions supplies its own region per section to
//! [`DendriteGeometry::new`].

use super::DendriticError;
use arena_neuron::cable::CellSpec;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A child continues the apical trunk if its subtree length is at least this multiple of the
/// next largest child's (a side branch carrying half the length of the continuation or more
/// makes the branch point the main bifurcation).
pub const TRUNK_DOMINANCE: f64 = 2.0;

/// The region of a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    /// The soma.
    Soma,
    /// Axon (initial segment, hillock, myelin, nodes).
    Axon,
    /// Basal dendrites.
    Basal,
    /// Apical oblique branches (side branches of the trunk and their descendants).
    Oblique,
    /// Apical trunk up to its main bifurcation.
    Trunk,
    /// Apical tuft (distal to the main bifurcation).
    Tuft,
}

impl Region {
    /// True for the four dendritic regions.
    pub fn is_dendritic(self) -> bool {
        !matches!(self, Region::Soma | Region::Axon)
    }

    /// The lowercase name used in recipes and tables.
    pub fn name(self) -> &'static str {
        match self {
            Region::Soma => "soma",
            Region::Axon => "axon",
            Region::Basal => "basal",
            Region::Oblique => "oblique",
            Region::Trunk => "trunk",
            Region::Tuft => "tuft",
        }
    }
}

/// The kind of section a name announces, before the apical subdivision.
enum NamedKind {
    Soma,
    Axon,
    Basal,
    Apical,
}

fn named_kind(name: &str) -> Option<NamedKind> {
    let stem: String = name
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_lowercase();
    match stem.as_str() {
        "soma" => Some(NamedKind::Soma),
        "axon" | "ais" | "hillock" | "myelin" | "node" => Some(NamedKind::Axon),
        "dend" | "basal" => Some(NamedKind::Basal),
        "apic" | "apical" => Some(NamedKind::Apical),
        _ => None,
    }
}

/// Regions of `spec.sections`, in the same order, from section names and the apical
/// topology (see the module docs).
///
/// # Errors
/// [`DendriticError::UnclassifiedSection`] for a name with none of the known stems.
pub fn classify_by_name(spec: &CellSpec) -> Result<Vec<Region>, DendriticError> {
    let tree = Topology::new(spec)?;
    let mut regions = Vec::with_capacity(spec.sections.len());
    let mut apical = vec![false; spec.sections.len()];
    for (i, s) in spec.sections.iter().enumerate() {
        let kind = named_kind(&s.name)
            .ok_or_else(|| DendriticError::UnclassifiedSection(s.name.clone()))?;
        regions.push(match kind {
            NamedKind::Soma => Region::Soma,
            NamedKind::Axon => Region::Axon,
            NamedKind::Basal => Region::Basal,
            NamedKind::Apical => {
                apical[i] = true;
                Region::Oblique
            }
        });
    }
    // Subtree lengths, children before parents (reverse of a parents-first order).
    let mut subtree: Vec<f64> = spec.sections.iter().map(|s| s.length).collect();
    for &i in tree.order.iter().rev() {
        if let Some(p) = tree.parent[i] {
            subtree[p] += subtree[i];
        }
    }
    let roots = (0..spec.sections.len())
        .filter(|&i| apical[i] && !tree.parent[i].is_some_and(|p| apical[p]));
    for root in roots.collect::<Vec<_>>() {
        let mut current = root;
        loop {
            regions[current] = Region::Trunk;
            let mut kids: Vec<usize> = tree.children[current]
                .iter()
                .copied()
                .filter(|&c| apical[c])
                .collect();
            kids.sort_by(|&a, &b| subtree[b].total_cmp(&subtree[a]));
            match kids.as_slice() {
                [] => break,
                [only] => current = *only,
                [first, second, ..] if subtree[*first] >= TRUNK_DOMINANCE * subtree[*second] => {
                    current = *first
                }
                _ => {
                    // Main bifurcation: everything below is tuft.
                    let mut stack = kids;
                    while let Some(s) = stack.pop() {
                        regions[s] = Region::Tuft;
                        stack.extend(tree.children[s].iter().copied().filter(|&c| apical[c]));
                    }
                    break;
                }
            }
        }
    }
    Ok(regions)
}

/// Parent/child relations of the sections of a spec.
struct Topology {
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    /// Sections in an order where every parent precedes its children.
    order: Vec<usize>,
}

impl Topology {
    fn new(spec: &CellSpec) -> Result<Self, DendriticError> {
        let index: BTreeMap<&str, usize> = spec
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.as_str(), i))
            .collect();
        let n = spec.sections.len();
        let mut parent = vec![None; n];
        let mut children = vec![Vec::new(); n];
        for (i, s) in spec.sections.iter().enumerate() {
            if let Some(p) = &s.parent {
                let p = *index.get(p.as_str()).ok_or_else(|| {
                    DendriticError::Cell(format!("section {} has unknown parent {p}", s.name))
                })?;
                parent[i] = Some(p);
                children[p].push(i);
            }
        }
        let mut order: Vec<usize> = (0..n).filter(|&i| parent[i].is_none()).collect();
        let mut k = 0;
        while k < order.len() {
            order.extend(children[order[k]].iter().copied());
            k += 1;
        }
        if order.len() != n {
            return Err(DendriticError::Cell(
                "the sections do not form one tree".into(),
            ));
        }
        Ok(Topology {
            parent,
            children,
            order,
        })
    }
}

/// One section as the synapse table sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionInfo {
    /// Section name.
    pub name: String,
    /// Region.
    pub region: Region,
    /// Length, µm.
    pub length_um: f64,
    /// Path distance from soma(0.5) to this section's x = 0 end, µm.
    pub start_distance_um: f64,
    /// True for the root section (its distances are |x − 0.5|·L).
    pub is_root: bool,
}

impl SectionInfo {
    /// Path distance from soma(0.5) to `x` ∈ [0, 1] on this section, µm: NEURON's
    /// `h.distance(soma(0.5), sec(x))` with the root section as the soma.
    pub fn distance_um(&self, x: f64) -> f64 {
        if self.is_root {
            (x - 0.5).abs() * self.length_um
        } else {
            self.start_distance_um + x * self.length_um
        }
    }
}

/// Sections with their regions and path distances from the soma.
#[derive(Debug, Clone, PartialEq)]
pub struct DendriteGeometry {
    /// One entry per section of the spec, in the spec's order; the index is the branch id.
    pub sections: Vec<SectionInfo>,
}

impl DendriteGeometry {
    /// Builds the geometry from `spec` with one region per section (e.g. from
    /// [`classify_by_name`]).
    ///
    /// # Errors
    /// [`DendriticError::Cell`] if `regions` has the wrong length, the tree is malformed, or the
    /// root section is not the soma.
    pub fn new(spec: &CellSpec, regions: Vec<Region>) -> Result<Self, DendriticError> {
        if regions.len() != spec.sections.len() {
            return Err(DendriticError::Cell(format!(
                "{} regions given for {} sections",
                regions.len(),
                spec.sections.len()
            )));
        }
        let tree = Topology::new(spec)?;
        let mut sections: Vec<SectionInfo> = spec
            .sections
            .iter()
            .zip(&regions)
            .map(|(s, &region)| SectionInfo {
                name: s.name.clone(),
                region,
                length_um: s.length,
                start_distance_um: 0.0,
                is_root: s.parent.is_none(),
            })
            .collect();
        for &i in &tree.order {
            match tree.parent[i] {
                None if regions[i] != Region::Soma => {
                    return Err(DendriticError::Cell(format!(
                        "the root section {} must be the soma (its region is {})",
                        sections[i].name,
                        regions[i].name()
                    )));
                }
                None => {}
                Some(p) => {
                    let x = spec.sections[i].parent_x.unwrap_or(1.0);
                    sections[i].start_distance_um = sections[p].distance_um(x);
                }
            }
        }
        Ok(DendriteGeometry { sections })
    }

    /// Index of the soma (root) section.
    pub fn soma(&self) -> usize {
        self.sections
            .iter()
            .position(|s| s.is_root)
            .expect("a geometry has one root")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// soma (L 20) with: axon at soma(0); dend[0] (L 100) at soma(0.5) with dend[1] (L 50);
    /// apic[0] (L 100) at soma(1) carrying apic[1] (L 30, at 0.5) and apic[2] (L 100, at 1),
    /// which bifurcates into apic[3] and apic[4] (L 80 each).
    pub(crate) fn small_cell() -> CellSpec {
        let sec = |name: &str, parent: Option<&str>, x: Option<f64>, l: f64| {
            serde_json::json!({"name": name, "parent": parent, "parent_x": x, "L": l, "diam": 1.0,
                               "mechanisms": {"pas": {}}})
        };
        serde_json::from_value(serde_json::json!({"sections": [
            sec("soma", None, None, 20.0),
            sec("axon", Some("soma"), Some(0.0), 200.0),
            sec("dend[0]", Some("soma"), Some(0.5), 100.0),
            sec("dend[1]", Some("dend[0]"), None, 50.0),
            sec("apic[0]", Some("soma"), Some(1.0), 100.0),
            sec("apic[1]", Some("apic[0]"), Some(0.5), 30.0),
            sec("apic[2]", Some("apic[0]"), Some(1.0), 100.0),
            sec("apic[3]", Some("apic[2]"), None, 80.0),
            sec("apic[4]", Some("apic[2]"), None, 80.0),
        ]}))
        .unwrap()
    }

    #[test]
    fn regions_of_the_small_cell() {
        use Region::*;
        // apic[0]'s children carry 30 (apic[1]) and 100 + 80 + 80 = 260 (apic[2]) µm:
        // 260 ≥ 2·30, so the trunk continues into apic[2] and apic[1] is an oblique; apic[2]'s
        // children carry 80 and 80: the main bifurcation, both are tuft.
        assert_eq!(
            classify_by_name(&small_cell()).unwrap(),
            vec![Soma, Axon, Basal, Basal, Trunk, Oblique, Trunk, Tuft, Tuft]
        );
    }

    #[test]
    fn path_distances_from_the_soma_centre() {
        let spec = small_cell();
        let g = DendriteGeometry::new(&spec, classify_by_name(&spec).unwrap()).unwrap();
        let d = |i: usize, x: f64| g.sections[i].distance_um(x);
        assert_eq!(d(0, 0.0), 10.0); // soma(0): half the soma
        assert_eq!(d(1, 0.5), 10.0 + 100.0); // axon at soma(0): 10 + 0.5·200
        assert_eq!(d(2, 0.25), 25.0); // dend[0] at soma(0.5): 0 + 0.25·100
        assert_eq!(d(3, 1.0), 150.0); // dend[1]: 100 + 50
        assert_eq!(d(5, 1.0), 10.0 + 50.0 + 30.0); // apic[1] at apic[0](0.5)
        assert_eq!(d(7, 0.5), 10.0 + 100.0 + 100.0 + 40.0);
        assert_eq!(g.soma(), 0);
    }

    #[test]
    fn unknown_names_and_wrong_region_counts_are_errors() {
        let mut spec = small_cell();
        spec.sections[2].name = "spine0".into();
        spec.sections[3].parent = Some("spine0".into());
        let e = classify_by_name(&spec).unwrap_err();
        assert!(e.to_string().starts_with("section \"spine0\""), "{e}");
        let e = DendriteGeometry::new(&small_cell(), vec![Region::Soma]).unwrap_err();
        assert_eq!(e.to_string(), "cell: 1 regions given for 9 sections");
    }
}
