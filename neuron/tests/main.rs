//! The integration tests of this crate, in one binary: linking one test executable instead
//! of one per file is most of what the test build costs (issue 17.5). Each module is one
//! former test file; the shared helpers are declared here once.

mod point_common;

mod cable_analytic;
mod cable_batch;
mod cable_json;
mod cable_neuron;
mod cable_swc;
mod point_baselines;
mod point_demo;
mod point_fit_adex;
mod point_fit_lif;
mod point_gif;
mod point_mat;
mod point_models;
mod point_stimulus;
