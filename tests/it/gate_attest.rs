//! `sigil verify --policy` and `sigil install` with attestations (issue 7): SLSA provenance
//! from a simulated GitHub Actions job and a CycloneDX SBOM, each signed with `sigil attest`,
//! must be authenticated by a trusted signer, name the artifact and match the policy.

use crate::gate_util;
use crate::support;

use std::path::{Path, PathBuf};

use gate_util::{message, rule, serve_dir, stderr, verdict, Fx};
use support::{json_doc, sigil};

const SLSA: &str = "https://slsa.dev/provenance/v1";
const CYCLONEDX: &str = "https://cyclonedx.org/bom";
const SPDX: &str = "https://spdx.dev/Document";
const BUILDER: &str = "https://github.com/acme/widget/.github/workflows/release.yml";

/// `sigil provenance FILE` under a simulated GitHub Actions job of acme/widget at v1.4.0.
fn provenance(fx: &Fx, subject: &Path, out: &str) -> PathBuf {
    let out = fx.p(out);
    sigil()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/widget")
        .env("GITHUB_REPOSITORY_ID", "123456")
        .env("GITHUB_REPOSITORY_OWNER_ID", "7890")
        .env("GITHUB_REF", "refs/tags/v1.4.0")
        .env("GITHUB_SHA", "5f3c0a1b2d4e6f708192a3b4c5d6e7f8091a2b3c")
        .env(
            "GITHUB_WORKFLOW_REF",
            "acme/widget/.github/workflows/release.yml@refs/tags/v1.4.0",
        )
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_RUN_ID", "987654321")
        .env("GITHUB_RUN_ATTEMPT", "1")
        .env("RUNNER_ENVIRONMENT", "github-hosted")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env_remove("GITLAB_CI")
        .arg("provenance")
        .arg(subject)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0);
    out
}

/// `sigil attest --key KEY --predicate-type T --predicate P SUBJECT -o OUT` (appends a line).
fn attest(key: &Path, predicate_type: &str, predicate: &Path, subject: &Path, out: &Path) {
    sigil()
        .arg("attest")
        .arg("--key")
        .arg(key.with_extension("key"))
        .args(["--predicate-type", predicate_type, "--predicate"])
        .arg(predicate)
        .arg("-o")
        .arg(out)
        .arg(subject)
        .assert()
        .code(0);
}

fn sbom(fx: &Fx) -> PathBuf {
    fx.write(
        "sbom.json",
        br#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[]}"#,
    )
}

fn policy_extra(builder: &str, source: &str) -> String {
    format!(
        "[provenance]\nbuilder-id = {builder:?}\nsource-uri = {source:?}\nsource-ref-regex = '^refs/tags/v'\n[sbom]\nrequired = true\n"
    )
}

/// A signed artifact with a key-signed provenance and SBOM beside it.
struct Release {
    fx: Fx,
    key: PathBuf,
    art: PathBuf,
    att: PathBuf,
}

fn release(with_provenance: bool, with_sbom: bool) -> Release {
    let fx = Fx::new();
    let key = fx.key("release");
    let art = fx.write("widget-1.4.0", b"\x7fELF widget 1.4.0");
    fx.sign(&key, &art);
    let att = fx.p("widget-1.4.0.intoto.jsonl");
    if with_provenance {
        let prov = provenance(&fx, &art, "provenance.json");
        attest(&key, SLSA, &prov, &art, &att);
    }
    if with_sbom {
        attest(&key, CYCLONEDX, &sbom(&fx), &art, &att);
    }
    Release { fx, key, art, att }
}

