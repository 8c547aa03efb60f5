//! sigil's integration tests, built as one binary: one module per area, the helpers
//! (`support`, `gate_util`, `pack_util`) compiled once. On 2 cores every extra test binary is
//! another link.

mod gate_util;
mod pack_util;
mod support;

mod adoption;
mod adversarial;
mod advisory;
mod attest;
mod attest_interop;
mod audit;
mod auditlog;
mod ecosystems;
mod foundation;
mod gate;
mod gate_attest;
mod gate_pack;
mod keyless;
mod minisign_interop;
mod pack;
mod pack_attacks;
mod pack_crash;
mod policy;
mod release;
mod sbom;
mod scale;
mod scan;
mod sigstore;
mod tidy;
mod tuf;
