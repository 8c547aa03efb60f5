//! Threat: the CLI contract drifts from what README/DESIGN promise, so scripts that rely on
//! it (exit codes, one JSON document with `error` on failure, `sha256sum -c` compatibility,
//! key round trips) make wrong decisions.

use std::path::Path;
use std::process::{Command, Output};

use crate::gate_util::Fx;
use crate::support::{self, json_doc, sigil};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn run_with_json_prints_one_document_and_keeps_the_program_output_off_stdout() {
    let fx = Fx::new();
    let k = fx.key("k");
    let prog = fx.write("prog", b"#!/bin/sh\necho \"args: $*\"\nexit 7\n");
    fx.sign(&k, &prog);
    let policy = fx.policy("p.toml", &[&k], "[run]\nallow = true\n");
    let o = fx
        .cmd()
        .args(["--format", "json", "run", "--policy"])
        .arg(&policy)
        .arg(&prog)
        .args(["--", "a", "b"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    let doc = json_doc(&o);
    assert_eq!(doc["command"], "run");
    assert_eq!(doc["status"], "allowed");
    assert_eq!(doc["exit_code"], 7);
    assert_eq!(doc["result"]["verdict"], "allow");
    assert_eq!(doc["result"]["program"]["exit_code"], 7);
    assert_eq!(stderr(&o), "args: a b\n");

    // Human output is untouched: the program's own stdout, nothing from sigil.
    let o = fx
        .cmd()
        .args(["run", "--policy"])
        .arg(&policy)
        .arg(&prog)
        .args(["--", "x"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(7));
    assert_eq!(stdout(&o), "args: x\n");
    assert_eq!(stderr(&o), "");
}

#[test]
fn every_failure_document_carries_error() {
    let fx = Fx::new();
    let k = fx.key("k");
    let a = fx.write("a.txt", b"a\n");
    let list = fx.p("SHA256SUMS");
    sigil()
        .args(["sums", "create"])
        .arg(&a)
        .arg("-o")
        .arg(&list)
        .assert()
        .code(0);
    fx.sign(&k, &list);
    std::fs::write(&a, b"changed\n").unwrap();
    let o = sigil()
        .args(["--format", "json", "sums", "verify"])
        .arg(&list)
        .arg("--key")
        .arg(k.with_extension("pub"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let doc = json_doc(&o);
    assert_eq!(doc["status"], "not-verified");
    assert_eq!(doc["error"]["kind"], "not-verified");
    assert_eq!(doc["error"]["message"], "1 of 1 files did not verify");
    assert_eq!(doc["result"]["files"][0]["status"], "changed");

    // A policy deny too.
    let policy = fx.policy("p.toml", &[&k], "");
    let unsigned = fx.write("u.bin", b"unsigned");
    let o = fx.verify(&policy, &unsigned);
    assert_eq!(o.status.code(), Some(1));
    let doc = json_doc(&o);
    assert_eq!(doc["error"]["kind"], "not-verified");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("deny: "),
        "{doc}"
    );
}

#[test]
fn a_missing_signature_is_missing_evidence() {
    let fx = Fx::new();
    let k = fx.key("k");
    let file = fx.write("a.txt", b"a\n");
    let o = sigil()
        .arg("verify")
        .arg("--key")
        .arg(k.with_extension("pub"))
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let sig = fx.p("a.txt.minisig");
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: no signature: {} does not exist\nhint: sign with `sigil sign --key KEY FILE`, or name the signature with --signature\n",
            file.display(),
            sig.display()
        )
    );
    let o = sigil()
        .args(["--format", "json", "verify", "--key"])
        .arg(k.with_extension("pub"))
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json_doc(&o)["error"]["kind"], "not-verified");
    // A missing artifact is still an I/O error on an operand.
    let o = sigil()
        .arg("verify")
        .arg("--key")
        .arg(k.with_extension("pub"))
        .arg(fx.p("missing"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn download_rule_refusals_are_not_verified_wherever_they_happen() {
    let fx = Fx::new();
    let k = fx.key("k");
    let policy = fx.policy("p.toml", &[&k], "");
    let install = |url: &str, extra: &[&str]| {
        fx.cmd()
            .args(["--format", "json", "install", url])
            .args(extra)
            .arg("--policy")
            .arg(&policy)
            .arg("--to")
            .arg(fx.p("dest"))
            .output()
            .unwrap()
    };
    for (url, extra, message) in [
        (
            "http://127.0.0.1:9/w",
            &[][..],
            "http://127.0.0.1:9/w is plain http, which is refused",
        ),
        (
            "http://10.255.255.1/w",
            &["--insecure-allow-http"][..],
            "http://10.255.255.1/w is plain http to a host that is not a loopback IP address",
        ),
    ] {
        let o = install(url, extra);
        assert_eq!(o.status.code(), Some(1), "{url}: {}", stderr(&o));
        let doc = json_doc(&o);
        assert_eq!(doc["error"]["kind"], "not-verified");
        assert_eq!(doc["error"]["message"], message);
    }
    // A URL sigil cannot use at all is a usage error.
    let o = install("ftp://127.0.0.1/w", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(json_doc(&o)["error"]["kind"], "usage");
}

#[test]
fn a_missing_builder_id_is_a_usage_error_for_every_vector() {
    let Some(shared) = support::shared() else {
        return;
    };
    let v = shared.join("vectors");
    let root = v.join("sigstore/trusted_root.json");
    let verify = |subject: &str, attestation: &str, identity: bool| {
        let mut c = sigil();
        c.args(["--format", "json", "verify-attestation"])
            .arg(v.join("slsa").join(subject))
            .arg("--attestation")
            .arg(v.join("slsa").join(attestation))
            .arg("--trusted-root")
            .arg(&root);
        if identity {
            c.args([
                "--certificate-identity-regexp",
                ".*",
                "--certificate-oidc-issuer",
                "https://token.actions.githubusercontent.com",
            ]);
        }
        c.output().unwrap()
    };
    for (subject, attestation) in [
        ("MODULE.bazel", "MODULE.bazel.intoto.jsonl"),
        (
            "gundam-visor-cli-v1-tag.tgz",
            "gundam-visor-cli-v1-tag.tgz.json",
        ),
    ] {
        let o = verify(subject, attestation, false);
        assert_eq!(o.status.code(), Some(2), "{attestation}: {}", stderr(&o));
        assert_eq!(json_doc(&o)["error"]["kind"], "usage");
    }
    // The npm provenance's signer delegates to the builder: only --builder-id can decide.
    let o = verify(
        "gundam-visor-cli-v1-tag.tgz",
        "gundam-visor-cli-v1-tag.tgz.json",
        true,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let doc = json_doc(&o);
    assert_eq!(doc["error"]["kind"], "usage");
    assert_eq!(doc["error"]["details"]["reason"], "wrong-signer-kind");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--builder-id is required to verify provenance signed by https://github.com/ramonpetgrave64/gundam-visor/"),
        "{doc}"
    );
    // A wrong signer is still "not verified", with or without --builder-id.
    let o = verify(
        "MODULE.bazel",
        "MODULE-wrong-signer.bazel.intoto.jsonl",
        true,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        json_doc(&o)["error"]["details"]["reason"],
        "signer-not-builder"
    );
}

#[test]
fn crlf_checksum_lists_verify_as_with_sha256sum() {
    let fx = Fx::new();
    let k = fx.key("k");
    fx.write("a.txt", b"a\n");
    fx.write("b c.txt", b"b\n");
    let list = fx.p("SHA256SUMS");
    let crlf = format!(
        "{}  a.txt\r\n{} *b c.txt\r\n",
        sigil_core::Sha256Digest::of(b"a\n").to_hex(),
        sigil_core::Sha256Digest::of(b"b\n").to_hex()
    );
    std::fs::write(&list, &crlf).unwrap();
    fx.sign(&k, &list);
    if let Some(sha256sum) = support::tool("sha256sum") {
        let o = Command::new(sha256sum)
            .arg("-c")
            .arg("SHA256SUMS")
            .current_dir(fx.dir.path())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(stdout(&o), "a.txt: OK\nb c.txt: OK\n");
    }
    let o = sigil()
        .args(["sums", "verify"])
        .arg(&list)
        .arg("--key")
        .arg(k.with_extension("pub"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o)
            .lines()
            .filter(|l| !l.starts_with("trusted comment: "))
            .collect::<Vec<_>>(),
        [
            "a.txt: OK".to_owned(),
            "b c.txt: OK".to_owned(),
            format!("verified 2 files (list signed by key {})", fx.key_id(&k)),
        ]
    );
}

fn export(key: &Path, format: &str, extra: &[&str]) -> Output {
    sigil()
        .args(["--format", format, "key", "export"])
        .arg(key)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_key_exported_to_pem_and_back_still_verifies_its_signatures() {
    let fx = Fx::new();
    let k = fx.key("k");
    let file = fx.write("a.txt", b"a\n");
    fx.sign(&k, &file);
    let pem = fx.p("k.pem");
    let o = export(&k.with_extension("pub"), "pem", &[]);
    assert_eq!(o.status.code(), Some(0));
    std::fs::write(&pem, &o.stdout).unwrap();

    // Without the original id sigil refuses rather than invent one.
    let o = export(&pem, "minisign", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: a PEM key carries no minisign key id, and an invented one would not match any existing signature\nhint: pass --key-id with the id of the minisign key this PEM key was exported from\n",
            pem.display()
        )
    );

    let id = fx.key_id(&k);
    let o = export(&pem, "minisign", &["--key-id", &id]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), support::read(k.with_extension("pub")));
    let back = fx.write("back.pub", &o.stdout);
    sigil()
        .arg("verify")
        .arg("--key")
        .arg(&back)
        .arg(&file)
        .assert()
        .code(0);
    if let Some(minisign) = support::tool("minisign") {
        let o = Command::new(minisign)
            .arg("-V")
            .arg("-p")
            .arg(&back)
            .arg("-m")
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }

    // A minisign key keeps its own id; another one is refused.
    let o = export(
        &k.with_extension("pub"),
        "minisign",
        &["--key-id", "0000000000000001"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: key id 0000000000000001 differs from the key file's key id {id}\n",
            k.with_extension("pub").display()
        )
    );
}
