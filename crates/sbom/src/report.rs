//! What `sigil sbom` answers: the summary of an SBOM written (to a file or to stdout), a diff,
//! and the failures of reading and rendering, as [`Report`]s and [`Failure`]s.
//!
//! The SBOM goes to `-o OUT` or to stdout (with `--format json`, inside the result document
//! as `result.sbom`). The timestamp is `SOURCE_DATE_EPOCH` when set, else now; the serial
//! number is derived from the content, so a fixed `SOURCE_DATE_EPOCH` gives identical bytes.
//!
//! Exit codes: 0 written (or diffed); 1 the evidence is missing or malformed (a binary with
//! no cargo-auditable data, an input SBOM that does not parse); 2 usage, setup or I/O
//! (`cargo metadata` fails, an unreadable file, a bad `SOURCE_DATE_EPOCH`).

use std::path::Path;

use serde_json::{json, Value};
use sigil_core::input::ReadBoundedError;
use sigil_core::report::{io_reason, Failure, Report};

use crate::binary::BinarySbomError;
use crate::cargo::CargoSbomError;
use crate::diff::{Diff, Inventory, SbomParseError};
use crate::{RenderError, Sbom, Spec, Timestamp};

/// What an SBOM was made from, for its JSON summary.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Origin<'a> {
    /// A Cargo workspace for the host `platform`.
    Cargo {
        /// The host triple.
        platform: &'a str,
        /// Dev-dependencies listed too.
        include_dev: bool,
    },
    /// A pack directory, with the entries left out (not regular files).
    Pack {
        /// Their paths.
        skipped: &'a [&'a str],
    },
    /// A binary's embedded dependency list.
    Binary {
        /// The binary.
        path: &'a Path,
    },
}

/// The SBOM's timestamp from `secs` (`SOURCE_DATE_EPOCH` or now), the one conversion of
/// recorded seconds for every command that writes a timestamp.
pub fn timestamp(secs: u64) -> Result<Timestamp, Failure> {
    let secs =
        i64::try_from(secs).map_err(|_| Failure::usage("SOURCE_DATE_EPOCH is out of range"))?;
    Timestamp::from_unix_seconds(secs)
        .map_err(|e| Failure::usage(format!("SOURCE_DATE_EPOCH: {e}")))
}

/// An SBOM rendered as `text` in `spec`: written to `output` (the caller wrote it), or the
/// document itself on stdout (and `result.sbom` in JSON).
pub fn emitted(
    sbom: &Sbom,
    spec: Spec,
    text: String,
    output: Option<&Path>,
    origin: Origin<'_>,
) -> Result<Report, Failure> {
    let mut summary = match origin {
        Origin::Cargo {
            platform,
            include_dev,
        } => json!({ "platform": platform, "include_dev": include_dev }),
        Origin::Pack { skipped } => json!({ "skipped": skipped }),
        Origin::Binary { path } => {
            json!({ "binary": path, "sha256": sbom.root.sha256.map(|d| d.to_hex()) })
        }
    };
    summary["spec"] = json!(spec.name());
    summary["components"] = json!(sbom.components.len());
    summary["root"] = json!({ "name": sbom.root.name, "version": sbom.root.version });
    let Some(path) = output else {
        let doc: Value =
            serde_json::from_str(&text).map_err(|e| Failure::io(format!("internal: {e}")))?;
        summary["sbom"] = doc;
        let mut r = Report::ok("ok", summary);
        r.document = Some(text);
        return Ok(r);
    };
    summary["output"] = json!(path);
    Ok(Report::ok("ok", summary).line(format!(
        "wrote {} ({}, {} components)",
        path.display(),
        spec.name(),
        sbom.components.len()
    )))
}

/// The warning for each entry of a pack directory an SBOM leaves out.
pub fn skipped_warnings<'a>(skipped: &'a [&str]) -> impl Iterator<Item = String> + 'a {
    skipped
        .iter()
        .map(|s| format!("{s}: not a regular file, not listed"))
}

impl From<RenderError> for Failure {
    fn from(e: RenderError) -> Self {
        Failure::io(Failure::chain(&e))
    }
}

impl From<CargoSbomError> for Failure {
    fn from(e: CargoSbomError) -> Self {
        Failure::usage(Failure::chain(&e))
    }
}

/// A binary that could not be read whole (over `limit` bytes is not verified, exit 1).
pub fn binary_unreadable(path: &Path, e: ReadBoundedError, limit: u64) -> Failure {
    match e {
        ReadBoundedError::TooLarge { .. } => {
            Failure::not_verified(format!("{} is larger than {limit} bytes", path.display()))
        }
        e => Failure::io(format!("{}: {}", path.display(), io_reason(&e.into()))),
    }
}

/// The SBOM of the binary at `path` from its `bytes`, its root named by the file's name; a
/// binary without usable cargo-auditable data is not verified ([`binary_error`]).
pub fn binary_sbom(path: &Path, bytes: &[u8]) -> Result<Sbom, Failure> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("binary");
    crate::binary::from_binary(bytes, name).map_err(|e| binary_error(path, &e))
}

/// A binary that yields no SBOM: not verified, with how to build one that does.
pub fn binary_error(path: &Path, e: &BinarySbomError) -> Failure {
    let f = Failure::not_verified(format!("{}: {}", path.display(), Failure::chain(e)));
    match e {
        BinarySbomError::NoAuditData => f.hint("build it with `cargo auditable build` (cargo install cargo-auditable) and do not strip the .dep-v0 section"),
        _ => f,
    }
}

