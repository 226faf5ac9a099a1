//! The inputs of one paired trial: the clustered condition and its two controls.
//!
//! All three conditions share the same background (every event of it, identical). They differ
//! only in where and when the clustered events go:
//! * **clustered** — each volley activates k excitatory sites within `span_um` of one branch,
//!   each once, at onset + U·T (U uniform on [0, 1), T = `window_ms`);
//! * **time-dispersed** — the same sites receive the same number of events, but each cluster
//!   event is moved to a uniformly random time of the trial outside its volley's T-ms window
//!   (so the synchrony is gone, the location is kept);
//! * **space-scattered** — the same volley times are delivered to k sites on k different
//!   branches of the eligible regions (none on the cluster's branch), each at a path distance
//!   from the soma within `scatter_distance_tolerance_um` of the cluster site it replaces (so
//!   the spatial clustering is gone, the synchrony and the electrotonic distances are kept).
//!
//! Hence every condition has the same number of events per synapse class, and clustered and
//! time-dispersed have the same number of events on every site.
//!
//! Random streams, all derived from the trial seed with [`derive_seed`]: the log-rate of
//! branch b (`"log-rate-excitatory"`/`"log-rate-inhibitory"`, b), the background of site i
//! (`"background"`, i), the volleys (`"clusters"`, 0), the dispersal (`"time-dispersal"`, 0)
//! and the scattering (`"space-scatter"`, 0).

use super::DendriticError;
use super::placement::{SynapseClass, SynapseTable, exponential};
use super::recipe::DendriticRecipe;
use super::regions::DendriteGeometry;
use arena_challenge_core::trial::Condition;
use arena_neuron::rng::{derive_seed, rng_from_seed};
use arena_neuron::stimulus::OrnsteinUhlenbeck;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Attempts at drawing a branch stretch that holds k sites before giving up.
const MAX_CLUSTER_ATTEMPTS: usize = 10_000;

/// Event times per site: `times_ms[id]` lists the events of synapse `id`, ms, increasing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventTable {
    /// Events per synapse id, ms, sorted.
    pub times_ms: Vec<Vec<f64>>,
}

impl EventTable {
    /// Number of events on sites of each class.
    pub fn count_by_class(&self, table: &SynapseTable) -> BTreeMap<SynapseClass, usize> {
        let mut out = BTreeMap::new();
        for (s, t) in table.synapses.iter().zip(&self.times_ms) {
            *out.entry(s.class()).or_insert(0) += t.len();
        }
        out
    }

    /// The events as rows `[synapse id, time ms]`, ordered by time then id: the layout of a
    /// trial's `events.npy` (an `n × 2` float64 array a numpy user reads directly).
    pub fn to_rows(&self) -> Vec<[f64; 2]> {
        let mut rows: Vec<[f64; 2]> = self
            .times_ms
            .iter()
            .enumerate()
            .flat_map(|(id, times)| times.iter().map(move |&t| [id as f64, t]))
            .collect();
        rows.sort_by(|a, b| a[1].total_cmp(&b[1]).then(a[0].total_cmp(&b[0])));
        rows
    }

    /// The table of `n_synapses` sites from [`EventTable::to_rows`]' layout.
    ///
    /// # Errors
    /// [`DendriticError::InvalidKey`] naming the row whose id is not a site of the table or
    /// whose time is not finite.
    pub fn from_rows(n_synapses: usize, rows: &[[f64; 2]]) -> Result<Self, DendriticError> {
        let mut table = EventTable {
            times_ms: vec![Vec::new(); n_synapses],
        };
        for (i, &[id, t]) in rows.iter().enumerate() {
            let bad = |problem: String| DendriticError::InvalidKey {
                key: format!("events[{i}]"),
                value: format!("[{id}, {t}]"),
                problem,
            };
            if !(id >= 0.0 && id.fract() == 0.0 && (id as usize) < n_synapses) {
                return Err(bad(format!(
                    "the synapse id must be a whole number below {n_synapses}"
                )));
            }
            if !t.is_finite() {
                return Err(bad("the time must be finite".into()));
            }
            table.push(id as usize, t);
        }
        table.sort();
        Ok(table)
    }

