//! Morphology as NEURON discretises it (Hines & Carnevale 1997, Neural Comput 9:1179; "The NEURON
//! Book", Carnevale & Hines 2006, ch. 5).
//!
//! A section is a cylinder of length `L` and diameter `diam` cut into `nseg` equal segments.
//! NEURON places one node at the centre of each segment (x = (i + ½)/nseg) carrying the
//! membrane of the whole segment (area π·diam·L/nseg, no end caps), plus a zero-area node at the
//! section's x = 1 end. The root section also gets a zero-area node at its x = 0 end. A child
//! section attached at `parent(x)` has no node of its own at its x = 0 end: its first centre node
//! connects directly to the parent's node that represents `x` (the centre of the parent's segment
//! containing `x`, or a zero-area end node for x = 0 and x = 1). The axial resistance between a
//! node and its parent node is the sum of the half-segment resistances 4·Ra·(L/2nseg)/(π·diam²)
//! that lie between them *within the node's own section*; this is why a child at parent(0.5)
//! does not "see" the parent's half segment, exactly as in NEURON.
//!
//! Nodes are numbered by their depth in the tree (node 0 is the root's x = 0 end, then every
//! node one step away from it, and so on). Every parent then precedes its children, the order
//! the Hines elimination needs, and consecutive nodes mostly belong to different branches:
//! the elimination and back substitution are chains of dependent divisions and
//! multiplications along each branch, and interleaving independent branches lets the
//! processor overlap them instead of waiting for each result in turn.

use super::error::{CableError, finite, positive, unit_interval};
use std::collections::HashMap;
use std::f64::consts::PI;

/// The most segments one section may have. The d_lambda rule gives tens to hundreds for real
/// dendrites; the bound keeps an input from asking for a segment table of unbounded size
/// (`nseg` = 2^32 asked for 100 GB; found by `challenge/tests/fuzz.rs`).
pub const MAX_NSEG: usize = 10_000;

/// Geometry and passive properties of one section.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionGeometry {
    /// Unique name, e.g. `"soma"` or `"dend[3]"`.
    pub name: String,
    /// Parent section name and the attachment point x ∈ [0, 1] on it; `None` for the root.
    pub parent: Option<(String, f64)>,
    /// Length L in µm.
    pub length_um: f64,
    /// Diameter in µm (unused when `pt3d` holds points).
    pub diam_um: f64,
    /// 3-D points `[x, y, z, diam]` in µm from the x = 0 end to the x = 1 end, or empty for a
    /// cylinder; with points, areas and resistances come from [`segments_from_pt3d`].
    pub pt3d: Vec<[f64; 4]>,
    /// Number of segments (≥ 1).
    pub nseg: usize,
    /// Axial resistivity Ra in Ω·cm.
    pub ra_ohm_cm: f64,
    /// Specific membrane capacitance in µF/cm².
    pub cm_uf_per_cm2: f64,
}

/// Where a section's nodes live in the node arrays.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionNodes {
    /// Section name.
    pub name: String,
    /// Node of the x = 0 end (the parent's node at the attachment point, or the root node).
    pub start_node: usize,
    /// The segment-centre nodes, from x = 0 to x = 1 (`centres.len()` is nseg).
    pub centres: Vec<usize>,
    /// Zero-area node at the x = 1 end.
    pub end_node: usize,
}

impl SectionNodes {
    /// The node NEURON uses for a point process or a child attached at `x` (NEURON's
    /// `node_index`): the start node for x = 0, the end node for x = 1, otherwise the centre of
    /// the segment containing x (a boundary x = k/nseg belongs to the distal segment k).
    pub fn node_at(&self, x: f64) -> usize {
        if x <= 0.0 {
            self.start_node
        } else if x >= 1.0 {
            self.end_node
        } else {
            let nseg = self.centres.len();
            self.centres[((x * nseg as f64) as usize).min(nseg - 1)]
        }
    }
}

/// The discretised tree: one entry per node in all vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct Morphology {
    /// Parent node of each node; `parent[0] == 0` (the root has none).
    pub parent: Vec<usize>,
    /// Axial conductance between each node and its parent, µS (`g_axial[0] == 0`).
    pub g_axial_us: Vec<f64>,
    /// Membrane area of each node, µm² (0 for section end nodes).
    pub area_um2: Vec<f64>,
    /// Membrane capacitance of each node, nF: cm[µF/cm²]·area[µm²]·1e-8 cm²/µm²·1e3 nF/µF.
    pub capacitance_nf: Vec<f64>,
    /// Section of each node (for end nodes, the section whose x = 1 end they are).
    pub section_of_node: Vec<usize>,
    /// Sections in node order (breadth first from the root).
    pub sections: Vec<SectionNodes>,
    by_name: HashMap<String, usize>,
}

