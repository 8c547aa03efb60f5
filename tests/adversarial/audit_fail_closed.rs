//! Threat: audit_fail_closed (tests to come).
