//! Adversarial tests: one module per threat. Each test reproduces an attack or a broken
//! promise found by a review, and asserts the exact verdict, exit code and message sigil
//! gives now. SECURITY.md's promise table names these tests; `tests/it/tidy.rs` keeps them in step.

mod audit_fail_closed;
mod clobber;
mod contract;
mod data_only;
mod dsse_threshold;
mod hangs;
mod json_strictness;
mod keyless_services;
mod keyless_testca;
mod log_rewrite;
mod pack_replace;
mod pack_strictness;
mod policy_footguns;
mod replay;
mod source_binding;
mod source_binding_keyless;
mod sums_strictness;
mod terminal_escape;
mod vex_scope;
mod zip_confusion;
