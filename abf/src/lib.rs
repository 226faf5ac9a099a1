//! A small reader for Axon Binary Format 2 (ABF2) recordings: episodic and gap-free files as
//! written by Clampex 10 and later (Molecular Devices).
//!
//! # Why this crate exists
//!
//! Spike Arena ships real current-clamp recordings (dorsal raphe neurons, frozen-noise current
//! injection; `datasets/drn-frozen-noise/`) in their original ABF2 files, so that anyone can
//! check them against the upstream repository byte for byte. No Rust crate reads ABF2, and a
//! conversion step in another language would put an unchecked tool between the data and the
//! scores. This crate reads only what those recordings need, from bytes in memory (no file
//! I/O: the caller reads the file and decides where it comes from).
//!
//! # What is read
//!
//! An ABF2 file is a sequence of 512-byte blocks. Block 0 holds the signature `"ABF2"`, the
//! format version, the number of sweeps, the sample format and a map of section pointers. Four
//! sections are read:
//!
//! - the protocol section: acquisition mode, sampling interval, ADC range and resolution;
//! - the ADC section: per channel, the indices of its name and units and its gains;
//! - the strings section: the names and units those indices refer to;
//! - the data section: int16 counts or float32 values, channels interleaved, sweep after
//!   sweep.
//!
//! int16 counts become user units (mV, pA, ...) as `count × factor + shift`, computed in single
//! precision in the order of Axon's `ABFH_GetADCtoUUFactors`:
//! `factor = fADCRange / (fInstrumentScaleFactor × fADCProgrammableGain [× fSignalGain]
//! [× fTelegraphAdditGain]) / lADCResolution` and `shift = fInstrumentOffset [− fSignalOffset]`,
//! the signal-conditioner terms only when the protocol's `nSignalType ≠ 0` and the telegraph
//! gain only when the channel's `nTelegraphEnable ≠ 0`. Where this differs from pyabf, and why
//! the shipped files are unaffected, is explained in `src/adc.rs`. float32 samples are used as
//! stored.
//!
//! Everything else (DAC waveforms, epochs, tags, the synch array) is ignored. Variable-length
//! event-driven files (mode 1) are refused with an error, as are ABF1 files.
//!
//! Sources for the layout: Axon's ABFFIO SDK headers (`ProtocolStructs.h`: `ABF_FileInfo`,
//! `ABF_ProtocolInfo`, `ABF_ADCInfo`) and `ABFHEADR.CPP` (`ABFH_GetADCtoUUFactors`), and
//! pyABF (S. W. Harden, <https://github.com/swharden/pyABF>, v2.3), whose output is the
//! reference in this crate's tests (`peer/make_reference.py`).
//!
//! # Example
//!
//! ```no_run
//! let bytes = std::fs::read("DRN156_5ht_test.abf").unwrap();
//! let abf = arena_abf::AbfFile::parse(&bytes).unwrap();
//! let vm = abf.channel_with_units("mV").unwrap();
//! for sweep in &abf.sweeps {
//!     let spikes = arena_abf::upward_crossings(&sweep.data[vm], 0.0, abf.sample_rate_hz);
//!     println!("{} spikes", spikes.len());
//! }
//! ```

#![warn(missing_docs)]

mod adc;
mod crossings;
mod error;
mod file;
mod header;
mod protocol;
mod strings;
mod view;

pub use crossings::upward_crossings;
pub use error::AbfError;
pub use file::{AbfFile, Channel, Sweep};
pub use header::SampleFormat;
pub use protocol::AcquisitionMode;
