//! Threat: source binding. Signed provenance whose facts disagree (the trigger repository,
//! the first resolved dependency, the keyless certificate's source repository) must not pass
//! because one check stopped at the first fact, compared case differently, or was waived by
//! an exception for another code. `sigil verify --policy` and `sigil verify-attestation` judge
//! every provenance with the same function (sigil-gate's `judge_document`, sigil-attest's
//! `check_provenance`), so they give the same verdict on every case here, including the
//! shared SLSA vectors.
//!
//! Keyless cases (certificate facts) are unit tests in sigil-attest (`verify::tests`), where
//! the certificate's extensions are an input.

use std::path::{Path, PathBuf};

use crate::gate_util::{message, verdict, Fx};
use crate::support::{json_doc, shared, sigil};

const SLSA: &str = "https://slsa.dev/provenance/v1";
const BUILDER: &str = "https://github.com/acme/widget/.github/workflows/release.yml";
const GH_ISSUER: &str = "https://token.actions.githubusercontent.com";

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

/// What a provenance claims.
#[derive(Clone, Copy)]
struct Claims<'a> {
    /// `externalParameters.workflow.repository`.
    trigger: &'a str,
    /// `resolvedDependencies[0].uri` without `git+` and `@ref`.
    dependency: &'a str,
    /// The ref both name.
    git_ref: &'a str,
    /// `runDetails.builder.id`.
    builder: &'a str,
}

const GOOD: Claims<'static> = Claims {
    trigger: "https://github.com/acme/widget",
    dependency: "https://github.com/acme/widget",
    git_ref: "refs/tags/v1.0.0",
    builder: "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1.0.0",
};

/// An SLSA v1 statement in GitHub's workflow layout about the file at `subject`.
fn statement(subject: &Path, c: Claims<'_>) -> String {
    serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": subject.file_name().unwrap().to_str().unwrap(), "digest": {"sha256": sha256_hex(subject)}}],
        "predicateType": SLSA,
        "predicate": {
            "buildDefinition": {
                "buildType": "https://actions.github.io/buildtypes/workflow/v1",
                "externalParameters": {"workflow": {"ref": c.git_ref, "repository": c.trigger, "path": ".github/workflows/release.yml"}},
                "internalParameters": {"github": {"event_name": "push"}},
                "resolvedDependencies": [{"uri": format!("git+{}@{}", c.dependency, c.git_ref), "digest": {"gitCommit": "5f3c0a1b2d4e6f708192a3b4c5d6e7f8091a2b3c"}}]
            },
            "runDetails": {"builder": {"id": c.builder}, "metadata": {"invocationId": "https://github.com/acme/widget/actions/runs/1/attempts/1"}}
        }
    })
    .to_string()
}

/// A release: a key-signed artifact and, beside it, a key-signed provenance with `claims`
/// about `about` (the artifact itself unless another file is named).
struct Release {
    fx: Fx,
    key: PathBuf,
    art: PathBuf,
    att: PathBuf,
}

fn release(claims: Claims<'_>, about_other_file: bool) -> Release {
    let fx = Fx::new();
    let key = fx.key("release-test");
    let art = fx.write("widget-1.0.0", b"\x7fELF widget 1.0.0");
    fx.sign(&key, &art);
    let about = if about_other_file {
        fx.write("other", b"another artifact")
    } else {
        art.clone()
    };
    let stmt = fx.write("statement.json", statement(&about, claims).as_bytes());
    let att = fx.p("widget-1.0.0.intoto.jsonl");
    sigil()
        .arg("attest")
        .arg("--key")
        .arg(key.with_extension("key"))
        .args(["--predicate-type", SLSA, "--predicate"])
        .arg(&stmt)
        .arg("-o")
        .arg(&att)
        .arg(&about)
        .assert()
        .code(0);
    Release { fx, key, art, att }
}

/// What is expected of the provenance, said once for both commands.
#[derive(Clone, Copy, Default)]
struct Expect<'a> {
    builder: Option<&'a str>,
    source: Option<&'a str>,
    git_ref: Option<&'a str>,
}

impl Expect<'_> {
    fn flags(&self) -> Vec<String> {
        let mut v = Vec::new();
        for (flag, value) in [
            ("--builder-id", self.builder),
            ("--source-uri", self.source),
            ("--source-ref", self.git_ref),
        ] {
            if let Some(x) = value {
                v.push(flag.to_owned());
                v.push(x.to_owned());
            }
        }
        v
    }

    fn policy(&self) -> String {
        let mut s = "[provenance]\n".to_owned();
        for (key, value) in [
            ("builder-id", self.builder),
            ("source-uri", self.source),
            ("source-ref", self.git_ref),
        ] {
            if let Some(x) = value {
                s.push_str(&format!("{key} = {x:?}\n"));
            }
        }
        s
    }
}

