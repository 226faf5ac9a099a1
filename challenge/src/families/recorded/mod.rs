//! Trials cut from current-clamp recordings (`source = "recorded"`).
//!
//! A recorded challenge has no generating model: its ground truth is what a real neuron did. The
//! recordings are ABF2 files in which each sweep is one injection of the same frozen stimulus
//! (Pozzorini et al. 2015 protocol), so a file's sweeps are the repeats of one stimulus and a
//! split's trials are consecutive pieces cut from every sweep. Spikes are found on the whole
//! sweep before it is cut, so a crossing that straddles two pieces is not lost; it belongs to
//! the piece in which its interpolated time falls.
//!
//! A recorded challenge may also ship the recording its authors made to calibrate the electrode
//! ([`aec::AecRecording`], `[recording.aec]`): with one electrode both injecting and recording, the
//! recorded voltage holds the electrode's drop, and point models fitted to it mistake that drop
//! for membrane dynamics. The baselines fit on the training voltage compensated with the kernel
//! estimated from it (`arena_neuron::point::aec`); contestants get the same recording.

//!
//! Sections: `[recording]` ([`section::Recording`]), checked by [`check`]. Generation: trials cut
//! from the `[recording]` files ([`generation`]). Public files beyond the trials: the AEC
//! recording ([`RecordedData`]). No reference (there is no generating model); baselines: the
//! point models shared with the simulated injected-current family (`crate::baselines::point`),
//! fitted on the compensated voltage.

pub mod aec;
pub mod cut;
pub mod generation;
mod public_data;
pub mod section;

pub use public_data::RecordedData;
pub use section::check;