    fn push(&mut self, id: usize, t: f64) {
        self.times_ms[id].push(t);
    }

    fn sort(&mut self) {
        for t in &mut self.times_ms {
            t.sort_by(f64::total_cmp);
        }
    }
}

/// One clustered volley and what the controls make of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Volley {
    /// Onset, ms.
    pub onset_ms: f64,
    /// Branch (section index) carrying the cluster.
    pub branch: usize,
    /// The k cluster sites (synapse ids).
    pub synapses: Vec<usize>,
    /// Event time of each cluster site, ms, in [onset, onset + T).
    pub times_ms: Vec<f64>,
    /// Time-dispersed control: the new time of each cluster site's event, ms.
    pub dispersed_times_ms: Vec<f64>,
    /// Space-scattered control: the site that receives each event instead, on k distinct
    /// branches.
    pub scattered_synapses: Vec<usize>,
}

/// The inputs of a paired trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedTrial {
    /// Duration, ms.
    pub duration_ms: f64,
    /// The volleys, by onset.
    pub volleys: Vec<Volley>,
    /// Events of the clustered condition.
    pub clustered: EventTable,
    /// Events of the time-dispersed control.
    pub time_dispersed: EventTable,
    /// Events of the space-scattered control.
    pub space_scattered: EventTable,
}

impl PairedTrial {
    /// The events of `condition`.
    pub fn events(&self, condition: Condition) -> &EventTable {
        match condition {
            Condition::Clustered => &self.clustered,
            Condition::TimeDispersed => &self.time_dispersed,
            Condition::SpaceScattered => &self.space_scattered,
        }
    }

    /// Draws the events of the three conditions of one trial of `duration_ms` from `seed`.
    ///
    /// # Errors
    /// [`DendriticError::InvalidKey`] for an invalid recipe or duration,
    /// [`DendriticError::NoClusterSite`] if no branch stretch of the eligible regions holds k
    /// excitatory sites, [`DendriticError::NoScatterSite`] if the scattered control cannot find
    /// a distance-matched site on an unused branch.
    pub fn draw(
        geometry: &DendriteGeometry,
        table: &SynapseTable,
        recipe: &DendriticRecipe,
        seed: u64,
        duration_ms: f64,
    ) -> Result<Self, DendriticError> {
        recipe.validate()?;
        if !(duration_ms.is_finite() && duration_ms > 0.0) {
            return Err(DendriticError::InvalidKey {
                key: "duration_ms".into(),
                value: duration_ms.to_string(),
                problem: "must be a finite number > 0".into(),
            });
        }
        let background = background(table, recipe, seed, duration_ms)?;
        let volleys = volleys(geometry, table, recipe, seed, duration_ms)?;
        let mut clustered = background.clone();
        let mut time_dispersed = background.clone();
        let mut space_scattered = background;
        for v in &volleys {
            for i in 0..v.synapses.len() {
                clustered.push(v.synapses[i], v.times_ms[i]);
                time_dispersed.push(v.synapses[i], v.dispersed_times_ms[i]);
                space_scattered.push(v.scattered_synapses[i], v.times_ms[i]);
            }
        }
        for t in [&mut clustered, &mut time_dispersed, &mut space_scattered] {
            t.sort();
        }
        Ok(PairedTrial {
            duration_ms,
            volleys,
            clustered,
            time_dispersed,
            space_scattered,
        })
    }
}