/// Resistance in MΩ of a cylinder: 4·Ra·len/(π·d²) with Ra in Ω·cm and lengths in µm gives
/// Ω·cm·µm/µm² = Ω·cm/µm = 1e4 Ω = 1e-2 MΩ per unit.
fn cylinder_resistance_mohm(ra_ohm_cm: f64, len_um: f64, diam_um: f64) -> f64 {
    1e-2 * 4.0 * ra_ohm_cm * len_um / (PI * diam_um * diam_um)
}

/// Membrane area and the axial resistances of the two halves of one segment, as NEURON's
/// `nrn_area_ri` (treeset.cpp) computes them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentGeometry {
    /// Membrane area (lateral surface), µm².
    pub area_um2: f64,
    /// Axial resistance from the segment's proximal end to its centre, MΩ.
    pub r_left_mohm: f64,
    /// Axial resistance from the segment's centre to its distal end, MΩ.
    pub r_right_mohm: f64,
}

/// The `nseg` equal segments of a cylinder: area π·diam·L/nseg, both halves 4·Ra·(L/2nseg)/(π·diam²).
fn cylinder_segments(s: &SectionGeometry) -> Vec<SegmentGeometry> {
    let seg_len = s.length_um / s.nseg as f64;
    let half_r = cylinder_resistance_mohm(s.ra_ohm_cm, seg_len / 2.0, s.diam_um);
    let seg = SegmentGeometry {
        area_um2: PI * s.diam_um * seg_len,
        r_left_mohm: half_r,
        r_right_mohm: half_r,
    };
    vec![seg; s.nseg]
}

/// Arc length of each 3-D point from the first, µm, exactly as NEURON's `nrn_pt3dmodified`
/// computes it: NEURON stores points in single precision (`struct Pt3d { float x, y, z, d; }`),
/// so coordinate differences are taken in `f32`, and the distances summed in `f64`.
pub fn pt3d_arc_lengths(points: &[[f64; 4]]) -> Vec<f64> {
    let mut arc: Vec<f64> = Vec::with_capacity(points.len());
    for (i, p) in points.iter().enumerate() {
        let a = match i.checked_sub(1) {
            None => 0.0,
            Some(k) => {
                let q = &points[k];
                let d = |c: usize| f64::from(p[c] as f32 - q[c] as f32);
                arc[k] + (d(0) * d(0) + d(1) * d(1) + d(2) * d(2)).sqrt()
            }
        };
        arc.push(a);
    }
    arc
}

/// Areas and half-segment resistances of a section described by 3-D points (at least two),
/// cut into `nseg` equal lengths of arc: NEURON's `diam_from_list` (treeset.cpp), step for step.
///
/// The diameter is linear in arc length between points, so each piece of a half segment is a
/// frustum of length δ and end diameters d₁, d₂ with lateral area (π/2)(d₁ + d₂)·√(δ² + ((d₂ −
/// d₁)/2)²) and axial resistance 4·Ra·δ/(π·d₁·d₂) (the exact integral of 4·Ra/(π·d(s)²) ds).
/// As in NEURON, a piece shorter than 1e-15 µm counts as 1e-15 µm, so a diameter step at a
/// repeated point adds the annulus between the two diameters to the area; pieces are cut at
/// the points and at the half-segment boundaries (diameters interpolated there), and points
/// are rounded to single precision first, as NEURON stores them.
pub fn segments_from_pt3d(
    points: &[[f64; 4]],
    nseg: usize,
    ra_ohm_cm: f64,
) -> Vec<SegmentGeometry> {
    let arc = pt3d_arc_lengths(points);
    let diam: Vec<f64> = points
        .iter()
        .map(|p| f64::from((p[3] as f32).abs()))
        .collect();
    let last = points.len() - 1;
    let ds = arc[last] / nseg as f64;
    // Integration state carried across half segments, as NEURON's static variables.
    let (mut j, mut x1, mut y1) = (0, arc[0], diam[0]);
    let mut out = Vec::with_capacity(nseg);
    for inode in 0..nseg {
        let mut si = inode as f64 * ds;
        let mut area = 0.0;
        let mut half_r = [0.0; 2];
        for r_half in &mut half_r {
            // Sum of δ/(d₁·d₂) over the pieces of this half segment.
            let mut ri = 0.0;
            let sip = si + ds / 2.0;
            loop {
                let jp = j + 1;
                let (xj, xjp) = (arc[j], arc[jp]);
                let (x2, y2, jnext) = if xjp > sip || jp == last {
                    let frac = if (xjp - xj).abs() < 1e-10 {
                        1.0
                    } else {
                        (sip - xj) / (xjp - xj)
                    };
                    (sip, (1.0 - frac) * diam[j] + frac * diam[jp], j)
                } else {
                    (xjp, diam[jp], jp)
                };
                let delta = (x2 - x1).max(1e-15);
                let mut g = y2 * y1 / delta;
                if g == 0.0 {
                    g = 1e-15;
                }
                ri += 1.0 / g;
                let taper = 0.5 * (y2 - y1);
                area += (y2 + y1) * (delta * delta + taper * taper).sqrt();
                x1 = x2;
                y1 = y2;
                if j == jnext {
                    break;
                }
                j = jnext;
            }
            // 4·Ra/π · Σ δ/(d₁d₂): Ω·cm/µm = 1e-2 MΩ, hence the factor 4·0.01.
            *r_half = ri * ra_ohm_cm / PI * (4.0 * 0.01);
            si = sip;
        }
        out.push(SegmentGeometry {
            area_um2: area * 0.5 * PI,
            r_left_mohm: half_r[0],
            r_right_mohm: half_r[1],
        });
    }
    out
}

