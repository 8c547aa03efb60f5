//! sigil's foundation: streaming SHA-256/SHA-512 digests over any reader, hex encoding,
//! the shared newtypes the other crates speak in, and the strict JSON parse every signed JSON
//! document goes through ([`json::parse`]: duplicate keys are refused).
//!
//! This crate opens no files, reads no environment and touches no network:
//! callers hand it readers and bytes.

pub mod digest;
pub mod hex;
pub mod json;

pub use digest::{sha256_reader, sha512_reader, Sha256Digest, Sha512Digest, HASH_BUFFER_SIZE};
