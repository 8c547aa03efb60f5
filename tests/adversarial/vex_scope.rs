//! Threat: vex_scope (tests to come).
