//! Threat: replay (tests to come).
