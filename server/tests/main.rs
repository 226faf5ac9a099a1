//! The integration tests of this crate, in one binary: linking one test executable instead
//! of one per file is most of what the test build costs (issue 17.5). Each module is one
//! former test file; the shared helpers are declared here once.

mod clustering_effect;
mod error_boundary;
mod live_start;
mod names;
mod recovery;
