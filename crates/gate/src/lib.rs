//! The gate: the only sigil crate that touches the network or puts artifacts where they will be
//! used.
//!
//! - [`evidence`]: gathers sidecar evidence by convention and checks signatures against the
//!   policy's keys (trust decisions stay in `sigil-policy`);
//! - [`fetch`]: HTTPS downloads (loopback `http://` only behind `insecure_allow_http`) streamed
//!   into private files with a size limit and timeouts;
//! - [`keyless`]: the HTTPS transport of keyless signing (Fulcio, Rekor, TSA) and GitHub
//!   Actions' ambient identity token;
//! - [`install`]: verify in a private staging directory beside the destination, then move into
//!   place atomically; nothing reaches the destination before the policy allows it;
//! - [`pack`]: pack archives and directories under a policy (manifest, limits, install);
//! - [`provenance`]: SLSA provenance from the CI job's variables or the local git checkout;
//! - [`report`]: the gate commands' outcomes and errors as `sigil_core::report` results;
//! - [`run`]: copy into a sealed memfd, verify and hash that copy, and execute exactly it;
//! - [`sbom`]: SBOMs of a Cargo workspace and of a pack directory (sigil-pack's walk);
//! - [`tuf`]: the fetcher as the transport of sigil-tuf's TUF client;
//! - [`decision_log`]: the append-only, hash-chained SQLite log of every gate decision, and
//!   [`decision`]: a decision as JSON and text.
//!
//! What it does not do: decide trust (that is `sigil-policy`), print, or parse arguments.

pub mod attest;
pub mod attest_report;
pub mod decision;
pub mod decision_log;
pub mod evidence;
pub mod fetch;
pub mod install;
pub mod keyless;
pub mod pack;
pub mod provenance;
pub mod report;
pub mod run;
pub mod sbom;
pub mod tuf;

pub use evidence::{gather, gather_path, GatherError, Target};