#[test]
fn signed_provenance_and_sbom_pass() {
    let r = release(true, true);
    let policy = r.fx.policy(
        "policy.toml",
        &[&r.key],
        &policy_extra(BUILDER, "github.com/acme/widget"),
    );
    let o = r.fx.verify(&policy, &r.art);
    assert_eq!(verdict(&o), (Some(0), vec![]), "{}", stderr(&o));
    let doc = json_doc(&o);
    assert_eq!(doc["result"]["verdict"], "allow");
    assert_eq!(rule(&o, "trust"), "pass");
    assert_eq!(rule(&o, "provenance"), "pass");
    assert_eq!(rule(&o, "sbom"), "pass");
    assert_eq!(rule(&o, "evidence"), "pass");

    // The builder id written with its @ref, and the source in its other spellings, match too.
    for (builder, source) in [
        (
            format!("{BUILDER}@refs/tags/v1.4.0"),
            "https://github.com/acme/widget",
        ),
        (BUILDER.to_owned(), "git+https://github.com/acme/widget.git"),
    ] {
        let p =
            r.fx.policy("policy2.toml", &[&r.key], &policy_extra(&builder, source));
        let o = r.fx.verify(&p, &r.art);
        assert_eq!(verdict(&o), (Some(0), vec![]), "{builder} {source}");
    }

    // Human output names each rule's verdict.
    let o =
        r.fx.cmd()
            .arg("verify")
            .arg("--policy")
            .arg(&policy)
            .arg(&r.art)
            .output()
            .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("provenance  pass"), "{text}");
    assert!(text.contains("sbom        pass"), "{text}");
}

#[test]
fn spdx_sbom_is_accepted_by_default() {
    let fx = Fx::new();
    let key = fx.key("release");
    let art = fx.write("widget.bin", b"widget");
    fx.sign(&key, &art);
    let spdx = fx.write(
        "sbom.spdx.json",
        br#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"widget","dataLicense":"CC0-1.0","documentNamespace":"https://example.com/widget","creationInfo":{"created":"2024-01-01T00:00:00Z","creators":["Tool: sigil"]},"packages":[]}"#,
    );
    attest(&key, SPDX, &spdx, &art, &fx.p("widget.bin.intoto.jsonl"));
    let policy = fx.policy("p.toml", &[&key], "[sbom]\nrequired = true\n");
    assert_eq!(verdict(&fx.verify(&policy, &art)), (Some(0), vec![]));
    // A policy that accepts only CycloneDX does not take it.
    let cdx = fx.policy(
        "cdx.toml",
        &[&key],
        "[sbom]\nrequired = true\npredicate-types = [\"https://cyclonedx.org/bom\"]\n",
    );
    assert_eq!(
        verdict(&fx.verify(&cdx, &art)),
        (Some(1), vec!["sbom-missing".to_owned()])
    );
}

#[test]
fn wrong_builder_id_is_refused() {
    let r = release(true, true);
    let other = "https://github.com/acme/widget/.github/workflows/nightly.yml";
    let policy = r.fx.policy(
        "policy.toml",
        &[&r.key],
        &policy_extra(other, "github.com/acme/widget"),
    );
    let o = r.fx.verify(&policy, &r.art);
    assert_eq!(verdict(&o), (Some(1), vec!["builder-mismatch".to_owned()]));
    assert_eq!(rule(&o, "provenance"), "fail");
    assert_eq!(rule(&o, "sbom"), "pass");
    assert_eq!(
        message(&o, "builder-mismatch"),
        format!("builder \"{BUILDER}@refs/tags/v1.4.0\", expected \"{other}\"")
    );
    // A prefix of the builder id is not the builder.
    let policy = r.fx.policy(
        "prefix.toml",
        &[&r.key],
        &policy_extra(
            "https://github.com/acme/widget/.github/workflows/release",
            "github.com/acme/widget",
        ),
    );
    assert_eq!(
        verdict(&r.fx.verify(&policy, &r.art)),
        (Some(1), vec!["builder-mismatch".to_owned()])
    );
}

#[test]
fn wrong_source_uri_is_refused() {
    let r = release(true, true);
    let policy = r.fx.policy(
        "policy.toml",
        &[&r.key],
        &policy_extra(BUILDER, "github.com/acme/gadget"),
    );
    let o = r.fx.verify(&policy, &r.art);
    assert_eq!(verdict(&o), (Some(1), vec!["source-mismatch".to_owned()]));
    assert_eq!(
        message(&o, "source-mismatch"),
        "source \"github.com/acme/widget\", expected \"github.com/acme/gadget\""
    );
    // And a ref the policy does not allow.
    let policy = r.fx.policy(
        "ref.toml",
        &[&r.key],
        &format!("[provenance]\nbuilder-id = {BUILDER:?}\nsource-ref = \"refs/heads/main\"\n"),
    );
    assert_eq!(
        verdict(&r.fx.verify(&policy, &r.art)),
        (Some(1), vec!["ref-mismatch".to_owned()])
    );
}

