//! Threat: json_strictness (tests to come).
