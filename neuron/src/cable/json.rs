//! The simulation document of `arena simulate --input FILE.json --out OUT.json`.
//!
//! Units are explicit in the field names or documented here: lengths µm, conductance densities
//! S/cm², Ra Ω·cm, cm µF/cm², synaptic weights µS (peak conductance of an isolated event),
//! currents nA (positive depolarises), times ms, potentials mV. Every object rejects unknown
//! fields with an error naming them.
//!
//! ```json
//! {"cell": {"Ra": 150, "cm": 1, "celsius": 6.3, "v_init": -65,
//!           "sections": [{"name": "soma", "parent": null, "parent_x": null, "L": 20, "diam": 20,
//!                         "nseg": 1, "mechanisms": {"hh": {"gnabar": 0.12}},
//!                         "ions": {"ena": 50, "ek": -77}},
//!                        {"name": "dend", "parent": "soma", "parent_x": 0.5, "L": 200,
//!                         "diam": 2, "nseg": 10, "mechanisms": {"pas": {"g": 5e-5, "e": -65}}}],
//!           "synapse_types": {"AMPA": {"mechanism": "Exp2Syn", "tau1": 0.2, "tau2": 2, "e": 0},
//!                             "NMDA": {"mechanism": "NMDAMg", "tau1": 2, "tau2": 75, "e": 0,
//!                                      "mg": 1}}},
//!  "stimulus": {"kind": "synaptic_events",
//!               "synapses": [{"id": 0, "type": "AMPA+NMDA", "section": "dend", "x": 0.58,
//!                             "weight_ampa": 0.00025, "weight_nmda": 0.00025,
//!                             "times": [249.8]}]},
//!  "numerics": {"dt_ms": 0.025, "t_stop_ms": 500}}
//! ```
//! A synapse of a compound type `"A+B"` carries one weight per receptor, `weight_a` and
//! `weight_b` (receptor names in lower case); a synapse of a single-receptor type carries
//! `weight`. The alternative stimulus is
//! `{"kind": "somatic_current", "location": {"section": "soma", "x": 0.5}, "step_ms": 0.1,
//! "amp_nA": [...]}` (amplitude j holds on [j·step_ms, (j+1)·step_ms), 0 afterwards).
//! `numerics` may also set `spike_threshold_mV` (default 0). An optional top-level `"noise"`
//! list adds seeded Ornstein–Uhlenbeck sources: `{"kind": "current", "location": {...},
//! "tau_ms": 5, "mean_nA": 0, "std_nA": 0.02, "seed": 7}` or `{"kind": "conductance",
//! "location": {...}, "tau_ms": 3, "mean_uS": 0.01, "std_uS": 0.003, "e_mV": 0, "seed": 7}`.

use super::cell::Cell;
use super::error::CableError;
use super::sim::{CurrentClamp, Drive, NoiseKind, NoiseSource, Numerics, SynapseStream};
use super::spec::CellSpec;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// Interval of the somatic voltage samples in the output, ms.
pub const SOMA_V_DT_MS: f64 = 0.1;

/// The input document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationInput {
    /// Morphology, mechanisms and synapse types.
    pub cell: CellSpec,
    /// What drives the cell.
    pub stimulus: Stimulus,
    /// Time step and duration.
    pub numerics: NumericsSpec,
    /// Intrinsic noise sources (default none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub noise: Vec<NoiseSpec>,
}

/// A seeded Ornstein–Uhlenbeck noise source (see [`NoiseSource`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum NoiseSpec {
    /// Noise current, nA.
    Current {
        /// Where it is injected.
        location: Location,
        /// Correlation time, ms.
        tau_ms: f64,
        /// Stationary mean, nA.
        #[serde(rename = "mean_nA")]
        mean_na: f64,
        /// Stationary standard deviation, nA.
        #[serde(rename = "std_nA")]
        std_na: f64,
        /// Seed of the source's random stream.
        seed: u64,
    },
    /// Noise conductance, µS (clipped at 0), with a reversal potential.
    Conductance {
        /// Where it sits.
        location: Location,
        /// Correlation time, ms.
        tau_ms: f64,
        /// Stationary mean, µS.
        #[serde(rename = "mean_uS")]
        mean_us: f64,
        /// Stationary standard deviation, µS.
        #[serde(rename = "std_uS")]
        std_us: f64,
        /// Reversal potential, mV.
        #[serde(rename = "e_mV")]
        e_mv: f64,
        /// Seed of the source's random stream.
        seed: u64,
    },
}