/// The background of every site (see [`super::recipe::Background`]): a piecewise-constant
/// rate per (branch, class), realised per site by thinning a homogeneous Poisson train at the
/// branch's maximum rate (Lewis & Shedler 1979, Naval Res Logist Q 26:403).
fn background(
    table: &SynapseTable,
    recipe: &DendriticRecipe,
    seed: u64,
    duration_ms: f64,
) -> Result<EventTable, DendriticError> {
    let b = &recipe.background;
    let n_steps = (duration_ms / b.rate_step_ms).ceil() as usize;
    let sigma = b.log_rate_sd;
    // Rate multiplier exp(σx − σ²/2) per step, per (class, branch), created on first use.
    let mut modulation: BTreeMap<(SynapseClass, usize), Vec<f64>> = BTreeMap::new();
    let mut events = EventTable {
        times_ms: vec![Vec::new(); table.synapses.len()],
    };
    for s in &table.synapses {
        let class = s.class();
        let mean_hz = match class {
            SynapseClass::Excitatory => b.excitatory_rate_hz,
            SynapseClass::Inhibitory => b.inhibitory_rate_hz,
        };
        if mean_hz == 0.0 {
            continue;
        }
        let m = match modulation.entry((class, s.branch)) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                let label = match class {
                    SynapseClass::Excitatory => "log-rate-excitatory",
                    SynapseClass::Inhibitory => "log-rate-inhibitory",
                };
                let mut rng = rng_from_seed(derive_seed(seed, label, s.branch as u64));
                let mut ou =
                    OrnsteinUhlenbeck::new(b.log_rate_tau_s, 0.0, 1.0, b.rate_step_ms * 1e-3)
                        .map_err(|e| DendriticError::InvalidKey {
                            key: "stimulus.background".into(),
                            value: String::new(),
                            problem: e.to_string(),
                        })?;
                let mut x = ou.draw_stationary(&mut rng);
                let mut m = Vec::with_capacity(n_steps);
                for _ in 0..n_steps {
                    m.push((sigma * x - 0.5 * sigma * sigma).exp());
                    x = ou.step(&mut rng);
                }
                e.insert(m)
            }
        };
        let max_m = m.iter().copied().fold(0.0, f64::max);
        let max_rate_per_ms = mean_hz * 1e-3 * max_m;
        let mut rng = rng_from_seed(derive_seed(seed, "background", s.id as u64));
        let mut t = 0.0;
        loop {
            t += exponential(&mut rng, max_rate_per_ms);
            if t >= duration_ms {
                break;
            }
            let step = ((t / b.rate_step_ms) as usize).min(n_steps - 1);
            let accept: f64 = rng.random();
            if accept * max_m < m[step] {
                events.push(s.id, t);
            }
        }
    }
    Ok(events)
}

/// Draws k distinct items of `pool` uniformly (partial Fisher–Yates), in draw order.
fn choose<T: Copy>(rng: &mut impl Rng, pool: &mut [T], k: usize) -> Vec<T> {
    for i in 0..k {
        let j = rng.random_range(i..pool.len());
        pool.swap(i, j);
    }
    pool[..k].to_vec()
}

