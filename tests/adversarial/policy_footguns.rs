//! Threat: policy_footguns (tests to come).
