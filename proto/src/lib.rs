//! The Spike Arena wire contract (`spikearena.v1`), generated from `proto/spikearena/v1/*.proto`.
//!
//! The `.proto` files are the public contract: contestants in any language generate their own
//! clients from them. This crate only carries the generated Rust code and the descriptor set that
//! the server publishes through gRPC reflection; conversions to domain types live with the
//! adapters (server and client), at one boundary each. Two small modules hold what both sides
//! must compute alike: the board's JSON ([`board_json`]), the organizer log's hash chain
//! ([`log_chain`]) and the token listing ([`token_list`]).

#![allow(missing_docs, clippy::all)]

/// Generated messages and the `Arena` service (client and server).
pub mod v1 {
    tonic::include_proto!("spikearena.v1");
}

/// A transport baseline for benchmarks (`spikearena.bench.v1.Echo`); never served by the server.
pub mod bench {
    tonic::include_proto!("spikearena.bench.v1");
}

pub mod board_json;
pub mod log_chain;
pub mod token_list;

/// Largest gRPC message either side encodes or decodes, bytes: the server's and the client's
/// channels are configured with the same limit (tonic's default of 4 MiB would refuse a large
/// predictions upload before the server could name its own, smaller, limit).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// The encoded `FileDescriptorSet` of the contract, for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("spikearena_descriptor");
