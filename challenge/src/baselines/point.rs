//! The point-neuron baselines of the two injected-current families (simulated and recorded):
//! the GIF family, the AdEx, the MAT and the LIF, fitted on the training current, voltage and
//! spikes. They serve both families, so they live here rather than in either family's folder;
//! the recorded family contributes the electrode kernel its voltage is compensated with.

use arena_challenge_core::public::PublicTrial;
use arena_neuron::point::{
    ElectrodeKernel, FitError, GifParams, compensate, fit_adex, fit_agif, fit_gif, fit_gif_k,
    fit_igif, fit_lif, fit_mat,
};

use super::{Baseline, BaselineError, Fitted};

/// The point models, fitted on the first repeat of every training trial laid end to end;
/// with an electrode kernel, on the voltage of each trial compensated by it
/// ([`compensate`], before the trials are joined, so no trial's current leaks into the
/// next). Spike times are as recorded either way.
pub(super) fn fit(
    baseline: Baseline,
    dt_s: f64,
    train: &[&PublicTrial],
    electrode: Option<&ElectrodeKernel>,
) -> Result<Fitted, BaselineError> {
    let current: Vec<f64> = train
        .iter()
        .flat_map(|t| t.stimulus_na.iter().copied())
        .collect();
    let mut voltage: Vec<f64> = Vec::with_capacity(current.len());
    for t in train {
        match electrode {
            Some(kernel) => voltage.extend(
                compensate(&t.voltage_mv[0], &t.stimulus_na, kernel).map_err(|e| {
                    BaselineError::Fit {
                        model: baseline.name(),
                        problem: format!("trial {}: active electrode compensation: {e}", t.id),
                    }
                })?,
            ),
            None => voltage.extend_from_slice(&t.voltage_mv[0]),
        }
    }
    let mut offset = 0.0;
    let mut spikes = Vec::new();
    for t in train {
        spikes.extend(t.spikes_s[0].iter().map(|s| s + offset));
        offset += t.duration_s;
    }
    let (c, v, s, dt) = (&current[..], &voltage[..], &spikes[..], dt_s);
    let fail = |e: FitError| BaselineError::Fit {
        model: baseline.name(),
        problem: e.to_string(),
    };
    Ok(match baseline {
        Baseline::Gif => Fitted::Gif(Box::new(fit_gif(c, v, s, dt).map_err(fail)?)),
        Baseline::GifK => Fitted::Gif(Box::new(fit_gif_k(c, v, s, dt).map_err(fail)?)),
        Baseline::AGif => Fitted::Gif(Box::new(fit_agif(c, v, s, dt).map_err(fail)?)),
        Baseline::IGif => Fitted::Gif(Box::new(fit_igif(c, v, s, dt).map_err(fail)?)),
        Baseline::Adex => Fitted::Adex(fit_adex(c, v, s, dt).map_err(fail)?),
        Baseline::Mat => Fitted::Mat(fit_mat(c, v, s, dt).map_err(fail)?),
        Baseline::Lif => Fitted::Lif(fit_lif(c, v, s, dt).map_err(fail)?),
        _ => unreachable!("point::fit is called for the point models only"),
    })
}

/// The baseline name of a member of the GIF family, from what its parameters add to the GIF.
pub(super) fn gif_family_name(p: &GifParams) -> &'static str {
    if p.threshold_coupling.is_some() {
        Baseline::IGif.name()
    } else if p.a_current.is_some() {
        Baseline::AGif.name()
    } else if p.k_current.is_some() {
        Baseline::GifK.name()
    } else {
        Baseline::Gif.name()
    }
}