#[test]
fn missing_sbom_is_refused() {
    let r = release(true, false);
    let policy = r.fx.policy(
        "policy.toml",
        &[&r.key],
        &policy_extra(BUILDER, "github.com/acme/widget"),
    );
    let o = r.fx.verify(&policy, &r.art);
    assert_eq!(verdict(&o), (Some(1), vec!["sbom-missing".to_owned()]));
    assert_eq!(rule(&o, "provenance"), "pass");
    assert_eq!(rule(&o, "sbom"), "fail");

    // No attestation file at all: both are missing.
    std::fs::remove_file(&r.att).unwrap();
    assert_eq!(
        verdict(&r.fx.verify(&policy, &r.art)),
        (
            Some(1),
            vec!["provenance-missing".to_owned(), "sbom-missing".to_owned()]
        )
    );
}

#[test]
fn attestation_by_untrusted_key_is_refused() {
    let r = release(false, true);
    let stranger = r.fx.key("stranger");
    let prov = provenance(&r.fx, &r.art, "provenance.json");
    attest(&stranger, SLSA, &prov, &r.art, &r.att);
    let policy = r.fx.policy(
        "policy.toml",
        &[&r.key],
        &policy_extra(BUILDER, "github.com/acme/widget"),
    );
    let o = r.fx.verify(&policy, &r.art);
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            vec!["key-untrusted".to_owned(), "provenance-missing".to_owned()]
        )
    );
    let doc = json_doc(&o);
    let f = &doc["result"]["findings"][0];
    assert_eq!(f["source"], "widget-1.4.0.intoto.jsonl line 2");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .starts_with("attestation (https://slsa.dev/provenance/v1) is not signed by any key the policy trusts"),
        "{f}"
    );
    assert_eq!(rule(&o, "sbom"), "pass");
}

#[test]
fn attestation_about_another_artifact_is_refused() {
    let r = release(false, true);
    let other = r.fx.write("gadget-1.0", b"another artifact");
    let prov = provenance(&r.fx, &other, "other-provenance.json");
    attest(&r.key, SLSA, &prov, &other, &r.att);
    let policy = r.fx.policy(
        "policy.toml",
        &[&r.key],
        &policy_extra(BUILDER, "github.com/acme/widget"),
    );
    let o = r.fx.verify(&policy, &r.art);
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            vec![
                "attestation-subject-mismatch".to_owned(),
                "provenance-missing".to_owned()
            ]
        )
    );
    assert!(message(&o, "attestation-subject-mismatch").starts_with(
        "attestation (https://slsa.dev/provenance/v1) names other artifacts, not sha256 "
    ));
}

#[test]
fn changed_attestation_is_an_integrity_failure() {
    let r = release(true, true);
    // Flip the predicate type inside the signed payload of the SBOM line.
    let text = std::fs::read_to_string(&r.att).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let env: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let payload = b64.decode(env["payload"].as_str().unwrap()).unwrap();
    let changed = String::from_utf8(payload)
        .unwrap()
        .replace("\"version\":1", "\"version\":2");
    let mut env2 = env.clone();
    env2["payload"] = b64.encode(changed).into();
    std::fs::write(&r.att, format!("{}\n{}\n", lines[0], env2)).unwrap();
    let policy = r.fx.policy(
        "policy.toml",
        &[&r.key],
        &policy_extra(BUILDER, "github.com/acme/widget"),
    );
    let o = r.fx.verify(&policy, &r.art);
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            vec!["attestation-invalid".to_owned(), "sbom-missing".to_owned()]
        )
    );
    // Integrity failures cannot be waived: the policy itself is rejected.
    let waive = r.fx.policy(
        "waive.toml",
        &[&r.key],
        "[[exceptions]]\ncode = \"attestation-invalid\"\nreason = \"x\"\n",
    );
    r.fx.cmd()
        .args(["policy", "check"])
        .arg(&waive)
        .assert()
        .code(2);
    // Garbage in the file is malformed evidence.
    std::fs::write(&r.att, "not json\n").unwrap();
    let o = r.fx.verify(&policy, &r.art);
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            vec![
                "evidence-malformed".to_owned(),
                "provenance-missing".to_owned(),
                "sbom-missing".to_owned()
            ]
        )
    );
}

