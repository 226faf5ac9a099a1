//! `arena`: the Spike Arena command-line client.

mod cli;
#[cfg(test)]
mod cli_docs;
mod commands;
mod connect;
mod live_model;
mod output;
mod retry;
mod server_process;

use std::process::ExitCode;

use crate::output::say_err;
use clap::Parser;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            say_err!("arena: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::dispatch(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say_err!("arena: {}", connect::one_line(&e));
            ExitCode::FAILURE
        }
    }
}