impl NoiseSpec {
    /// Resolves the location against a compiled cell.
    ///
    /// # Errors
    /// Unknown section or x outside [0, 1], naming `noise[index]`.
    pub fn source(&self, cell: &Cell, index: usize) -> Result<NoiseSource, CableError> {
        let (location, tau_ms, kind, seed) = match *self {
            NoiseSpec::Current {
                ref location,
                tau_ms,
                mean_na,
                std_na,
                seed,
            } => (
                location,
                tau_ms,
                NoiseKind::Current { mean_na, std_na },
                seed,
            ),
            NoiseSpec::Conductance {
                ref location,
                tau_ms,
                mean_us,
                std_us,
                e_mv,
                seed,
            } => (
                location,
                tau_ms,
                NoiseKind::Conductance {
                    mean_us,
                    std_us,
                    e_mv,
                },
                seed,
            ),
        };
        Ok(NoiseSource {
            node: cell.locate(&location.section, location.x, || {
                format!("noise[{index}].location")
            })?,
            tau_ms,
            kind,
            seed,
        })
    }
}

impl SimulationInput {
    /// The drive of this document (stimulus and noise) on its compiled cell.
    ///
    /// # Errors
    /// As [`Stimulus::drive`] and [`NoiseSpec::source`].
    pub fn drive(&self, cell: &Cell) -> Result<Drive, CableError> {
        let mut drive = self.stimulus.drive(cell)?;
        for (i, n) in self.noise.iter().enumerate() {
            drive.noise.push(n.source(cell, i)?);
        }
        Ok(drive)
    }
}

/// A point on a section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// Section name.
    pub section: String,
    /// Normalised position along it, [0, 1].
    pub x: f64,
}

/// The stimulus of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Stimulus {
    /// A piecewise-constant current clamp.
    SomaticCurrent {
        /// Where the current is injected (normally soma, 0.5).
        location: Location,
        /// Duration of each amplitude sample, ms.
        step_ms: f64,
        /// Amplitudes, nA.
        #[serde(rename = "amp_nA")]
        amp_na: Vec<f64>,
    },
    /// Event times on synapses.
    SynapticEvents {
        /// The synapses.
        synapses: Vec<SynapseEntry>,
    },
}

/// One synapse location with its receptors' weights and its presynaptic event times.
#[derive(Debug, Clone, PartialEq)]
pub struct SynapseEntry {
    /// Identifier used in error messages.
    pub id: u64,
    /// Synapse type: one name of `cell.synapse_types`, or several joined by `+`.
    pub type_name: String,
    /// Section name.
    pub section: String,
    /// Position along the section, [0, 1].
    pub x: f64,
    /// Weights, µS, by field name (`"weight"` or `"weight_<receptor in lower case>"`).
    pub weights: BTreeMap<String, f64>,
    /// Event times, ms.
    pub times: Vec<f64>,
}

impl Serialize for SynapseEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(5 + self.weights.len()))?;
        m.serialize_entry("id", &self.id)?;
        m.serialize_entry("type", &self.type_name)?;
        m.serialize_entry("section", &self.section)?;
        m.serialize_entry("x", &self.x)?;
        for (k, w) in &self.weights {
            m.serialize_entry(k, w)?;
        }
        m.serialize_entry("times", &self.times)?;
        m.end()
    }
}

impl<'de> Deserialize<'de> for SynapseEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EntryVisitor;
        const FIELDS: &[&str] = &[
            "id",
            "type",
            "section",
            "x",
            "weight",
            "weight_<receptor>",
            "times",
        ];
        impl<'de> Visitor<'de> for EntryVisitor {
            type Value = SynapseEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a synapse object {id, type, section, x, weight..., times}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SynapseEntry, A::Error> {
                let (mut id, mut ty, mut section, mut x, mut times) =
                    (None, None, None, None, None);
                let mut weights = BTreeMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "id" => id = Some(map.next_value()?),
                        "type" => ty = Some(map.next_value()?),
                        "section" => section = Some(map.next_value()?),
                        "x" => x = Some(map.next_value()?),
                        "times" => times = Some(map.next_value()?),
                        k if k == "weight" || k.starts_with("weight_") => {
                            weights.insert(key.clone(), map.next_value()?);
                        }
                        _ => return Err(de::Error::unknown_field(&key, FIELDS)),
                    }
                }
                Ok(SynapseEntry {
                    id: id.ok_or_else(|| de::Error::missing_field("id"))?,
                    type_name: ty.ok_or_else(|| de::Error::missing_field("type"))?,
                    section: section.ok_or_else(|| de::Error::missing_field("section"))?,
                    x: x.ok_or_else(|| de::Error::missing_field("x"))?,
                    weights,
                    times: times.ok_or_else(|| de::Error::missing_field("times"))?,
                })
            }
        }
        d.deserialize_map(EntryVisitor)
    }
}

/// Time step and duration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumericsSpec {
    /// Time step, ms; must divide the 0.1 ms output interval.
    pub dt_ms: f64,
    /// Simulated duration, ms.
    pub t_stop_ms: f64,
    /// Spike threshold at the soma, mV (default 0).
    #[serde(rename = "spike_threshold_mV", default)]
    pub spike_threshold_mv: f64,
}