/// `sigil verify-attestation ART --attestation ATT --key PUB [flags]`: (exit code, JSON).
fn verify_attestation(r: &Release, e: Expect<'_>) -> (Option<i32>, serde_json::Value) {
    let out = sigil()
        .args(["--format", "json", "verify-attestation"])
        .arg(&r.art)
        .arg("--attestation")
        .arg(&r.att)
        .arg("--key")
        .arg(r.key.with_extension("pub"))
        .args(e.flags())
        .output()
        .unwrap();
    (out.status.code(), json_doc(&out))
}

/// `sigil verify --policy` with a policy trusting the release key and expecting `e`.
fn verify_policy(r: &Release, e: Expect<'_>, extra: &str) -> std::process::Output {
    let policy =
        r.fx.policy("policy.toml", &[&r.key], &format!("{}{extra}", e.policy()));
    r.fx.verify(&policy, &r.art)
}

/// The reason codes verify-attestation gives for the one attestation in the file.
fn reasons(doc: &serde_json::Value) -> Vec<String> {
    doc["error"]["details"]["rejected"][0]["reasons"]
        .as_array()
        .map(|a| a.iter().map(|c| c.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn case_only_trigger_difference_does_not_skip_the_dependency_check() {
    // The trigger differs from the policy's source only in case; the first resolved
    // dependency is another repository. The policy used to lower-case the trigger after the
    // library had stopped at it, and allowed.
    let r = release(
        Claims {
            trigger: "https://github.com/ACME/widget",
            dependency: "https://github.com/evil/other",
            ..GOOD
        },
        false,
    );
    let e = Expect {
        builder: Some(BUILDER),
        source: Some("github.com/acme/widget"),
        git_ref: None,
    };
    let o = verify_policy(&r, e, "");
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            strings(&[
                "attestation-invalid",
                "source-mismatch",
                "provenance-missing"
            ])
        )
    );
    assert_eq!(
        message(&o, "attestation-invalid"),
        format!(
            "attestation ({SLSA}): provenance names two sources: trigger repository \"github.com/ACME/widget\", resolved dependency repository \"github.com/evil/other\" [source-conflict]"
        )
    );
    assert_eq!(
        message(&o, "source-mismatch"),
        "source \"github.com/evil/other\", expected \"github.com/acme/widget\""
    );

    let (code, doc) = verify_attestation(&r, e);
    assert_eq!(code, Some(1));
    assert_eq!(doc["error"]["details"]["reason"], "source-conflict");
    assert_eq!(
        reasons(&doc),
        strings(&["source-conflict", "source-mismatch"])
    );
    let msg = doc["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains(r#"source "github.com/evil/other" does not match the expected "github.com/acme/widget" (resolved dependency)"#),
        "{msg}"
    );
    // The trigger itself, differing only in case, is not a finding.
    assert!(!msg.contains("(trigger repository)"), "{msg}");
}

#[test]
fn waived_builder_mismatch_does_not_switch_off_source_binding() {
    // The builder check used to fail first and hide the source checks: with an exception for
    // builder-mismatch, a provenance built from another repository was allowed.
    let r = release(
        Claims {
            dependency: "https://github.com/evil/other",
            builder:
                "https://github.com/acme/widget/.github/workflows/nightly.yml@refs/tags/v1.0.0",
            ..GOOD
        },
        false,
    );
    let e = Expect {
        builder: Some(BUILDER),
        source: Some("github.com/acme/widget"),
        git_ref: None,
    };
    let exception =
        "[[exceptions]]\ncode = \"builder-mismatch\"\nreason = \"nightly builds are released too\"\n";
    let o = verify_policy(&r, e, exception);
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            strings(&[
                "attestation-invalid",
                "source-mismatch",
                "provenance-missing"
            ])
        )
    );
    // The builder finding is reported and waived, exactly that one.
    let doc = json_doc(&o);
    let waived: Vec<&str> = doc["result"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["waived"] != false)
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(waived, vec!["builder-mismatch"]);

    // Without the exception every finding is reported, not only the first.
    let o = verify_policy(&r, e, "");
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            strings(&[
                "attestation-invalid",
                "builder-mismatch",
                "source-mismatch",
                "provenance-missing"
            ])
        )
    );
    let (code, doc) = verify_attestation(&r, e);
    assert_eq!(code, Some(1));
    assert_eq!(
        reasons(&doc),
        strings(&["builder-mismatch", "source-conflict", "source-mismatch"])
    );
}

