//! Threat: sums_strictness (tests to come).
