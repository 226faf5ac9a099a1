//! A cell compiled for simulation: the discretised morphology plus, for each mechanism, flat
//! arrays (structure of arrays) of the nodes it sits on and its parameters converted from
//! densities to absolute units (µS, nF), so the time loop does no unit conversion and no
//! look-ups. A `Cell` is immutable and `Sync`: build it once, run any number of trials on it
//! from any number of threads.

use super::channels::{HhParams, hh_q10, im_qt};
use super::error::{CableError, finite, non_negative, positive};
use super::morphology::{Morphology, SectionGeometry};
use super::spec::CellSpec;
use super::synapse::Kinetics;

/// Nodes and absolute parameters of the Hodgkin–Huxley channels.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct HhSet {
    pub node: Vec<usize>,
    /// gnabar·area, µS.
    pub gna: Vec<f64>,
    /// gkbar·area, µS.
    pub gk: Vec<f64>,
    /// gl·area, µS.
    pub gl: Vec<f64>,
    pub el: Vec<f64>,
    pub ena: Vec<f64>,
    pub ek: Vec<f64>,
}

/// Nodes and absolute parameters of a one-gate channel i = gbar·m·(v − e) (Ih, Im).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct OneGateSet {
    pub node: Vec<usize>,
    /// gbar·area, µS.
    pub gbar: Vec<f64>,
    pub erev: Vec<f64>,
}

/// A compiled multi-compartment cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub(crate) morph: Morphology,
    pub(crate) v_init: f64,
    /// hh.mod temperature factor.
    pub(crate) q10: f64,
    /// Im temperature factor.
    pub(crate) im_qt: f64,
    /// Passive leak conductance per node, µS (0 where `pas` is absent), and g·e, nA.
    pub(crate) leak_g: Vec<f64>,
    pub(crate) leak_ge: Vec<f64>,
    pub(crate) hh: HhSet,
    pub(crate) ih: OneGateSet,
    pub(crate) im: OneGateSet,
    pub(crate) synapse_types: Vec<(String, Kinetics)>,
    pub(crate) soma: usize,
}

/// Converts a density in S/cm² on `area` µm² to µS: S/cm²·µm²·1e-8 cm²/µm²·1e6 µS/S = 1e-2.
fn absolute_us(density_s_per_cm2: f64, area_um2: f64) -> f64 {
    density_s_per_cm2 * area_um2 * 1e-2
}