/// An input SBOM of `sbom diff` that does not parse (not verified).
pub fn unparsable(path: &Path, e: &SbomParseError) -> Failure {
    Failure::not_verified(format!("{}: {}", path.display(), Failure::chain(e)))
}

/// `sbom diff`: the diff's lines, its JSON with both sides described.
pub fn diff(d: &Diff, (a, x): (&Path, &Inventory), (b, y): (&Path, &Inventory)) -> Report {
    let side = |p: &Path, i: &Inventory| json!({ "path": p, "format": i.format, "components": i.entries.len() });
    let mut data = d.to_json();
    data["a"] = side(a, x);
    data["b"] = side(b, y);
    let mut r = Report::ok("ok", data);
    r.human = d.lines();
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::{from_files, PackInfo};

    fn pack_sbom() -> Sbom {
        let info = PackInfo {
            name: "demo".into(),
            version: Some("1.0.0".into()),
        };
        from_files(&info, Vec::new()).unwrap()
    }

    #[test]
    fn an_sbom_written_to_a_file_reports_its_path_spec_and_count() {
        let s = pack_sbom();
        let skipped = ["link"];
        let origin = Origin::Pack { skipped: &skipped };
        let out = Path::new("out.json");
        let r = emitted(&s, Spec::Spdx23, "{}".into(), Some(out), origin).unwrap();
        assert_eq!(r.human, ["wrote out.json (spdx-2.3, 0 components)"]);
        assert_eq!(r.exit_code(), 0);
        assert!(r.document.is_none());
        let warnings: Vec<_> = skipped_warnings(&skipped).collect();
        assert_eq!(warnings, ["link: not a regular file, not listed"]);
        assert_eq!(
            r.data,
            json!({ "skipped": ["link"], "spec": "spdx-2.3", "components": 0,
                    "root": { "name": "demo", "version": "1.0.0" }, "output": "out.json" })
        );
    }

    #[test]
    fn an_sbom_on_stdout_is_the_document_and_the_json_result() {
        let s = pack_sbom();
        let origin = Origin::Cargo {
            platform: "x86_64-unknown-linux-gnu",
            include_dev: false,
        };
        let r = emitted(&s, Spec::CycloneDx16, "{\"a\":1}".into(), None, origin).unwrap();
        assert!(r.human.is_empty());
        assert_eq!(r.document.as_deref(), Some("{\"a\":1}"));
        assert_eq!(
            r.data,
            json!({ "platform": "x86_64-unknown-linux-gnu", "include_dev": false,
                    "spec": "cyclonedx-1.6", "components": 0,
                    "root": { "name": "demo", "version": "1.0.0" }, "sbom": { "a": 1 } })
        );
        let bin = Origin::Binary {
            path: Path::new("bin/x"),
        };
        let r = emitted(&s, Spec::CycloneDx15, "{}".into(), None, bin).unwrap();
        assert_eq!(r.data["binary"], "bin/x");
        assert_eq!(r.data["sha256"], Value::Null);
    }

    #[test]
    fn timestamps_out_of_range_are_usage_errors() {
        assert_eq!(timestamp(0).unwrap().unix_seconds(), 0);
        let e = timestamp(u64::MAX).unwrap_err();
        assert_eq!(e.kind.exit_code(), 2);
        assert_eq!(e.message, "SOURCE_DATE_EPOCH is out of range");
    }

    #[test]
    fn a_file_that_is_not_a_binary_gives_no_sbom() {
        let e = binary_sbom(Path::new("dir/tool"), b"#!/bin/sh\n").unwrap_err();
        assert_eq!(e.kind.exit_code(), 1);
        assert!(e.message.starts_with("dir/tool: "), "{}", e.message);
    }

    #[test]
    fn a_binary_without_audit_data_is_not_verified_with_a_hint() {
        let e = binary_error(Path::new("b"), &BinarySbomError::NoAuditData);
        assert_eq!(e.kind.exit_code(), 1);
        assert_eq!(
            e.message,
            "b: the binary carries no cargo-auditable dependency list"
        );
        assert!(e
            .hint
            .unwrap()
            .starts_with("build it with `cargo auditable build`"));
        let e = binary_error(Path::new("b"), &BinarySbomError::NoRoot);
        assert_eq!(
            (e.message.as_str(), e.hint),
            ("b: the embedded dependency list has no root package", None)
        );
        let big = ReadBoundedError::TooLarge { limit: 4 };
        let e = binary_unreadable(Path::new("b"), big, 4);
        assert_eq!(
            (e.kind.exit_code(), e.message.as_str()),
            (1, "b is larger than 4 bytes")
        );
    }

    #[test]
    fn a_diff_reports_its_lines_and_both_sides() {
        let doc = r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"a","version":"1"}]}"#;
        let x = Inventory::parse(doc).unwrap();
        let y = Inventory::parse(&doc.replace("\"1\"", "\"2\"")).unwrap();
        let d = crate::diff::diff(&x, &y);
        let r = diff(&d, (Path::new("x.json"), &x), (Path::new("y.json"), &y));
        assert_eq!(r.human, ["~ a 1 -> 2", "0 added, 0 removed, 1 changed"]);
        assert_eq!(
            r.data["a"],
            json!({ "path": "x.json", "format": x.format, "components": 1 })
        );
        assert_eq!(r.data["identical"], false);
        let e = unparsable(Path::new("z"), &Inventory::parse("[]").unwrap_err());
        assert_eq!(e.kind.exit_code(), 1);
        assert!(e.message.starts_with("z: "), "{}", e.message);
    }
}
