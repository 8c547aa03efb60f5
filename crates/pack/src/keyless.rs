//! Keyless pack signatures: `.sigil/SHA256SUMS.sigstore.json`, a Sigstore DSSE bundle over an
//! in-toto statement whose one subject is the manifest (`SHA256SUMS`, by SHA-256) and whose
//! predicate names the pack (name, version, file count, total size).
//!
//! The statement is the keyless home of what the minisign trusted comment signs, so the
//! name/version replay checks (`pack verify --expect-name`, the gate's `signed-name-mismatch`)
//! work the same for both. sigstore-python verifies the bundle against the manifest file
//! (`verify identity --bundle .sigil/SHA256SUMS.sigstore.json .sigil/SHA256SUMS`).
//!
//! Signing itself (Fulcio, Rekor, timestamps) is not here: [`statement`] gives the bytes to
//! sign, the caller signs them, [`write_keyless`] writes the result.

use std::fs;
use std::io;
use std::path::Path;

use serde_json::json;
use sigil_core::Sha256Digest;
use sigil_sigstore::{Artifact, Bundle, SignerPolicy, TrustRoot};

use crate::manifest::{self, Manifest, PackComment, MANIFEST_PATH, SIGNATURE_PATH};
use crate::rules::Limits;
use crate::sign::{SignError, SignedPack, Unsigned};
use crate::verify::{self, PackSigner, PackVerifyError, VerifiedPack};

/// Where the keyless signature lives in a pack.
pub const BUNDLE_PATH: &str = ".sigil/SHA256SUMS.sigstore.json";
/// The predicate type of the pack statement.
pub const PREDICATE_TYPE: &str = "https://sigil.dev/pack/v1";
/// The in-toto statement type.
const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// Largest bundle read.
pub const MAX_BUNDLE_BYTES: u64 = 1 << 20;

/// The in-toto statement signed for a pack: subject `SHA256SUMS` by digest, predicate the
/// pack comment's fields.
pub fn statement(manifest: &[u8], comment: &PackComment) -> Vec<u8> {
    let digest = Sha256Digest::of(manifest);
    json!({
        "_type": STATEMENT_V1,
        "subject": [{ "name": "SHA256SUMS", "digest": { "sha256": digest.to_hex() } }],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "name": comment.name,
            "version": comment.version,
            "files": comment.files,
            "bytes": comment.bytes,
        },
    })
    .to_string()
    .into_bytes()
}

/// Reads the pack comment from a verified statement: the predicate type must be
/// [`PREDICATE_TYPE`] and its four fields present and valid.
pub fn comment_of(statement: &[u8]) -> Result<PackComment, PackVerifyError> {
    let bad = |why: &str| PackVerifyError::Statement(why.to_owned());
    let v = sigil_core::json::parse(statement).map_err(|e| bad(&e.to_string()))?;
    if v["_type"] != STATEMENT_V1 {
        return Err(bad("not an in-toto v1 statement"));
    }
    if v["predicateType"] != PREDICATE_TYPE {
        return Err(bad("predicate type is not https://sigil.dev/pack/v1"));
    }
    let p = &v["predicate"];
    let (Some(name), Some(version), Some(files), Some(bytes)) = (
        p["name"].as_str(),
        p["version"].as_str(),
        p["files"].as_u64(),
        p["bytes"].as_u64(),
    ) else {
        return Err(bad("predicate lacks name, version, files or bytes"));
    };
    manifest::check_name(name).map_err(PackVerifyError::Comment)?;
    manifest::check_version(version).map_err(PackVerifyError::Comment)?;
    // As strict as the signer: one subject, the manifest. (Its digest is checked by the
    // bundle verification against the manifest's bytes.)
    match v["subject"].as_array().map(Vec::as_slice) {
        Some([s]) if s["name"] == "SHA256SUMS" => {}
        _ => {
            return Err(bad(
                "the statement must have exactly one subject, SHA256SUMS",
            ))
        }
    }
    Ok(PackComment {
        name: name.to_owned(),
        version: version.to_owned(),
        files,
        bytes,
    })
}

/// Who may have signed a pack keyless: the trusted root and the identity policy.
#[derive(Debug, Clone, Copy)]
pub struct KeylessTrust<'a> {
    /// The Sigstore trusted root.
    pub root: &'a TrustRoot,
    /// The expected identity and issuer.
    pub policy: &'a SignerPolicy,
}

/// Verifies manifest bytes against a keyless bundle: the bundle over the manifest's digest
/// for the identity, the statement's predicate, then the same manifest checks as
/// [`verify::verify_manifest`].
pub fn verify_manifest_keyless(
    manifest: &[u8],
    bundle: &[u8],
    trust: KeylessTrust<'_>,
    limits: &Limits,
) -> Result<VerifiedPack, PackVerifyError> {
    let b = Bundle::parse(bundle).map_err(|e| PackVerifyError::Statement(e.to_string()))?;
    let digest = Sha256Digest::of(manifest);
    let (v, _, payload) =
        sigil_sigstore::verify_dsse(trust.root, &b, Artifact::Sha256(digest), trust.policy)
            .map_err(PackVerifyError::Keyless)?;
    let comment = comment_of(&payload)?;
    let sigil_sigstore::BundleSigner::Certificate {
        identity, issuer, ..
    } = v.signer
    else {
        return Err(PackVerifyError::Statement(
            "a keyless pack bundle must be signed with a certificate, not a managed key".into(),
        ));
    };
    let signer = PackSigner::Keyless { identity, issuer };
    let text = std::str::from_utf8(manifest).map_err(|_| PackVerifyError::Unreadable {
        path: MANIFEST_PATH.into(),
        reason: "manifest is not UTF-8",
    })?;
    let manifest = Manifest::parse(text).map_err(PackVerifyError::Manifest)?;
    verify::check_counts(comment, signer, manifest, limits)
}

