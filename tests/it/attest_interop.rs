//! DSSE interop with securesystemslib, both directions (issue 5, done-when 1).
//!
//! securesystemslib signs an envelope with an Ed25519 key and sigil verifies it given the PEM
//! public key; sigil signs and securesystemslib (`dsse.Envelope`, `signer.SSlibKey`) verifies
//! it. Changing the payload, the payloadType or the signature fails in both.
//! Without the venv these tests skip loudly; with `SIGIL_INTEROP=1` they fail instead.

use crate::support;

use std::fs;
use std::path::Path;
use std::process::Command;

use support::{python, sigil};

/// Signs `statement` (file) with a fresh Ed25519 key; writes `key.pem` and `env.json`.
const PY_SIGN: &str = r#"
import json, sys
from cryptography.hazmat.primitives import serialization
from securesystemslib.dsse import Envelope
from securesystemslib.signer import CryptoSigner
statement, pem_out, env_out = sys.argv[1:4]
signer = CryptoSigner.generate_ed25519()
pub = signer._private_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
open(pem_out, "wb").write(pub)
env = Envelope(open(statement, "rb").read(), "application/vnd.in-toto+json", {})
env.sign(signer)
open(env_out, "w").write(json.dumps(env.to_dict()))
"#;

/// Verifies a one-line envelope file with a PEM public key. The key's keyid is computed here,
/// independently, as sigil documents it: hex SHA-256 of the DER SubjectPublicKeyInfo.
/// Prints `verified` or `rejected: <error>`.
const PY_VERIFY: &str = r#"
import hashlib, json, sys
from cryptography.hazmat.primitives import serialization
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey
pem_path, env_path = sys.argv[1:3]
pub = serialization.load_pem_public_key(open(pem_path, "rb").read())
der = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
key = SSlibKey.from_crypto(pub, keyid=hashlib.sha256(der).hexdigest())
env = Envelope.from_dict(json.loads(open(env_path).read().strip()))
try:
    env.verify([key], 1)
    print("verified")
except Exception as e:
    print("rejected: %s" % type(e).__name__)
"#;

fn py(script: &str, args: &[&Path]) -> String {
    let py = python().expect("checked by caller");
    let out = Command::new(py)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Applies one tampering (`payload`, `payloadType` or `signature`) to an envelope file.
const PY_TAMPER: &str = r#"
import base64, json, sys
src, how, dst = sys.argv[1:4]
v = json.loads(open(src).read().strip())
if how == "payload":
    p = bytearray(base64.b64decode(v["payload"]))
    p[-3] ^= 1
    v["payload"] = base64.b64encode(bytes(p)).decode()
elif how == "payloadType":
    v["payloadType"] = "application/vnd.in-toto+jsom"
else:
    s = bytearray(base64.b64decode(v["signatures"][0]["sig"]))
    s[10] ^= 1
    v["signatures"][0]["sig"] = base64.b64encode(bytes(s)).decode()
open(dst, "w").write(json.dumps(v))
"#;

/// Writes an in-toto Statement v1 about `artifact` (digest computed by Python's hashlib).
const PY_STATEMENT: &str = r#"
import hashlib, json, sys
artifact, out = sys.argv[1:3]
d = hashlib.sha256(open(artifact, "rb").read()).hexdigest()
json.dump({"_type": "https://in-toto.io/Statement/v1",
           "subject": [{"name": "app.bin", "digest": {"sha256": d}}],
           "predicateType": "https://example.com/test/v1",
           "predicate": {"k": "v"}}, open(out, "w"))
"#;

fn tamper(src: &Path, how: &str) -> std::path::PathBuf {
    let dst = src.with_extension(format!("bad-{how}"));
    py(PY_TAMPER, &[src, Path::new(how), &dst]);
    dst
}

#[test]
fn securesystemslib_signs_sigil_verifies() {
    if python().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let artifact = dir.path().join("app.bin");
    fs::write(&artifact, b"release bytes\n").unwrap();
    let statement = dir.path().join("statement.json");
    py(PY_STATEMENT, &[&artifact, &statement]);
    let pem = dir.path().join("ssl.pem");
    let env = dir.path().join("env.json");
    py(PY_SIGN, &[&statement, &pem, &env]);

    let out = sigil()
        .arg("verify-attestation")
        .arg(&artifact)
        .arg("--attestation")
        .arg(&env)
        .arg("--key")
        .arg(&pem)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("predicate type: https://example.com/test/v1"),
        "{stdout}"
    );
    assert!(stdout.contains("subject: app.bin (sha256 "), "{stdout}");

    // A JSON document says the same.
    let out = sigil()
        .args(["--format", "json", "verify-attestation"])
        .arg(&artifact)
        .arg("--attestation")
        .arg(&env)
        .arg("--key")
        .arg(&pem)
        .output()
        .unwrap();
    let doc = support::json_doc(&out);
    assert_eq!(doc["status"], "verified");
    assert_eq!(doc["result"]["verified"][0]["signer"]["kind"], "key");
    assert_eq!(doc["result"]["verified"][0]["kind"], "dsse");

    for how in ["payload", "payloadType", "signature"] {
        let bad = tamper(&env, how);
        let out = sigil()
            .arg("verify-attestation")
            .arg(&artifact)
            .arg("--attestation")
            .arg(&bad)
            .arg("--key")
            .arg(&pem)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{how}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("no signature verifies with a trusted key"),
            "{how}: {stderr}"
        );
    }
}

#[test]
fn sigil_signs_securesystemslib_verifies() {
    if python().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("release");
    sigil()
        .args(["key", "generate", "--no-password", "--out"])
        .arg(&prefix)
        .assert()
        .code(0);
    let pem_out = sigil()
        .args(["key", "export"])
        .arg(dir.path().join("release.pub"))
        .output()
        .unwrap();
    assert_eq!(pem_out.status.code(), Some(0));
    let pem = dir.path().join("release.pem");
    fs::write(&pem, &pem_out.stdout).unwrap();

    let artifact = dir.path().join("app.bin");
    fs::write(&artifact, b"release bytes\n").unwrap();
    let predicate = dir.path().join("predicate.json");
    fs::write(&predicate, r#"{"note": "interop"}"#).unwrap();
    let att = dir.path().join("app.intoto.jsonl");
    sigil()
        .args(["attest", "--key"])
        .arg(dir.path().join("release.key"))
        .args([
            "--predicate-type",
            "https://example.com/test/v1",
            "--predicate",
        ])
        .arg(&predicate)
        .arg("-o")
        .arg(&att)
        .arg(&artifact)
        .assert()
        .code(0);
    let line = fs::read_to_string(&att).unwrap();
    assert_eq!(line.lines().count(), 1);
    assert_eq!(py(PY_VERIFY, &[&pem, &att]), "verified");

    for how in ["payload", "payloadType", "signature"] {
        let bad = tamper(&att, how);
        assert_eq!(
            py(PY_VERIFY, &[&pem, &bad]),
            "rejected: VerificationError",
            "{how}"
        );
    }
}
