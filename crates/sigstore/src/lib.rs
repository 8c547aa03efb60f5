//! Offline Sigstore bundle verification (work in progress).
