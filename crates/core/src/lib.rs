//! sigil's foundation: streaming SHA-256/SHA-512 digests over any reader, hex encoding,
//! and the shared newtypes the other crates speak in.
//!
//! This crate opens no files, reads no environment and touches no network:
//! callers hand it readers and bytes.

pub mod digest;
pub mod hex;

pub use digest::{sha256_reader, sha512_reader, Sha256Digest, Sha512Digest, HASH_BUFFER_SIZE};
