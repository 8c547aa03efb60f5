//! Threat: contract (tests to come).
