//! Threat: pack_replace (tests to come).
