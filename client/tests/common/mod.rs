//! What the client's integration suites share: the seed of this run.

use arena_server::Seeds;

/// The seed of this test run (issue 20): `ARENA_TEST_SEED` if set (the flakiness check,
/// `.ci/flaky`, runs the suites under many), else 42. It is the hidden seed of every challenge
/// the harnesses create (given through the organizer's `--hidden-seed`) and the base of the
/// server's own draws ([`Seeds::Fixed`]: live evaluation seeds, the reference's noise seed), so a
/// commit passes or fails the same way on every run.
pub fn test_seed() -> u64 {
    match std::env::var("ARENA_TEST_SEED") {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("ARENA_TEST_SEED: {text:?} is not an unsigned integer")),
        Err(_) => 42,
    }
}

/// [`test_seed`] as the organizer's `--hidden-seed` argument.
pub fn hidden_seed_arg() -> String {
    test_seed().to_string()
}

/// The server's own seeds for this run.
pub fn server_seeds() -> Seeds {
    Seeds::Fixed(test_seed())
}
