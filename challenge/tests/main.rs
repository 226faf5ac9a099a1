//! The integration tests of this crate, in one binary: linking one test executable instead
//! of one per file is most of what the test build costs (issue 17.5). Each module is one
//! former test file; the shared helpers are declared here once.

mod common;
mod module_graph;

mod dendritic_baselines;
mod dendritic_challenge;
mod dendritic_trials;
mod fuzz;
mod gauntlet;
mod hidden_generators;
mod ladder;
mod recorded;
mod scoring_policy;
