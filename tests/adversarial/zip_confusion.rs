//! Threat: zip_confusion (tests to come).