#[test]
fn attestations_by_revoked_or_expired_keys_do_not_count() {
    let fx = Fx::new();
    let signer = fx.key("signer");
    let ci = fx.key("ci");
    let art = fx.write("widget-1.4.0", b"widget");
    fx.sign(&signer, &art);
    let att = fx.p("widget-1.4.0.intoto.jsonl");
    let prov = provenance(&fx, &art, "provenance.json");
    attest(&ci, SLSA, &prov, &art, &att);
    let pubs = |k: &Path| format!("{:?}", k.with_extension("pub").display().to_string());
    let revoked = fx.write(
        "revoked.toml",
        format!(
            "schema = 1\n[trust]\nkeys = [{}, {}]\nrevoked = [\"{}\"]\n[provenance]\nbuilder-id = {BUILDER:?}\n",
            pubs(&signer),
            pubs(&ci),
            fx.key_id(&ci)
        )
        .as_bytes(),
    );
    let o = fx.verify(&revoked, &art);
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            vec!["key-revoked".to_owned(), "provenance-missing".to_owned()]
        )
    );
    let expired = fx.write(
        "expired.toml",
        format!(
            "schema = 1\n[trust]\nkeys = [{}, {{ path = {}, not-after = 2001-01-01 }}]\n[provenance]\nbuilder-id = {BUILDER:?}\n",
            pubs(&signer),
            pubs(&ci),
        )
        .as_bytes(),
    );
    assert_eq!(
        verdict(&fx.verify(&expired, &art)),
        (
            Some(1),
            vec!["key-expired".to_owned(), "provenance-missing".to_owned()]
        )
    );
    // The same key, trusted and current: passes.
    let ok = fx.policy(
        "ok.toml",
        &[&signer, &ci],
        &format!("[provenance]\nbuilder-id = {BUILDER:?}\n"),
    );
    assert_eq!(verdict(&fx.verify(&ok, &art)), (Some(0), vec![]));
}

#[test]
fn install_downloads_and_checks_attestations() {
    let r = release(true, true);
    let policy = r.fx.policy(
        "policy.toml",
        &[&r.key],
        &policy_extra(BUILDER, "github.com/acme/widget"),
    );
    let base = serve_dir(r.fx.dir.path());
    let dest = r.fx.p("dest");
    std::fs::create_dir(&dest).unwrap();
    let o =
        r.fx.cmd()
            .args([
                "install",
                "--format",
                "json",
                "--insecure-allow-http",
                "--policy",
            ])
            .arg(&policy)
            .arg("--to")
            .arg(&dest)
            .arg(format!("{base}/widget-1.4.0"))
            .output()
            .unwrap();
    assert_eq!(verdict(&o), (Some(0), vec![]), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(dest.join("widget-1.4.0")).unwrap(),
        b"\x7fELF widget 1.4.0"
    );

    // Without the SBOM attestation on the server, nothing is installed.
    let dest2 = r.fx.p("dest2");
    std::fs::create_dir(&dest2).unwrap();
    let text = std::fs::read_to_string(&r.att).unwrap();
    std::fs::write(&r.att, format!("{}\n", text.lines().next().unwrap())).unwrap();
    let o =
        r.fx.cmd()
            .args([
                "install",
                "--format",
                "json",
                "--insecure-allow-http",
                "--policy",
            ])
            .arg(&policy)
            .arg("--to")
            .arg(&dest2)
            .arg(format!("{base}/widget-1.4.0"))
            .output()
            .unwrap();
    assert_eq!(verdict(&o), (Some(1), vec!["sbom-missing".to_owned()]));
    assert_eq!(std::fs::read_dir(&dest2).unwrap().count(), 0);
}
