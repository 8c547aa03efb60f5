//! Threat: pack_strictness (tests to come).