/// One provenance case: what it claims, what is expected, whether it is about the artifact,
/// and the verdict both commands must give.
struct Case {
    name: &'static str,
    claims: Claims<'static>,
    expect: Expect<'static>,
    other_file: bool,
    allowed: bool,
}

#[test]
fn policy_and_verify_attestation_agree_on_every_key_signed_provenance_case() {
    let both = Expect {
        builder: Some(BUILDER),
        source: Some("github.com/acme/widget"),
        git_ref: Some("refs/tags/v1.0.0"),
    };
    let cases = [
        Case {
            name: "matching",
            claims: GOOD,
            expect: both,
            other_file: false,
            allowed: true,
        },
        Case {
            name: "owner and repository differ only in case (GitHub)",
            claims: Claims {
                trigger: "https://github.com/ACME/Widget",
                ..GOOD
            },
            expect: both,
            other_file: false,
            allowed: true,
        },
        Case {
            name: "expected source in another case",
            claims: GOOD,
            expect: Expect {
                source: Some("https://GitHub.com/Acme/WIDGET.git"),
                ..both
            },
            other_file: false,
            allowed: true,
        },
        Case {
            name: "case-only trigger, dependency elsewhere",
            claims: Claims {
                trigger: "https://github.com/ACME/widget",
                dependency: "https://github.com/evil/other",
                ..GOOD
            },
            expect: both,
            other_file: false,
            allowed: false,
        },
        Case {
            name: "dependency elsewhere, no expected source",
            claims: Claims {
                dependency: "https://github.com/evil/other",
                ..GOOD
            },
            expect: Expect {
                source: None,
                ..both
            },
            other_file: false,
            allowed: false,
        },
        Case {
            name: "path case matters off GitHub",
            claims: Claims {
                trigger: "https://gitlab.example/Acme/widget",
                dependency: "https://gitlab.example/Acme/widget",
                ..GOOD
            },
            expect: Expect {
                source: Some("gitlab.example/acme/widget"),
                ..both
            },
            other_file: false,
            allowed: false,
        },
        Case {
            name: "another builder",
            claims: Claims {
                builder: "https://github.com/acme/widget/.github/workflows/ci.yml@refs/tags/v1.0.0",
                ..GOOD
            },
            expect: both,
            other_file: false,
            allowed: false,
        },
        Case {
            name: "another source",
            claims: Claims {
                trigger: "https://github.com/acme/gadget",
                dependency: "https://github.com/acme/gadget",
                ..GOOD
            },
            expect: both,
            other_file: false,
            allowed: false,
        },
        Case {
            name: "another ref",
            claims: Claims {
                git_ref: "refs/heads/main",
                ..GOOD
            },
            expect: both,
            other_file: false,
            allowed: false,
        },
        Case {
            name: "about another artifact",
            claims: GOOD,
            expect: both,
            other_file: true,
            allowed: false,
        },
    ];
    for c in cases {
        let r = release(c.claims, c.other_file);
        let (va, _) = verify_attestation(&r, c.expect);
        let policy = verify_policy(&r, c.expect, "");
        let want = Some(if c.allowed { 0 } else { 1 });
        assert_eq!(
            (va, policy.status.code()),
            (want, want),
            "{}: verify-attestation and verify --policy (policy findings {:?})",
            c.name,
            verdict(&policy).1
        );
    }
}

/// A shared SLSA vector: the artifact, its attestation file, and the trusted SAN pattern.
struct Vector {
    name: &'static str,
    artifact: &'static str,
    /// Bytes of an artifact that is not in the vectors directory (the delegator's `hello\n`).
    artifact_bytes: Option<&'static [u8]>,
    attestation: &'static str,
    builder: &'static str,
    source: &'static str,
    allowed: bool,
}

