//! Generates the Rust code for the wire contract with protox (pure Rust), so no system `protoc`
//! is needed, and keeps the file descriptor set for gRPC reflection.

use std::{env, path::PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=spikearena");
    let fds = protox::compile(
        [
            "spikearena/v1/arena.proto",
            "spikearena/bench/v1/echo.proto",
        ],
        ["."],
    )?;
    let out = PathBuf::from(env::var("OUT_DIR")?);
    // Reflection describes the served contract only, not the benchmark echo.
    let mut served = fds.clone();
    served
        .file
        .retain(|f| !f.name().starts_with("spikearena/bench/"));
    std::fs::write(
        out.join("spikearena_descriptor.bin"),
        prost::Message::encode_to_vec(&served),
    )?;
    tonic_prost_build::configure().compile_fds(fds)?;
    Ok(())
}