impl Cell {
    /// Validates and compiles a cell description.
    ///
    /// # Errors
    /// Any invalid section, mechanism parameter or synapse type, named in the message.
    pub fn new(spec: &CellSpec) -> Result<Self, CableError> {
        positive(|| "cell.Ra".into(), spec.ra)?;
        positive(|| "cell.cm".into(), spec.cm)?;
        finite(|| "cell.celsius".into(), spec.celsius)?;
        finite(|| "cell.v_init".into(), spec.v_init)?;
        let geometry: Vec<SectionGeometry> = spec
            .sections
            .iter()
            .map(|s| SectionGeometry {
                name: s.name.clone(),
                parent: s.parent.clone().map(|p| (p, s.parent_x.unwrap_or(1.0))),
                length_um: s.length,
                diam_um: s.diam,
                pt3d: s.pt3d.clone(),
                nseg: s.nseg,
                ra_ohm_cm: s.ra.unwrap_or(spec.ra),
                cm_uf_per_cm2: s.cm.unwrap_or(spec.cm),
            })
            .collect();
        for s in &spec.sections {
            if s.parent.is_none() && s.parent_x.is_some() {
                return Err(CableError::Invalid {
                    field: format!("sections[{}].parent_x", s.name),
                    problem: "must be null for the root section (parent null)".into(),
                });
            }
        }
        let morph = Morphology::new(&geometry)?;
        let n = morph.n_nodes();
        let mut cell = Cell {
            v_init: spec.v_init,
            q10: hh_q10(spec.celsius),
            im_qt: im_qt(),
            leak_g: vec![0.0; n],
            leak_ge: vec![0.0; n],
            hh: HhSet::default(),
            ih: OneGateSet::default(),
            im: OneGateSet::default(),
            synapse_types: Vec::new(),
            soma: 0,
            morph,
        };
        for s in &spec.sections {
            let si = cell.morph.section(&s.name, String::new)?;
            let centres = cell.morph.sections[si].centres.clone();
            let field = |mech: &str, p: &str| {
                let (name, mech, p) = (s.name.clone(), mech.to_owned(), p.to_owned());
                move || format!("sections[{name}].mechanisms.{mech}.{p}")
            };
            let ions = |p: &str| {
                let (name, p) = (s.name.clone(), p.to_owned());
                move || format!("sections[{name}].ions.{p}")
            };
            let (ena, ek) = (
                finite(ions("ena"), s.ions.ena)?,
                finite(ions("ek"), s.ions.ek)?,
            );
            let m = &s.mechanisms;
            if let Some(p) = m.pas {
                non_negative(field("pas", "g"), p.g)?;
                finite(field("pas", "e"), p.e)?;
            }
            if let Some(HhParams {
                gnabar,
                gkbar,
                gl,
                el,
            }) = m.hh
            {
                non_negative(field("hh", "gnabar"), gnabar)?;
                non_negative(field("hh", "gkbar"), gkbar)?;
                non_negative(field("hh", "gl"), gl)?;
                finite(field("hh", "el"), el)?;
            }
            if let Some(p) = m.ih {
                non_negative(field("Ih", "gbar"), p.gbar)?;
                finite(field("Ih", "ehcn"), p.ehcn)?;
            }
            if let Some(p) = m.im {
                non_negative(field("Im", "gbar"), p.gbar)?;
            }
            for node in centres {
                let area = cell.morph.area_um2[node];
                if let Some(p) = m.pas {
                    let g = absolute_us(p.g, area);
                    cell.leak_g[node] = g;
                    cell.leak_ge[node] = g * p.e;
                }
                if let Some(p) = m.hh {
                    let h = &mut cell.hh;
                    h.node.push(node);
                    h.gna.push(absolute_us(p.gnabar, area));
                    h.gk.push(absolute_us(p.gkbar, area));
                    h.gl.push(absolute_us(p.gl, area));
                    h.el.push(p.el);
                    h.ena.push(ena);
                    h.ek.push(ek);
                }
                if let Some(p) = m.ih {
                    cell.ih.node.push(node);
                    cell.ih.gbar.push(absolute_us(p.gbar, area));
                    cell.ih.erev.push(p.ehcn);
                }
                if let Some(p) = m.im {
                    cell.im.node.push(node);
                    cell.im.gbar.push(absolute_us(p.gbar, area));
                    cell.im.erev.push(ek);
                }
            }
        }
        for (name, ty) in &spec.synapse_types {
            cell.synapse_types.push((name.clone(), ty.kinetics(name)?));
        }
        let soma_section = cell
            .morph
            .section("soma", String::new)
            .unwrap_or(cell.morph.section_of_node[0]);
        cell.soma = cell.morph.sections[soma_section].node_at(0.5);
        Ok(cell)
    }

    /// The discretised morphology.
    pub fn morphology(&self) -> &Morphology {
        &self.morph
    }

    /// The node of `section(x)`; `referrer` names the field for the error message.
    pub fn locate(
        &self,
        section: &str,
        x: f64,
        referrer: impl Fn() -> String,
    ) -> Result<usize, CableError> {
        self.morph.locate(section, x, referrer)
    }

    /// The node where the somatic voltage is recorded and spikes are detected: `soma(0.5)` if
    /// a section is named `"soma"`, else the root section at x = 0.5.
    pub fn soma_node(&self) -> usize {
        self.soma
    }

    /// Index of a declared synapse type.
    pub fn synapse_type(&self, name: &str, synapse: &str) -> Result<usize, CableError> {
        self.synapse_types
            .iter()
            .position(|(n, _)| n == name)
            .ok_or_else(|| CableError::UnknownSynapseType {
                synapse: synapse.to_owned(),
                name: name.to_owned(),
                declared: self.synapse_types.iter().map(|(n, _)| n.clone()).collect(),
            })
    }

    /// Names of the declared synapse types, in index order.
    pub fn synapse_type_names(&self) -> impl Iterator<Item = &str> {
        self.synapse_types.iter().map(|(n, _)| n.as_str())
    }
}
