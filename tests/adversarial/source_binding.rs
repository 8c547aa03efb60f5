//! Threat: source_binding (tests to come).