#[test]
fn policy_and_verify_attestation_agree_on_the_shared_slsa_vectors() {
    let Some(shared) = shared() else { return };
    let slsa = shared.join("vectors/slsa");
    let root = shared.join("vectors/sigstore/trusted_root.json");
    let bcr = "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml";
    let trw = "https://github.com/slsa-framework/example-trw/.github/workflows/builder_high-perms_slsa3.yml";
    let runner = "https://github.com/actions/runner/github-hosted";
    let vectors = [
        Vector {
            name: "bcr, valid",
            artifact: "MODULE.bazel",
            artifact_bytes: None,
            attestation: "MODULE.bazel.intoto.jsonl",
            builder: bcr,
            source: "github.com/aspect-build/rules_lint",
            allowed: true,
        },
        Vector {
            name: "bcr, owner and repository in another case",
            artifact: "MODULE.bazel",
            artifact_bytes: None,
            attestation: "MODULE.bazel.intoto.jsonl",
            builder: bcr,
            source: "github.com/Aspect-Build/Rules_Lint",
            allowed: true,
        },
        Vector {
            name: "bcr, another source",
            artifact: "MODULE.bazel",
            artifact_bytes: None,
            attestation: "MODULE.bazel.intoto.jsonl",
            builder: bcr,
            source: "github.com/aspect-build/rules_lin",
            allowed: false,
        },
        Vector {
            name: "bcr, another builder",
            artifact: "MODULE.bazel",
            artifact_bytes: None,
            attestation: "MODULE.bazel.intoto.jsonl",
            builder: "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/other.yaml",
            source: "github.com/aspect-build/rules_lint",
            allowed: false,
        },
        Vector {
            name: "wrong signer",
            artifact: "MODULE.bazel",
            artifact_bytes: None,
            attestation: "MODULE-wrong-signer.bazel.intoto.jsonl",
            builder: bcr,
            source: "github.com/aspect-build/rules_lint",
            allowed: false,
        },
        Vector {
            name: "delegator, valid",
            artifact: "binary-linux-amd64-workflow_dispatch",
            artifact_bytes: Some(b"hello\n"),
            attestation: "binary-linux-amd64-workflow_dispatch.build.slsa",
            builder: trw,
            source: "github.com/slsa-framework/example-package",
            allowed: true,
        },
        Vector {
            name: "delegator, another source",
            artifact: "binary-linux-amd64-workflow_dispatch",
            artifact_bytes: Some(b"hello\n"),
            attestation: "binary-linux-amd64-workflow_dispatch.build.slsa",
            builder: trw,
            source: "github.com/slsa-framework/example-packag",
            allowed: false,
        },
        Vector {
            name: "npm, valid",
            artifact: "gundam-visor-cli-v1-tag.tgz",
            artifact_bytes: None,
            attestation: "gundam-visor-cli-v1-tag.tgz.json",
            builder: runner,
            source: "github.com/ramonpetgrave64/gundam-visor",
            allowed: true,
        },
        Vector {
            name: "npm, another source",
            artifact: "gundam-visor-cli-v1-tag.tgz",
            artifact_bytes: None,
            attestation: "gundam-visor-cli-v1-tag.tgz.json",
            builder: runner,
            source: "github.com/ramonpetgrave64/gundam-visor2",
            allowed: false,
        },
        Vector {
            name: "npm, the short runner id",
            artifact: "gundam-visor-cli-v1-tag.tgz",
            artifact_bytes: None,
            attestation: "gundam-visor-cli-v1-tag.tgz.json",
            builder: "https://github.com/actions/runner",
            source: "github.com/ramonpetgrave64/gundam-visor",
            allowed: false,
        },
    ];
    for v in vectors {
        let fx = Fx::new();
        // The artifact's own signature satisfies the trust rule; the policy trusts any GitHub
        // Actions identity for attestations, so only the provenance checks decide.
        let key = fx.key("release-test");
        let art = match v.artifact_bytes {
            Some(b) => fx.write(v.artifact, b),
            None => fx.write(v.artifact, &std::fs::read(slsa.join(v.artifact)).unwrap()),
        };
        fx.sign(&key, &art);
        fx.write(
            &format!("{}.intoto.jsonl", v.artifact),
            &std::fs::read(slsa.join(v.attestation)).unwrap(),
        );
        let policy = fx.policy(
            "policy.toml",
            &[&key],
            &format!(
                "sigstore-trusted-root = {:?}\n[[trust.identities]]\nissuer = {GH_ISSUER:?}\nsubject-regex = '^https://github\\.com/'\n[provenance]\nbuilder-id = {:?}\nsource-uri = {:?}\n",
                root.display().to_string(),
                v.builder,
                v.source
            ),
        );
        let p = fx.verify(&policy, &art);
        let va = sigil()
            .arg("verify-attestation")
            .arg(&art)
            .arg("--attestation")
            .arg(slsa.join(v.attestation))
            .arg("--trusted-root")
            .arg(&root)
            .args(["--builder-id", v.builder, "--source-uri", v.source])
            .output()
            .unwrap();
        let want = Some(if v.allowed { 0 } else { 1 });
        assert_eq!(
            (va.status.code(), p.status.code()),
            (want, want),
            "{}: verify-attestation ({}) and verify --policy (findings {:?}, {})",
            v.name,
            String::from_utf8_lossy(&va.stderr),
            verdict(&p).1,
            String::from_utf8_lossy(&p.stderr)
        );
    }
}