/// Checks the 3-D points of a section: none or at least two, finite, diameters > 0, and `L`
/// equal to their arc length (within 1e-9 relative).
fn check_pt3d(s: &SectionGeometry) -> Result<(), CableError> {
    if s.pt3d.is_empty() {
        return Ok(());
    }
    let field = |what: String| format!("sections[{}].pt3d{what}", s.name);
    if s.pt3d.len() < 2 {
        return Err(CableError::Invalid {
            field: field(String::new()),
            problem: "needs at least two 3-D points (or none, for a cylinder)".into(),
        });
    }
    for (i, p) in s.pt3d.iter().enumerate() {
        for (c, v) in p.iter().enumerate() {
            if c < 3 {
                finite(|| field(format!("[{i}][{c}]")), *v)?;
            } else {
                positive(|| field(format!("[{i}].diam")), *v)?;
            }
        }
    }
    let arc = pt3d_arc_lengths(&s.pt3d)[s.pt3d.len() - 1];
    if (s.length_um - arc).abs() > 1e-9 * arc {
        return Err(CableError::Invalid {
            field: format!("sections[{}].L", s.name),
            problem: format!(
                "{} µm differs from the arc length of its 3-D points, {arc} µm",
                s.length_um
            ),
        });
    }
    Ok(())
}

