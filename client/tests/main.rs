//! The integration tests of this crate, in one binary: linking one test executable instead
//! of one per file is most of what the test build costs (issue 17.5). Each module is one
//! former test file; the shared helpers are declared here once.

mod common;

mod audit;
mod e2e;
mod live;
mod live_dendritic;
mod offline;
mod organizer;
mod resilience;
mod soak;
mod web;
