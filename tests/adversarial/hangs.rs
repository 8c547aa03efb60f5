//! Threat: hangs (tests to come).
