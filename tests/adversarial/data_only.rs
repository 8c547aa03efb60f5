//! Threat: data_only (tests to come).
