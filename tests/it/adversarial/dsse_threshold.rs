//! Threat: a DSSE envelope with several signatures. sigil's rule, the same in
//! `sigil verify-attestation`, the policy gate and sigil-attest's `Envelope::verify`: every
//! signature of an envelope must verify with a trusted key. A bad or untrusted signature
//! beside a good one denies, exactly as it does alone (DSSE's threshold semantics would ignore
//! it; sigil does not, as it does not ignore an untrusted `.minisig` beside a trusted one).

use std::path::{Path, PathBuf};

use base64::Engine as _;

use crate::gate_util::{message, verdict, Fx};
use crate::support::{json_doc, sigil};

const SBOM: &str = "https://cyclonedx.org/bom";

/// Two keys sign the same statement; returns the two one-line envelopes.
struct Signed {
    fx: Fx,
    a: PathBuf,
    b: PathBuf,
    art: PathBuf,
    env_a: serde_json::Value,
    env_b: serde_json::Value,
}

fn sha256_hex(path: &Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum (coreutils) runs");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

fn signed() -> Signed {
    let fx = Fx::new();
    let a = fx.key("a-test");
    let b = fx.key("b-test");
    let art = fx.write("widget-1.0.0", b"widget 1.0.0");
    fx.sign(&a, &art);
    // A whole statement as the predicate is signed byte for byte, so both envelopes carry
    // the same payload and each signature is valid over it.
    let stmt = fx.write(
        "statement.json",
        serde_json::json!({
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": "widget-1.0.0", "digest": {"sha256": sha256_hex(&art)}}],
            "predicateType": SBOM,
            "predicate": {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}
        })
        .to_string()
        .as_bytes(),
    );
    let mut envs = Vec::new();
    for (key, out) in [(&a, "a.jsonl"), (&b, "b.jsonl")] {
        let out = fx.p(out);
        sigil()
            .arg("attest")
            .arg("--key")
            .arg(key.with_extension("key"))
            .args(["--predicate-type", SBOM, "--predicate"])
            .arg(&stmt)
            .arg("-o")
            .arg(&out)
            .arg(&art)
            .assert()
            .code(0);
        let text = std::fs::read_to_string(&out).unwrap();
        envs.push(serde_json::from_str::<serde_json::Value>(text.trim()).unwrap());
    }
    let env_b = envs.pop().unwrap();
    let env_a = envs.pop().unwrap();
    assert_eq!(env_a["payload"], env_b["payload"]);
    Signed {
        fx,
        a,
        b,
        art,
        env_a,
        env_b,
    }
}

/// An envelope with `sigs` as its signatures, written beside the artifact.
fn envelope(s: &Signed, sigs: &[serde_json::Value]) -> PathBuf {
    let mut env = s.env_a.clone();
    env["signatures"] = serde_json::Value::Array(sigs.to_vec());
    s.fx.write("widget-1.0.0.intoto.jsonl", format!("{env}\n").as_bytes())
}

/// A signature with one bit of its bytes flipped.
fn broken(sig: &serde_json::Value) -> serde_json::Value {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut bytes = b64.decode(sig["sig"].as_str().unwrap()).unwrap();
    bytes[7] ^= 1;
    let mut out = sig.clone();
    out["sig"] = b64.encode(bytes).into();
    out
}

fn verify_attestation(s: &Signed, att: &Path, keys: &[&Path]) -> (Option<i32>, serde_json::Value) {
    let mut cmd = sigil();
    cmd.args(["--format", "json", "verify-attestation"])
        .arg(&s.art)
        .arg("--attestation")
        .arg(att);
    for k in keys {
        cmd.arg("--key").arg(k.with_extension("pub"));
    }
    let out = cmd.output().unwrap();
    (out.status.code(), json_doc(&out))
}

fn policy_verdict(s: &Signed, keys: &[&Path]) -> std::process::Output {
    let policy = s.fx.policy(
        "policy.toml",
        keys,
        "[sbom]\nrequired = true\npredicate-types = [\"https://cyclonedx.org/bom\"]\n",
    );
    s.fx.verify(&policy, &s.art)
}

#[test]
fn untrusted_signature_beside_a_trusted_one_denies_everywhere() {
    let s = signed();
    let (sig_a, sig_b) = (&s.env_a["signatures"][0], &s.env_b["signatures"][0]);
    let att = envelope(&s, &[sig_a.clone(), sig_b.clone()]);
    let b_fp = sig_b["keyid"].as_str().unwrap().to_owned();

    // verify-attestation trusting only A.
    let (code, doc) = verify_attestation(&s, &att, &[&s.a]);
    assert_eq!(code, Some(1));
    assert_eq!(doc["error"]["details"]["reason"], "signature-invalid");
    assert_eq!(
        doc["error"]["message"],
        format!(
            "{} (document): signature 1 of 2 (key id hint {b_fp}) does not verify with any trusted key; every signature of an envelope must",
            att.display()
        )
    );
    // The policy gate trusting only A.
    let o = policy_verdict(&s, &[&s.a]);
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            vec!["key-untrusted".to_owned(), "sbom-missing".to_owned()]
        )
    );
    assert_eq!(
        message(&o, "key-untrusted"),
        format!("attestation ({SBOM}) signature 1 (key id hint {b_fp}) is not by a key the policy trusts; every signature of an envelope must verify with a trusted key")
    );

    // Trusting both, both signatures count and it passes, in either path.
    let (code, _) = verify_attestation(&s, &att, &[&s.a, &s.b]);
    assert_eq!(code, Some(0));
    assert_eq!(
        verdict(&policy_verdict(&s, &[&s.a, &s.b])),
        (Some(0), vec![])
    );
}

#[test]
fn broken_signature_beside_a_valid_one_denies_everywhere() {
    let s = signed();
    let sig_a = &s.env_a["signatures"][0];
    // A second signature naming the trusted key A, but changed: the envelope was tampered with.
    let att = envelope(&s, &[sig_a.clone(), broken(sig_a)]);
    let a_fp = sig_a["keyid"].as_str().unwrap().to_owned();

    let (code, doc) = verify_attestation(&s, &att, &[&s.a]);
    assert_eq!(code, Some(1));
    assert_eq!(doc["error"]["details"]["reason"], "signature-invalid");
    assert_eq!(
        doc["error"]["message"],
        format!(
            "{} (document): signature 1 of 2 (key id hint {a_fp}) does not verify with any trusted key; every signature of an envelope must",
            att.display()
        )
    );
    let o = policy_verdict(&s, &[&s.a]);
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            vec!["attestation-invalid".to_owned(), "sbom-missing".to_owned()]
        )
    );
    let label = message(&o, "attestation-invalid");
    assert!(
        label.starts_with(&format!("attestation ({SBOM}) signature 1 names key "))
            && label.ends_with(" but does not verify: the envelope was changed"),
        "{label}"
    );

    // Alone, the broken signature was always denied; the rule is the same with or without a
    // good one beside it.
    let att = envelope(&s, &[broken(sig_a)]);
    let (code, doc) = verify_attestation(&s, &att, &[&s.a]);
    assert_eq!(code, Some(1));
    assert_eq!(doc["error"]["details"]["reason"], "signature-invalid");
    let o = policy_verdict(&s, &[&s.a]);
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            vec!["attestation-invalid".to_owned(), "sbom-missing".to_owned()]
        )
    );
}
