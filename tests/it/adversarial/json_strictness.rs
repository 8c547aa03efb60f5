//! Threat: signed JSON that means one thing to sigil and another to the next reader, and bundles
//! that `verify` accepted although no signer would write them.
//!
//! serde_json keeps the last of two equal keys; other readers keep the first or refuse. A DSSE
//! envelope, an in-toto statement or a Sigstore bundle that names a key twice is refused, as is a
//! bundle without a `mediaType` or with both `messageSignature` and `dsseEnvelope` (the specs'
//! `oneof content`).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::Value;

use crate::gate_util::{message, stderr, verdict, Fx};
use crate::support::{json_doc, shared, sigil};

const ID: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const GHA: &str = "https://token.actions.githubusercontent.com";
const CYCLONEDX: &str = "https://cyclonedx.org/bom";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn sigstore_vectors() -> Option<PathBuf> {
    shared().map(|s| s.join("vectors/sigstore"))
}

/// `sigil [--format json] verify --bundle B --trusted-root R (identity flags) a.txt`.
fn verify_bundle(dir: &Path, bundle: &Path, json: bool) -> std::process::Output {
    let mut c = sigil();
    if json {
        c.args(["--format", "json"]);
    }
    c.args(["verify", "--bundle"])
        .arg(bundle)
        .arg("--trusted-root")
        .arg(dir.join("trusted_root.json"))
        .args([
            "--certificate-identity",
            ID,
            "--certificate-oidc-issuer",
            GHA,
        ])
        .arg(dir.join("a.txt"))
        .output()
        .unwrap()
}

/// Writes `bundle` (edited JSON text) and checks `verify --bundle` refuses it with `why`, in
/// human and JSON output.
fn refused(dir: &Path, text: &str, why: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let b = tmp.path().join("edited.sigstore.json");
    std::fs::write(&b, text).unwrap();
    let o = verify_bundle(dir, &b, false);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: is not a valid sigstore bundle: {why}\n",
            b.display()
        )
    );
    let o = verify_bundle(dir, &b, true);
    assert_eq!(o.status.code(), Some(1));
    let doc = json_doc(&o);
    assert_eq!(doc["status"], "not-verified");
    assert_eq!(doc["error"]["details"]["reason"], "bundle-malformed");
    assert_eq!(
        doc["error"]["message"],
        format!("{}: is not a valid sigstore bundle: {why}", b.display())
    );
}