/// [`verify::verify_dir_allowing`] for a keyless pack: `bundle` (default
/// `DIR/.sigil/SHA256SUMS.sigstore.json`) instead of the minisign signature.
pub fn verify_dir_keyless(
    dir: &Path,
    bundle: Option<&Path>,
    trust: KeylessTrust<'_>,
    limits: &Limits,
    allow: &sigil_scan::Allowlist,
) -> Result<VerifiedPack, PackVerifyError> {
    verify::check_sigil_dir(dir)?;
    let manifest = verify::read_small(&dir.join(MANIFEST_PATH), manifest::MAX_MANIFEST_BYTES)?;
    let default = dir.join(BUNDLE_PATH);
    let bundle = verify::read_small(bundle.unwrap_or(&default), MAX_BUNDLE_BYTES)?;
    let v = verify_manifest_keyless(&manifest, &bundle, trust, limits)?;
    verify::verify_tree(dir, v, limits, allow, &|_, _| {})
}

/// Writes a keyless-signed pack: the manifest and the bundle `identity` (of `issuer`) signed;
/// removes a minisign signature left from an earlier signing (it signs another manifest).
pub fn write_keyless(
    dir: &Path,
    unsigned: Unsigned,
    bundle: &[u8],
    identity: &str,
    issuer: &str,
) -> Result<SignedPack, SignError> {
    let io = |p: &Path| {
        let path = p.to_owned();
        move |source: io::Error| SignError::Io { path, source }
    };
    let sigil = dir.join(manifest::SIGIL_DIR);
    fs::create_dir_all(&sigil).map_err(io(&sigil))?;
    let write = |p: &Path, b: &[u8]| {
        sigil_keys::write_new_file(p, b, 0o644, true)
            .map_err(|e| io(p)(io::Error::other(e.to_string())))
    };
    let (manifest_path, signature_path) = (dir.join(MANIFEST_PATH), dir.join(BUNDLE_PATH));
    write(&manifest_path, unsigned.manifest.as_bytes())?;
    write(&signature_path, bundle)?;
    let stale = dir.join(SIGNATURE_PATH);
    match fs::remove_file(&stale) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io(&stale)(e)),
        _ => {}
    }
    Ok(SignedPack {
        comment: unsigned.comment,
        signer: PackSigner::Keyless {
            identity: identity.to_owned(),
            issuer: issuer.to_owned(),
        },
        manifest_path,
        signature_path,
        placeholders: unsigned.placeholders,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn comment() -> PackComment {
        PackComment {
            name: "prompts".into(),
            version: "1.2.0".into(),
            files: 2,
            bytes: 30,
        }
    }

    #[test]
    fn statement_names_the_manifest_digest_and_carries_the_pack_comment() {
        let s = statement(b"abc", &comment());
        let v: serde_json::Value = serde_json::from_slice(&s).unwrap();
        assert_eq!(
            v["subject"][0]["digest"]["sha256"],
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(v["subject"][0]["name"], "SHA256SUMS");
        assert_eq!(comment_of(&s).unwrap(), comment());
    }

    fn check(statement: &str, expect: &str) {
        let e = comment_of(statement.as_bytes()).unwrap_err();
        assert_eq!(e.to_string(), expect);
    }

    #[test]
    fn statements_of_another_kind_are_refused() {
        check(
            r#"{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://slsa.dev/provenance/v1","predicate":{}}"#,
            "pack statement: predicate type is not https://sigil.dev/pack/v1",
        );
        check(
            r#"{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://sigil.dev/pack/v1","predicate":{"name":"p","version":"1"}}"#,
            "pack statement: predicate lacks name, version, files or bytes",
        );
        check(
            r#"{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://sigil.dev/pack/v1","predicate":{"name":"p q","version":"1","files":1,"bytes":1}}"#,
            "pack name \"p q\" is empty, too long or has characters outside [A-Za-z0-9._+@/-]",
        );
        check(
            r#"{"_type":"x"}"#,
            "pack statement: not an in-toto v1 statement",
        );
        let good = r#""predicateType":"https://sigil.dev/pack/v1","predicate":{"name":"p","version":"1","files":1,"bytes":1}"#;
        for subjects in [
            "[]",
            r#"[{"name":"other","digest":{"sha256":"00"}}]"#,
            r#"[{"name":"SHA256SUMS","digest":{"sha256":"00"}},{"name":"SHA256SUMS","digest":{"sha256":"11"}}]"#,
        ] {
            check(
                &format!(
                    r#"{{"_type":"https://in-toto.io/Statement/v1","subject":{subjects},{good}}}"#
                ),
                "pack statement: the statement must have exactly one subject, SHA256SUMS",
            );
        }
    }
}