/// Volley onsets, cluster sites and the controls' replacements.
fn volleys(
    geometry: &DendriteGeometry,
    table: &SynapseTable,
    recipe: &DendriticRecipe,
    seed: u64,
    duration_ms: f64,
) -> Result<Vec<Volley>, DendriticError> {
    let c = &recipe.clusters;
    let k = c.synapses_per_cluster;
    let window = c.window_ms;
    let eligible_region = |b: usize| c.regions.contains(&geometry.sections[b].region);
    let max_distance_um = c.max_distance_um.unwrap_or(f64::INFINITY);
    // Excitatory sites per eligible branch, by position along the branch; a stretch beyond
    // `max_distance_um` holds no site, so it is redrawn.
    let mut by_branch: BTreeMap<usize, Vec<(f64, usize)>> = BTreeMap::new();
    for s in &table.synapses {
        if s.class() == SynapseClass::Excitatory
            && eligible_region(s.branch)
            && s.distance_um <= max_distance_um
        {
            by_branch
                .entry(s.branch)
                .or_default()
                .push((s.position_um(geometry), s.id));
        }
    }
    let branches: Vec<usize> = by_branch
        .iter()
        .filter(|(_, sites)| sites.len() >= k)
        .map(|(&b, _)| b)
        .collect();
    let total_length: f64 = branches
        .iter()
        .map(|&b| geometry.sections[b].length_um)
        .sum();
    let mut rng = rng_from_seed(derive_seed(seed, "clusters", 0));
    let mut onsets = Vec::new();
    if c.rate_hz > 0.0 && duration_ms > window {
        let mut t = 0.0;
        loop {
            t += exponential(&mut rng, c.rate_hz * 1e-3);
            if t >= duration_ms - window {
                break;
            }
            onsets.push(t);
        }
    }
    let mut out = Vec::with_capacity(onsets.len());
    for onset_ms in onsets {
        let (branch, synapses) = 'found: {
            for _ in 0..MAX_CLUSTER_ATTEMPTS {
                if branches.is_empty() {
                    break;
                }
                // A branch with probability proportional to its length.
                let mut u = rng.random::<f64>() * total_length;
                let mut branch = *branches.last().expect("not empty");
                for &b in &branches {
                    u -= geometry.sections[b].length_um;
                    if u < 0.0 {
                        branch = b;
                        break;
                    }
                }
                let length = geometry.sections[branch].length_um;
                let start = rng.random::<f64>() * (length - c.span_um).max(0.0);
                let mut inside: Vec<usize> = by_branch[&branch]
                    .iter()
                    .filter(|(p, _)| *p >= start && *p <= start + c.span_um)
                    .map(|&(_, id)| id)
                    .collect();
                if inside.len() >= k {
                    break 'found (branch, choose(&mut rng, &mut inside, k));
                }
            }
            return Err(DendriticError::NoClusterSite {
                k,
                span_um: c.span_um,
            });
        };
        let times_ms = (0..k)
            .map(|_| onset_ms + rng.random::<f64>() * window)
            .collect();
        out.push(Volley {
            onset_ms,
            branch,
            synapses,
            times_ms,
            dispersed_times_ms: Vec::new(),
            scattered_synapses: Vec::new(),
        });
    }
    // Controls, each from its own stream so that changing one leaves the other unchanged.
    let mut rng = rng_from_seed(derive_seed(seed, "time-dispersal", 0));
    for v in &mut out {
        v.dispersed_times_ms = (0..k)
            .map(|_| {
                let u = rng.random::<f64>() * (duration_ms - window);
                if u < v.onset_ms { u } else { u + window }
            })
            .collect();
    }
    let mut rng = rng_from_seed(derive_seed(seed, "space-scatter", 0));
    // Every excitatory site of the eligible regions, `max_distance_um` or not: the distance
    // tolerance alone keeps the scattered sites comparable.
    let candidates: Vec<usize> = table
        .synapses
        .iter()
        .filter(|s| s.class() == SynapseClass::Excitatory && eligible_region(s.branch))
        .map(|s| s.id)
        .collect();
    for v in &mut out {
        let mut used = vec![v.branch];
        for &site in &v.synapses {
            let d = table.synapses[site].distance_um;
            let mut pool: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|&id| {
                    let s = &table.synapses[id];
                    !used.contains(&s.branch)
                        && (s.distance_um - d).abs() <= c.scatter_distance_tolerance_um
                })
                .collect();
            if pool.is_empty() {
                return Err(DendriticError::NoScatterSite {
                    distance_um: d,
                    tolerance_um: c.scatter_distance_tolerance_um,
                    k,
                });
            }
            let chosen = choose(&mut rng, &mut pool, 1)[0];
            used.push(table.synapses[chosen].branch);
            v.scattered_synapses.push(chosen);
        }
    }
    Ok(out)
}
