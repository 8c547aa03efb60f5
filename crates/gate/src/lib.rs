//! The gate: evidence gathering, downloads, verified install and run, and the audit log (work in progress).
