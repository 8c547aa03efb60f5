//! Threat: dsse_threshold (tests to come).