impl Morphology {
    /// Discretises the sections; errors name the section and field at fault.
    pub fn new(sections: &[SectionGeometry]) -> Result<Self, CableError> {
        let mut by_input_name: HashMap<&str, usize> = HashMap::new();
        for (i, s) in sections.iter().enumerate() {
            if by_input_name.insert(s.name.as_str(), i).is_some() {
                return Err(CableError::DuplicateSection(s.name.clone()));
            }
            let f = |field: &'static str| {
                let name = &s.name;
                move || format!("sections[{name}].{field}")
            };
            positive(f("L"), s.length_um)?;
            positive(f("diam"), s.diam_um)?;
            positive(f("Ra"), s.ra_ohm_cm)?;
            positive(f("cm"), s.cm_uf_per_cm2)?;
            if s.nseg == 0 || s.nseg > MAX_NSEG {
                return Err(CableError::InvalidValue {
                    field: format!("sections[{}].nseg", s.name),
                    value: s.nseg as f64,
                    problem: "must be between 1 and 10000",
                });
            }
            if let Some((_, x)) = &s.parent {
                unit_interval(f("parent_x"), *x)?;
            }
            check_pt3d(s)?;
        }
        let roots: Vec<usize> = (0..sections.len())
            .filter(|&i| sections[i].parent.is_none())
            .collect();
        if roots.len() != 1 {
            return Err(CableError::RootCount {
                found: roots.len(),
                names: roots.iter().map(|&i| sections[i].name.clone()).collect(),
            });
        }
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); sections.len()];
        for (i, s) in sections.iter().enumerate() {
            if let Some((p, _)) = &s.parent {
                let &pi =
                    by_input_name
                        .get(p.as_str())
                        .ok_or_else(|| CableError::UnknownSection {
                            name: p.clone(),
                            referrer: format!("sections[{}].parent", s.name),
                        })?;
                children[pi].push(i);
            }
        }
        // Breadth-first order from the root.
        let mut order = vec![roots[0]];
        let mut head = 0;
        while head < order.len() {
            let s = order[head];
            head += 1;
            order.extend_from_slice(&children[s]);
        }
        if order.len() != sections.len() {
            let mut seen = vec![false; sections.len()];
            order.iter().for_each(|&i| seen[i] = true);
            return Err(CableError::Unreachable(
                (0..sections.len())
                    .filter(|&i| !seen[i])
                    .map(|i| sections[i].name.clone())
                    .collect(),
            ));
        }

        let mut m = Morphology {
            parent: vec![0],
            g_axial_us: vec![0.0],
            area_um2: vec![0.0],
            capacitance_nf: vec![0.0],
            section_of_node: vec![0],
            sections: Vec::with_capacity(sections.len()),
            by_name: HashMap::new(),
        };
        for &si in &order {
            let s = &sections[si];
            let start_node = match &s.parent {
                None => 0,
                Some((p, x)) => m.sections[m.by_name[p.as_str()]].node_at(*x),
            };
            let sec_index = m.sections.len();
            let segments = if s.pt3d.is_empty() {
                cylinder_segments(s)
            } else {
                segments_from_pt3d(&s.pt3d, s.nseg, s.ra_ohm_cm)
            };
            let first_centre = m.parent.len();
            for (j, seg) in segments.iter().enumerate() {
                let (parent, r) = if j == 0 {
                    (start_node, seg.r_left_mohm)
                } else {
                    (
                        first_centre + j - 1,
                        segments[j - 1].r_right_mohm + seg.r_left_mohm,
                    )
                };
                m.push_node(parent, 1.0 / r, seg.area_um2, s.cm_uf_per_cm2, sec_index);
            }
            let end_node = m.parent.len();
            let last_r = segments[s.nseg - 1].r_right_mohm;
            m.push_node(end_node - 1, 1.0 / last_r, 0.0, 0.0, sec_index);
            if s.parent.is_none() {
                m.section_of_node[0] = sec_index;
            }
            m.by_name.insert(s.name.clone(), sec_index);
            m.sections.push(SectionNodes {
                name: s.name.clone(),
                start_node,
                centres: (first_centre..first_centre + s.nseg).collect(),
                end_node,
            });
        }
        m.renumber_by_depth();
        Ok(m)
    }

    /// Renumbers the nodes in order of depth (stable within a depth), see the module docs.
    fn renumber_by_depth(&mut self) {
        let n = self.n_nodes();
        let mut depth = vec![0usize; n];
        for i in 1..n {
            depth[i] = depth[self.parent[i]] + 1;
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| depth[i]);
        let mut new_index = vec![0usize; n];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        let permute = |v: &[f64]| order.iter().map(|&old| v[old]).collect::<Vec<f64>>();
        self.g_axial_us = permute(&self.g_axial_us);
        self.area_um2 = permute(&self.area_um2);
        self.capacitance_nf = permute(&self.capacitance_nf);
        self.section_of_node = order.iter().map(|&old| self.section_of_node[old]).collect();
        self.parent = order
            .iter()
            .map(|&old| new_index[self.parent[old]])
            .collect();
        for s in &mut self.sections {
            s.start_node = new_index[s.start_node];
            s.end_node = new_index[s.end_node];
            s.centres.iter_mut().for_each(|c| *c = new_index[*c]);
        }
    }

    fn push_node(&mut self, parent: usize, g: f64, area: f64, cm: f64, section: usize) {
        self.parent.push(parent);
        self.g_axial_us.push(g);
        self.area_um2.push(area);
        // µF/cm² · µm² · 1e-8 cm²/µm² = µF; · 1e3 = nF.
        self.capacitance_nf.push(cm * area * 1e-5);
        self.section_of_node.push(section);
    }

    /// Number of nodes (segment centres plus zero-area end nodes plus the root node).
    pub fn n_nodes(&self) -> usize {
        self.parent.len()
    }

    /// Index of a section by name, or an error naming the referrer.
    pub fn section(&self, name: &str, referrer: impl Fn() -> String) -> Result<usize, CableError> {
        self.by_name
            .get(name)
            .copied()
            .ok_or_else(|| CableError::UnknownSection {
                name: name.to_owned(),
                referrer: referrer(),
            })
    }

    /// The node at `section(x)`, checking both.
    pub fn locate(
        &self,
        section: &str,
        x: f64,
        referrer: impl Fn() -> String,
    ) -> Result<usize, CableError> {
        let s = self.section(section, &referrer)?;
        unit_interval(|| format!("{}.x", referrer()), x)?;
        Ok(self.sections[s].node_at(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sec(
        name: &str,
        parent: Option<(&str, f64)>,
        l: f64,
        d: f64,
        nseg: usize,
    ) -> SectionGeometry {
        SectionGeometry {
            name: name.into(),
            parent: parent.map(|(p, x)| (p.into(), x)),
            length_um: l,
            diam_um: d,
            pt3d: Vec::new(),
            nseg,
            ra_ohm_cm: 100.0,
            cm_uf_per_cm2: 1.0,
        }
    }

    #[test]
    fn ball_and_stick_nodes_areas_and_resistances() {
        let m = Morphology::new(&[
            sec("soma", None, 20.0, 20.0, 1),
            sec("dend", Some(("soma", 1.0)), 100.0, 2.0, 2),
        ])
        .unwrap();
        // root(0) soma centre(1) soma end(2) dend centres (3,4) dend end(5)
        assert_eq!(m.parent, vec![0, 0, 1, 2, 3, 4]);
        // soma area π·20·20 = 1256.637 µm²; dend segment area π·2·50 = 314.159 µm².
        assert!((m.area_um2[1] - 400.0 * PI).abs() < 1e-9);
        assert!((m.area_um2[3] - 100.0 * PI).abs() < 1e-9);
        assert_eq!(m.area_um2[2], 0.0);
        // Half dend segment: 1e-2·4·100·25/(π·4) = 7.9577 MΩ → 0.125664 µS; between centres 2×.
        let half = 1e-2 * 4.0 * 100.0 * 25.0 / (PI * 4.0);
        assert!((m.g_axial_us[3] - 1.0 / half).abs() < 1e-12);
        assert!((m.g_axial_us[4] - 0.5 / half).abs() < 1e-12);
        // capacitance of the soma: 1 µF/cm² · 1256.637e-8 cm² = 12.566e-6 µF = 0.012566 nF
        assert!((m.capacitance_nf[1] - 0.012566370614359173).abs() < 1e-15);
    }

    #[test]
    fn attachment_nodes_follow_neuron_node_index() {
        let m = Morphology::new(&[
            sec("soma", None, 20.0, 20.0, 3),
            sec("a", Some(("soma", 0.5)), 10.0, 1.0, 1),
            sec("b", Some(("soma", 0.0)), 10.0, 1.0, 1),
            sec("c", Some(("a", 1.0)), 10.0, 1.0, 1),
        ])
        .unwrap();
        let soma = &m.sections[0];
        assert_eq!(soma.node_at(0.5), soma.centres[1]);
        assert_eq!(soma.node_at(1.0 / 3.0), soma.centres[1]);
        assert_eq!(soma.node_at(0.2), soma.centres[0]);
        assert_eq!(m.sections[1].start_node, soma.centres[1]);
        assert_eq!(m.sections[2].start_node, 0);
        assert_eq!(m.sections[3].start_node, m.sections[1].end_node);
        for i in 1..m.n_nodes() {
            assert!(m.parent[i] < i);
        }
        // Depth order: soma's three centres are a chain (depth 1, 2, 3); a's centre hangs on
        // the middle one (depth 3) and b's on the root (depth 1).
        assert_eq!(m.sections[2].centres[0], 2);
        assert_eq!(soma.centres, vec![1, 3, 5]);
    }

    #[test]
    fn errors_name_the_fault() {
        let e = Morphology::new(&[
            sec("soma", None, 20.0, 20.0, 1),
            sec("d", Some(("dend2", 0.5)), 1.0, 1.0, 1),
        ])
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown section \"dend2\" (referenced by sections[d].parent)"
        );
        let e = Morphology::new(&[
            sec("soma", None, 20.0, 20.0, 1),
            sec("d", Some(("soma", 1.5)), 1.0, 1.0, 1),
        ])
        .unwrap_err();
        assert!(
            e.to_string().starts_with("sections[d].parent_x = 1.5"),
            "{e}"
        );
        let e = Morphology::new(&[sec("soma", None, 20.0, -1.0, 1)]).unwrap_err();
        assert!(e.to_string().starts_with("sections[soma].diam = -1"), "{e}");
        let e = Morphology::new(&[
            sec("a", Some(("b", 1.0)), 1.0, 1.0, 1),
            sec("b", Some(("a", 1.0)), 1.0, 1.0, 1),
            sec("s", None, 1.0, 1.0, 1),
        ])
        .unwrap_err();
        assert!(matches!(e, CableError::Unreachable(_)), "{e}");
    }
}
