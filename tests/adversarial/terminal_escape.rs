//! Threat: terminal_escape (tests to come).
