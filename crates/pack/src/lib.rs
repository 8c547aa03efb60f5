//! Data packs (work in progress).
