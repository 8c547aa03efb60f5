//! sigil's foundation: streaming SHA-256/SHA-512 digests over any reader, hex encoding,
//! the shared newtypes the other crates speak in, and the strict JSON parse every signed JSON
//! document goes through ([`json::parse`]: duplicate keys are refused).
//!
//! This crate reads no environment and touches no network, and opens files in one place
//! only: [`input::open`], the helper every crate uses for files a user or attacker named, so
//! a FIFO or a device is refused instead of blocking. [`terminal::escape`] is the one home of
//! escaping untrusted text for a terminal. [`time::Timestamp`] is the one home of time (RFC 3339
//! in UTC), and [`input::read_bounded`] of reading at most a limit.

pub mod codes;
pub mod digest;
pub mod error;
pub mod hex;
pub mod input;
pub mod json;
pub mod report;
pub mod terminal;
pub mod time;

pub use digest::{sha256_reader, sha512_reader, Sha256Digest, Sha512Digest, HASH_BUFFER_SIZE};
