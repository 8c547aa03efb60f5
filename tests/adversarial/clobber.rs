//! Threat: clobber (tests to come).
