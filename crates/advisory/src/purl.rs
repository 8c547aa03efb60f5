//! Package URLs: the one home is [`sigil_sbom::purl`]; re-exported here for advisory users.

pub use sigil_sbom::purl::{Purl, PurlParseError};
