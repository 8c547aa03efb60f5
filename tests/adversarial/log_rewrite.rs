//! Threat: log_rewrite (tests to come).
