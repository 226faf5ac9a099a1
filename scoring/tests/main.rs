//! The integration tests of this crate, in one binary: linking one test executable instead
//! of one per file is most of what the test build costs (issue 17.5). Each module is one
//! former test file; the shared helpers are declared here once.

mod common;

mod b2_gamma;
mod bootstrap_coverage;
mod gauntlet;
mod md_star_peer;
mod peer_fixtures;
mod primary_properties;