#[test]
fn bundle_without_media_type_is_not_verified() {
    let Some(dir) = sigstore_vectors() else {
        return;
    };
    // The untouched bundle verifies.
    let good = dir.join("happy-path-v0.3.sigstore.json");
    assert_eq!(verify_bundle(&dir, &good, false).status.code(), Some(0));
    let mut v: Value = serde_json::from_str(&crate::support::read(&good)).unwrap();
    v.as_object_mut().unwrap().remove("mediaType");
    refused(&dir, &v.to_string(), "bundle has no mediaType");
    // Nor one whose media type is no bundle version.
    v["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.4".into();
    refused(
        &dir,
        &v.to_string(),
        "unsupported bundle mediaType \"application/vnd.dev.sigstore.bundle+json;version=0.4\" (expected application/vnd.dev.sigstore.bundle+json;version=0.1, application/vnd.dev.sigstore.bundle+json;version=0.2, application/vnd.dev.sigstore.bundle.v0.3+json, application/vnd.dev.sigstore.bundle+json;version=0.3)",
    );
}

#[test]
fn bundle_with_both_message_signature_and_dsse_envelope_is_not_verified() {
    let Some(dir) = sigstore_vectors() else {
        return;
    };
    let mut v: Value = serde_json::from_str(&crate::support::read(
        dir.join("happy-path-v0.3.sigstore.json"),
    ))
    .unwrap();
    let dsse: Value = serde_json::from_str(&crate::support::read(
        dir.join("happy-path-intoto-in-dsse-v3.sigstore.json"),
    ))
    .unwrap();
    v["dsseEnvelope"] = dsse["dsseEnvelope"].clone();
    refused(
        &dir,
        &v.to_string(),
        "bundle has both messageSignature and dsseEnvelope; exactly one is allowed",
    );
}

#[test]
fn bundle_with_a_duplicate_key_is_not_verified() {
    let Some(dir) = sigstore_vectors() else {
        return;
    };
    let text = crate::support::read(dir.join("happy-path-v0.3.sigstore.json"));
    // A second `mediaType`, spelled with an escape: serde_json would keep whichever came last.
    let at = text.rfind('}').unwrap();
    let edited = format!(
        "{},\"m\\u0065diaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.1\"}}",
        text[..at].trim_end()
    );
    let column = edited.rfind(":\"application").unwrap();
    let line = edited[..column].matches('\n').count() + 1;
    let col = column - edited[..column].rfind('\n').map_or(0, |i| i + 1);
    refused(
        &dir,
        &edited,
        &format!("duplicate key \"mediaType\" at line {line} column {col}"),
    );
}

/// A key-signed artifact with a CycloneDX SBOM attestation beside it, under a policy that
/// requires the SBOM.
struct Attested {
    fx: Fx,
    key: PathBuf,
    art: PathBuf,
    att: PathBuf,
    policy: PathBuf,
}

fn attested() -> Attested {
    let fx = Fx::new();
    let key = fx.key("release");
    let art = fx.write("widget-1.0.0", b"widget 1.0.0");
    fx.sign(&key, &art);
    let sbom = fx.write(
        "sbom.json",
        br#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[]}"#,
    );
    let att = fx.p("widget-1.0.0.intoto.jsonl");
    sigil()
        .arg("attest")
        .arg("--key")
        .arg(key.with_extension("key"))
        .args(["--predicate-type", CYCLONEDX, "--predicate"])
        .arg(&sbom)
        .arg("-o")
        .arg(&att)
        .arg(&art)
        .assert()
        .code(0);
    let policy = fx.policy("policy.toml", &[&key], "[sbom]\nrequired = true\n");
    Attested {
        fx,
        key,
        art,
        att,
        policy,
    }
}

/// The envelope `sigil attest` wrote.
fn envelope(a: &Attested) -> Value {
    serde_json::from_str(crate::support::read(&a.att).trim()).unwrap()
}

/// Signs `payload` as an in-toto DSSE envelope with the fixture's key.
fn sign_payload(a: &Attested, payload: &[u8]) -> String {
    let text = crate::support::read(a.key.with_extension("key"));
    let sk = sigil_keys::SecretKey::parse_minisign(&text, None).unwrap();
    sigil_attest::Envelope::sign(&sk, "application/vnd.in-toto+json", payload.to_vec()).to_json()
}

#[test]
fn signed_statement_with_duplicate_keys_is_refused() {
    let a = attested();
    let o = a.fx.verify(&a.policy, &a.art);
    assert_eq!(verdict(&o), (Some(0), vec![]), "{}", stderr(&o));

    // The same statement, validly signed, with a first `subject` naming another artifact:
    // a first-wins reader sees an SBOM of something else, serde_json the real subject.
    let env = envelope(&a);
    let payload = B64.decode(env["payload"].as_str().unwrap()).unwrap();
    let statement = String::from_utf8(payload).unwrap();
    let forged = statement.replacen(
        '{',
        &format!(
            "{{\"subject\":[{{\"name\":\"other\",\"digest\":{{\"sha256\":\"{}\"}}}}],",
            "0".repeat(64)
        ),
        1,
    );
    std::fs::write(&a.att, sign_payload(&a, forged.as_bytes()) + "\n").unwrap();
    let column = forged.rfind("\"subject\"").unwrap() + "\"subject\"".len();
    let o = a.fx.verify(&a.policy, &a.art);
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            vec!["attestation-invalid".to_owned(), "sbom-missing".to_owned()]
        ),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        message(&o, "attestation-invalid"),
        format!("attestation ({CYCLONEDX}): statement is not a strict JSON object: duplicate key \"subject\" at line 1 column {column} [statement-malformed]")
    );

    // `verify-attestation` agrees.
    let o = sigil()
        .arg("verify-attestation")
        .arg(&a.art)
        .arg("--attestation")
        .arg(&a.att)
        .arg("--key")
        .arg(a.key.with_extension("pub"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "duplicate key \"subject\" at line 1 column {column}"
        )),
        "{}",
        stderr(&o)
    );
}

#[test]
fn envelope_with_duplicate_keys_is_refused() {
    let a = attested();
    // A first `payload` ahead of the signed one: serde_json took the last, and the signature
    // verified over it.
    let text = crate::support::read(&a.att);
    let forged = text.trim().replacen('{', "{\"payload\":\"e30=\",", 1);
    std::fs::write(&a.att, format!("{forged}\n")).unwrap();
    let column = forged.rfind("\"payload\"").unwrap() + "\"payload\"".len();
    let o = a.fx.verify(&a.policy, &a.art);
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            vec!["evidence-malformed".to_owned(), "sbom-missing".to_owned()]
        ),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        message(&o, "evidence-malformed"),
        format!("not JSON: duplicate key \"payload\" at line 1 column {column}")
    );
}