/// The output document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationOutput {
    /// Somatic spike times, ms.
    pub spike_times_ms: Vec<f64>,
    /// Number of spikes.
    pub n_spikes: usize,
    /// Interval of `soma_v_mV`, ms (always [`SOMA_V_DT_MS`]).
    pub soma_v_dt_ms: f64,
    /// Somatic voltage at t = 0, 0.1, 0.2, ... ms, mV.
    #[serde(rename = "soma_v_mV")]
    pub soma_v_mv: Vec<f64>,
    /// Wall-clock time of the run, s (measured by the caller; 0 from [`run`]).
    pub wall_s: f64,
}

impl NumericsSpec {
    /// The simulator's numerics with the voltage sampled every [`SOMA_V_DT_MS`].
    ///
    /// # Errors
    /// If dt does not divide 0.1 ms.
    pub fn numerics(&self) -> Result<Numerics, CableError> {
        let ratio = SOMA_V_DT_MS / self.dt_ms;
        let record_every = ratio.round();
        if !(record_every >= 1.0 && (ratio - record_every).abs() < 1e-9 * ratio) {
            return Err(CableError::InvalidValue {
                field: "numerics.dt_ms".into(),
                value: self.dt_ms,
                problem: "must divide the 0.1 ms output interval (e.g. 0.1, 0.05, 0.025, 0.01)",
            });
        }
        Ok(Numerics {
            dt_ms: self.dt_ms,
            t_stop_ms: self.t_stop_ms,
            threshold_mv: self.spike_threshold_mv,
            record_every: record_every as usize,
        })
    }
}

impl Stimulus {
    /// Resolves section names, synapse types and weights against a compiled cell.
    ///
    /// # Errors
    /// Unknown sections or synapse types, x outside [0, 1], missing or unexpected weights.
    pub fn drive(&self, cell: &Cell) -> Result<Drive, CableError> {
        match self {
            Stimulus::SomaticCurrent {
                location,
                step_ms,
                amp_na,
            } => Ok(Drive {
                clamps: vec![CurrentClamp {
                    node: cell
                        .locate(&location.section, location.x, || "stimulus.location".into())?,
                    step_ms: *step_ms,
                    amp_na: amp_na.clone(),
                }],
                ..Drive::default()
            }),
            Stimulus::SynapticEvents { synapses } => {
                let mut streams = Vec::new();
                for s in synapses {
                    streams.extend(synapse_streams(cell, s)?);
                }
                Ok(Drive {
                    synapses: streams,
                    ..Drive::default()
                })
            }
        }
    }
}

/// One stream per receptor of a synapse entry.
fn synapse_streams(cell: &Cell, s: &SynapseEntry) -> Result<Vec<SynapseStream>, CableError> {
    let who = format!("id {}", s.id);
    let node = cell.locate(&s.section, s.x, || format!("synapse {who}"))?;
    let receptors: Vec<&str> = s.type_name.split('+').collect();
    let mut used = Vec::new();
    let mut out = Vec::new();
    for r in &receptors {
        let ty = cell.synapse_type(r, &who)?;
        let key = if receptors.len() == 1 && s.weights.contains_key("weight") {
            "weight".to_owned()
        } else {
            format!("weight_{}", r.to_lowercase())
        };
        let &w = s.weights.get(&key).ok_or_else(|| CableError::Weights {
            synapse: who.clone(),
            problem: format!(
                "missing field `{key}` (µS) for receptor \"{r}\" of type \"{}\"",
                s.type_name
            ),
        })?;
        used.push(key);
        out.push(SynapseStream {
            synapse_type: ty,
            node,
            weight_us: w,
            times_ms: s.times.clone(),
        });
    }
    if let Some(extra) = s.weights.keys().find(|k| !used.contains(k)) {
        return Err(CableError::Weights {
            synapse: who,
            problem: format!(
                "field `{extra}` matches no receptor of type \"{}\"",
                s.type_name
            ),
        });
    }
    Ok(out)
}

/// Builds the cell, runs the stimulus and returns the output (`wall_s` = 0).
///
/// # Errors
/// Any invalid part of the document, named in the message.
pub fn run(input: &SimulationInput) -> Result<SimulationOutput, CableError> {
    let cell = Cell::new(&input.cell)?;
    let drive = input.drive(&cell)?;
    let numerics = input.numerics.numerics()?;
    let trace = cell.simulate(&drive, &numerics)?;
    Ok(SimulationOutput {
        n_spikes: trace.spike_times_ms.len(),
        spike_times_ms: trace.spike_times_ms,
        soma_v_dt_ms: SOMA_V_DT_MS,
        soma_v_mv: trace.soma_v_mv,
        wall_s: 0.0,
    })
}
