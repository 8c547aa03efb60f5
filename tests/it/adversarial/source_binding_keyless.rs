//! Threat: source binding, keyless. A provenance validly signed by a GitHub Actions workflow
//! certificate (from a Sigstore the tests create, `sigil-test-sigstore`) but whose claims
//! disagree with the certificate's Fulcio extensions (source repository 1.12, commit 1.13, ref
//! 1.14, build config 1.18, run 1.21, issuer 1.1 against 1.8) or with each other must be
//! denied; an exception for one code must not switch the others off; and
//! `sigil verify-attestation` and `sigil verify --policy` (with `sigstore-trusted-root` naming
//! the test root) give the same verdict on every case.

use std::path::PathBuf;

use sigil_test_sigstore::{oid, Identity, TestSigstore, TrustFiles, GITHUB_ACTIONS_ISSUER};

use crate::gate_util::{message, verdict, Fx};
use crate::support::{json_doc, sigil};

const SLSA: &str = "https://slsa.dev/provenance/v1";
const WORKFLOW: &str = ".github/workflows/release.yml";
const TAG: &str = "refs/tags/v1.0.0";
const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";
const RUN: &str = "https://github.com/acme/widget/actions/runs/1/attempts/1";
const BUILDER: &str = "https://github.com/acme/widget/.github/workflows/release.yml";
const SAN: &str = "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1.0.0";
const ARTIFACT: &[u8] = b"\x7fELF widget 1.0.0";

fn sha256_hex(b: &[u8]) -> String {
    sigil_test_sigstore::sha256(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// What a provenance claims.
#[derive(Clone, Copy)]
struct Claims {
    /// `externalParameters.workflow.repository`.
    trigger: &'static str,
    /// `resolvedDependencies[0].uri` without `git+` and `@ref`.
    dependency: &'static str,
    /// The ref both name.
    git_ref: &'static str,
    /// `runDetails.builder.id`.
    builder: &'static str,
}

const GOOD: Claims = Claims {
    trigger: "https://github.com/acme/widget",
    dependency: "https://github.com/acme/widget",
    git_ref: TAG,
    builder: SAN,
};

/// An SLSA v1 statement in GitHub's workflow layout about `widget-1.0.0`, with the commit and
/// run that `Identity::github` certifies.
fn statement(c: Claims) -> Vec<u8> {
    serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "widget-1.0.0", "digest": {"sha256": sha256_hex(ARTIFACT)}}],
        "predicateType": SLSA,
        "predicate": {
            "buildDefinition": {
                "buildType": "https://actions.github.io/buildtypes/workflow/v1",
                "externalParameters": {"workflow": {"ref": c.git_ref, "repository": c.trigger, "path": WORKFLOW}},
                "internalParameters": {"github": {"event_name": "push"}},
                "resolvedDependencies": [{"uri": format!("git+{}@{}", c.dependency, c.git_ref), "digest": {"gitCommit": COMMIT}}]
            },
            "runDetails": {"builder": {"id": c.builder}, "metadata": {"invocationId": RUN}}
        }
    })
    .to_string()
    .into_bytes()
}

/// The certificate of `acme/widget`'s release workflow at `git_ref`, as Fulcio issues it.
fn widget(git_ref: &str) -> Identity {
    Identity::github("acme/widget", WORKFLOW, git_ref)
}

/// A release: the artifact signed with a trusted key (so the policy's trust rule holds and
/// only the provenance decides), and beside it a keyless provenance bundle signed by `id`.
struct Release {
    fx: Fx,
    sigstore: TestSigstore,
    trust: TrustFiles,
    key: PathBuf,
    art: PathBuf,
    att: PathBuf,
    san: String,
}

fn release(id: &Identity, claims: Claims) -> Release {
    let fx = Fx::new();
    let mut sigstore = TestSigstore::new().unwrap();
    let trust = sigstore.write_trust_files(&fx.p("trust")).unwrap();
    let key = fx.key("release-test");
    let art = fx.write("widget-1.0.0", ARTIFACT);
    fx.sign(&key, &art);
    let bundle = sigstore.attest(id, &statement(claims)).unwrap();
    // `.intoto.jsonl`: one document a line.
    let att = fx.write(
        "widget-1.0.0.intoto.jsonl",
        format!("{}\n", bundle.json).as_bytes(),
    );
    Release {
        fx,
        sigstore,
        trust,
        key,
        art,
        att,
        san: id.san.as_str().to_owned(),
    }
}

/// What is expected of the provenance, said once for both commands.
#[derive(Clone, Copy)]
struct Expect {
    builder: &'static str,
    source: &'static str,
    git_ref: Option<&'static str>,
}

const WIDGET: Expect = Expect {
    builder: BUILDER,
    source: "github.com/acme/widget",
    git_ref: None,
};

impl Expect {
    fn flags(&self) -> Vec<String> {
        let mut v = vec![
            "--builder-id".to_owned(),
            self.builder.to_owned(),
            "--source-uri".to_owned(),
            self.source.to_owned(),
        ];
        if let Some(r) = self.git_ref {
            v.extend(["--source-ref".to_owned(), r.to_owned()]);
        }
        v
    }

    fn policy(&self) -> String {
        let mut s = format!(
            "[provenance]\nbuilder-id = {:?}\nsource-uri = {:?}\n",
            self.builder, self.source
        );
        if let Some(r) = self.git_ref {
            s.push_str(&format!("source-ref = {r:?}\n"));
        }
        s
    }
}

/// `sigil --format json verify-attestation` with the test root, the certificate's identity
/// and `e`: (exit code, JSON).
fn verify_attestation(r: &Release, e: Expect) -> (Option<i32>, serde_json::Value) {
    let out = sigil()
        .args(["--format", "json", "verify-attestation"])
        .arg(&r.art)
        .arg("--attestation")
        .arg(&r.att)
        .arg("--trusted-root")
        .arg(&r.trust.trusted_root)
        .args([
            "--certificate-identity",
            r.san.as_str(),
            "--certificate-oidc-issuer",
            GITHUB_ACTIONS_ISSUER,
        ])
        .args(e.flags())
        .output()
        .unwrap();
    (out.status.code(), json_doc(&out))
}

/// `sigil verify --policy` with a policy trusting the release key, the test root and any
/// `acme/widget` workflow identity, and expecting `e`.
fn verify_policy(r: &Release, e: Expect, extra: &str) -> std::process::Output {
    let policy = r.fx.policy(
        "policy.toml",
        &[&r.key],
        &format!(
            "sigstore-trusted-root = {:?}\n[[trust.identities]]\nissuer = {GITHUB_ACTIONS_ISSUER:?}\nsubject-regex = '^https://github\\.com/acme/widget/'\n{}{extra}",
            r.trust.trusted_root.display().to_string(),
            e.policy()
        ),
    );
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

/// Every finding message of the policy's JSON result with `code`, in order.
fn messages(o: &std::process::Output, code: &str) -> Vec<String> {
    json_doc(o)["result"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .collect()
}

/// Item 1: the trigger differs from the expected source only in case, the resolved dependency
/// names another repository, and the certificate's source repository (1.12) a third.
fn three_sources() -> (Identity, Claims) {
    (
        widget(TAG).with_extension(
            oid::SOURCE_REPOSITORY_URI,
            "https://github.com/acme/sandbox",
        ),
        Claims {
            trigger: "https://github.com/ACME/widget",
            dependency: "https://github.com/evil/other",
            ..GOOD
        },
    )
}

#[test]
fn keyless_provenance_naming_three_sources_is_denied_by_both_paths() {
    let (id, claims) = three_sources();
    let r = release(&id, claims);

    let (code, doc) = verify_attestation(&r, WIDGET);
    assert_eq!(code, Some(1), "{doc}");
    assert_eq!(doc["error"]["details"]["reason"], "source-conflict");
    assert_eq!(
        reasons(&doc),
        strings(&[
            "source-conflict",
            "certificate-mismatch",
            "certificate-mismatch",
            "source-mismatch",
            "source-mismatch"
        ])
    );
    assert_eq!(
        doc["error"]["message"],
        format!(
            "{} (document): {}",
            r.att.display(),
            [
                r#"provenance names two sources: trigger repository "github.com/ACME/widget", resolved dependency repository "github.com/evil/other""#,
                r#"provenance repository "https://github.com/ACME/widget" does not match the certificate's "https://github.com/acme/sandbox""#,
                r#"provenance repository "https://github.com/evil/other" does not match the certificate's "https://github.com/acme/sandbox""#,
                r#"source "github.com/evil/other" does not match the expected "github.com/acme/widget" (resolved dependency)"#,
                r#"source "github.com/acme/sandbox" does not match the expected "github.com/acme/widget" (certificate source repository)"#,
            ]
            .join("; ")
        )
    );
    // The trigger differs from the expected source only in case: not a finding of its own.
    assert!(!doc["error"]["message"]
        .as_str()
        .unwrap()
        .contains("(trigger repository)"));

    let o = verify_policy(&r, WIDGET, "");
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            strings(&[
                "attestation-invalid",
                "attestation-invalid",
                "attestation-invalid",
                "source-mismatch",
                "provenance-missing"
            ])
        )
    );
    assert_eq!(
        message(&o, "source-mismatch"),
        "source \"github.com/evil/other\" (resolved dependency), \"github.com/acme/sandbox\" (certificate source repository), expected \"github.com/acme/widget\""
    );
    let invalid = messages(&o, "attestation-invalid");
    assert_eq!(invalid.len(), 3, "{invalid:?}");
    assert!(
        invalid[0].ends_with(
            "provenance names two sources: trigger repository \"github.com/ACME/widget\", resolved dependency repository \"github.com/evil/other\" [source-conflict]"
        ),
        "{invalid:?}"
    );
    assert!(
        invalid[1].ends_with(
            "provenance repository \"https://github.com/ACME/widget\" does not match the certificate's \"https://github.com/acme/sandbox\" [certificate-mismatch]"
        ),
        "{invalid:?}"
    );
    assert!(
        invalid[2].ends_with(
            "provenance repository \"https://github.com/evil/other\" does not match the certificate's \"https://github.com/acme/sandbox\" [certificate-mismatch]"
        ),
        "{invalid:?}"
    );
}

#[test]
fn consistent_keyless_provenance_is_allowed_by_both_paths() {
    // The positive control: every fact (trigger, dependency, certificate repository, ref,
    // commit, workflow, run, issuer) agrees, so the denials above are the facts' doing.
    let r = release(&widget(TAG), GOOD);
    let tag = Expect {
        git_ref: Some(TAG),
        ..WIDGET
    };
    let (code, doc) = verify_attestation(&r, tag);
    assert_eq!(code, Some(0), "{doc}");
    assert_eq!(doc["status"], "verified");
    let v = &doc["result"]["verified"][0];
    assert_eq!(v["signer"]["identity"], SAN);
    assert_eq!(
        v["signer"]["source_repository_uri"],
        "https://github.com/acme/widget"
    );
    assert_eq!(v["signer"]["source_repository_ref"], TAG);
    assert_eq!(v["source"]["commit"], COMMIT);
    assert_eq!(doc["result"]["rejected"], serde_json::json!([]));
    let o = verify_policy(&r, tag, "");
    assert_eq!(verdict(&o), (Some(0), Vec::new()));
    assert_eq!(json_doc(&o)["result"]["verdict"], "allow");
    assert_eq!(crate::gate_util::rule(&o, "provenance"), "pass");
}

#[test]
fn waived_builder_mismatch_does_not_switch_off_keyless_source_binding() {
    let (id, claims) = three_sources();
    let r = release(&id, claims);
    let nightly = Expect {
        builder: "https://github.com/acme/widget/.github/workflows/nightly.yml@refs/tags/v1.0.0",
        ..WIDGET
    };
    let exception =
        "[[exceptions]]\ncode = \"builder-mismatch\"\nreason = \"nightly builds are released too\"\n";
    let o = verify_policy(&r, nightly, exception);
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            strings(&[
                "attestation-invalid",
                "attestation-invalid",
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

    let (code, doc) = verify_attestation(&r, nightly);
    assert_eq!(code, Some(1), "{doc}");
    assert_eq!(
        reasons(&doc),
        strings(&[
            "builder-mismatch",
            "source-conflict",
            "certificate-mismatch",
            "certificate-mismatch",
            "source-mismatch",
            "source-mismatch"
        ])
    );
}

/// Item 3: a feature-branch run's certificate (SAN, builder, 1.14 and 1.18 on
/// `refs/heads/feature`) under provenance that claims the release tag.
fn feature_branch_claiming_the_tag() -> (Identity, Claims) {
    (
        widget("refs/heads/feature"),
        Claims {
            builder:
                "https://github.com/acme/widget/.github/workflows/release.yml@refs/heads/feature",
            ..GOOD
        },
    )
}

#[test]
fn keyless_provenance_claiming_another_ref_than_the_certificate_is_denied() {
    // A run on a feature branch signs provenance claiming the release tag. The certificate's
    // ref (1.14) and build config (1.18) both say `refs/heads/feature`; each is reported.
    let (id, claims) = feature_branch_claiming_the_tag();
    let r = release(&id, claims);
    let tag = Expect {
        git_ref: Some(TAG),
        ..WIDGET
    };
    let ref_mismatch = r#"provenance ref "refs/tags/v1.0.0" does not match the certificate's "refs/heads/feature""#;
    let workflow_mismatch = r#"provenance workflow "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1.0.0" does not match the certificate's "https://github.com/acme/widget/.github/workflows/release.yml@refs/heads/feature""#;

    let (code, doc) = verify_attestation(&r, tag);
    assert_eq!(code, Some(1), "{doc}");
    assert_eq!(doc["error"]["details"]["reason"], "certificate-mismatch");
    assert_eq!(
        reasons(&doc),
        strings(&["certificate-mismatch", "certificate-mismatch"])
    );
    assert_eq!(
        doc["error"]["message"],
        format!(
            "{} (document): {ref_mismatch}; {workflow_mismatch}",
            r.att.display()
        )
    );
    // The human form says the same on stderr.
    let out = sigil()
        .arg("verify-attestation")
        .arg(&r.art)
        .arg("--attestation")
        .arg(&r.att)
        .arg("--trusted-root")
        .arg(&r.trust.trusted_root)
        .args([
            "--certificate-identity",
            r.san.as_str(),
            "--certificate-oidc-issuer",
            GITHUB_ACTIONS_ISSUER,
        ])
        .args(tag.flags())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: {} (document): {ref_mismatch}; {workflow_mismatch}\n",
            r.att.display()
        )
    );

    let o = verify_policy(&r, tag, "");
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            strings(&[
                "attestation-invalid",
                "attestation-invalid",
                "provenance-missing"
            ])
        )
    );
    assert_eq!(
        messages(&o, "attestation-invalid"),
        vec![
            format!("attestation ({SLSA}): {ref_mismatch} [certificate-mismatch]"),
            format!("attestation ({SLSA}): {workflow_mismatch} [certificate-mismatch]"),
        ]
    );
}

#[test]
fn keyless_provenance_from_another_commit_workflow_or_run_than_the_certificate_is_denied() {
    // The certificate's commit (1.13), build config (1.18) and run (1.21) are each held
    // against the provenance; one differing fact is one certificate-mismatch on both paths.
    let nightly = "https://github.com/acme/widget/.github/workflows/nightly.yml@refs/tags/v1.0.0";
    let other_commit = "fedcba9876543210fedcba9876543210fedcba98";
    let other_run = "https://github.com/acme/widget/actions/runs/2/attempts/1";
    let variants = [
        (
            oid::SOURCE_REPOSITORY_DIGEST,
            other_commit,
            format!(
                "provenance commit \"{COMMIT}\" does not match the certificate's \"{other_commit}\""
            ),
        ),
        (
            oid::BUILD_CONFIG_URI,
            nightly,
            format!("provenance workflow \"{SAN}\" does not match the certificate's \"{nightly}\""),
        ),
        (
            oid::RUN_INVOCATION_URI,
            other_run,
            format!(
                "provenance invocation id \"{RUN}\" does not match the certificate's \"{other_run}\""
            ),
        ),
    ];
    let tag = Expect {
        git_ref: Some(TAG),
        ..WIDGET
    };
    for (extension, value, want) in variants {
        let r = release(&widget(TAG).with_extension(extension, value), GOOD);
        let (code, doc) = verify_attestation(&r, tag);
        assert_eq!(code, Some(1), "{extension}: {doc}");
        assert_eq!(
            reasons(&doc),
            strings(&["certificate-mismatch"]),
            "{extension}"
        );
        assert_eq!(
            doc["error"]["message"],
            format!("{} (document): {want}", r.att.display()),
            "{extension}"
        );
        let o = verify_policy(&r, tag, "");
        assert_eq!(
            verdict(&o),
            (
                Some(1),
                strings(&["attestation-invalid", "provenance-missing"])
            ),
            "{extension}"
        );
        assert_eq!(
            message(&o, "attestation-invalid"),
            format!("attestation ({SLSA}): {want} [certificate-mismatch]"),
            "{extension}"
        );
    }
}

#[test]
fn certificate_repository_in_another_case_is_the_same_github_repository() {
    // GitHub owner and repository names are case-insensitive: 1.12 `Acme/WIDGET` against a
    // provenance and a policy that say `acme/widget` is no mismatch, on either path.
    let id =
        widget(TAG).with_extension(oid::SOURCE_REPOSITORY_URI, "https://github.com/Acme/WIDGET");
    let r = release(&id, GOOD);
    let tag = Expect {
        git_ref: Some(TAG),
        ..WIDGET
    };
    let (code, doc) = verify_attestation(&r, tag);
    assert_eq!(code, Some(0), "{doc}");
    assert_eq!(doc["status"], "verified");
    assert_eq!(
        doc["result"]["verified"][0]["signer"]["source_repository_uri"],
        "https://github.com/Acme/WIDGET"
    );
    let o = verify_policy(&r, tag, "");
    assert_eq!(verdict(&o), (Some(0), Vec::new()));
    assert_eq!(json_doc(&o)["result"]["verdict"], "allow");
}

#[test]
fn keyless_certificate_with_conflicting_issuer_extensions_is_refused() {
    // 1.1 says GitHub Actions, 1.8 another issuer: which one a verifier reads decides whose
    // token it was. sigil refuses the certificate.
    let mut id = widget(TAG).with_extension(oid::ISSUER_V1, GITHUB_ACTIONS_ISSUER);
    id.issuer = "https://accounts.example".to_owned();
    id.legacy_issuer = false;
    let mut r = release(&id, GOOD);
    let blob = r.sigstore.sign_blob(&id, ARTIFACT).unwrap();
    let blob_bundle =
        r.fx.write("widget-1.0.0.sigstore.json", blob.to_json().as_bytes());

    let conflict = format!(
        "certificate names two oidc issuers: \"{GITHUB_ACTIONS_ISSUER}\" (1.3.6.1.4.1.57264.1.1) and \"https://accounts.example\" (1.3.6.1.4.1.57264.1.8)"
    );

    let (code, doc) = verify_attestation(&r, WIDGET);
    assert_eq!(code, Some(1), "{doc}");
    assert_eq!(doc["error"]["details"]["reason"], "issuer-conflict");
    assert_eq!(reasons(&doc), strings(&["issuer-conflict"]));
    assert_eq!(
        doc["error"]["message"],
        format!("{} (document): {conflict}", r.att.display())
    );

    let out = sigil()
        .args(["--format", "json", "verify", "--bundle"])
        .arg(&blob_bundle)
        .arg("--trusted-root")
        .arg(&r.trust.trusted_root)
        .args([
            "--certificate-identity",
            SAN,
            "--certificate-oidc-issuer",
            GITHUB_ACTIONS_ISSUER,
        ])
        .arg(&r.art)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json_doc(&out);
    assert_eq!(doc["error"]["details"]["reason"], "issuer-conflict");
    assert_eq!(
        doc["error"]["message"],
        format!("{}: {conflict}", blob_bundle.display())
    );

    let o = verify_policy(&r, WIDGET, "");
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            strings(&[
                "attestation-invalid",
                "bundle-invalid",
                "provenance-missing"
            ])
        )
    );
    assert_eq!(
        message(&o, "attestation-invalid"),
        format!("bundle does not verify: {conflict}")
    );
    assert_eq!(
        message(&o, "bundle-invalid"),
        format!("bundle does not verify: {conflict}")
    );
}

/// One keyless provenance case: the certificate, what the provenance claims, what is
/// expected, the verdict both commands must give, verify-attestation's reason codes and the
/// policy's denying finding codes.
struct Case {
    name: &'static str,
    id: Identity,
    claims: Claims,
    expect: Expect,
    allowed: bool,
    reasons: &'static [&'static str],
    findings: &'static [&'static str],
}

const CERT: &str = "certificate-mismatch";
const INVALID: &str = "attestation-invalid";
const MISSING: &str = "provenance-missing";

#[test]
fn policy_and_verify_attestation_agree_on_every_keyless_provenance_case() {
    let tag = Expect {
        git_ref: Some(TAG),
        ..WIDGET
    };
    let (three, three_claims) = three_sources();
    let (feature, feature_claims) = feature_branch_claiming_the_tag();
    let mut equal_issuers = widget(TAG).with_extension(oid::ISSUER_V1, GITHUB_ACTIONS_ISSUER);
    equal_issuers.legacy_issuer = false;
    let mut conflicting_issuers = equal_issuers.clone();
    conflicting_issuers.issuer = "https://accounts.example".to_owned();
    let cases = [
        Case {
            name: "every fact agrees",
            id: widget(TAG),
            claims: GOOD,
            expect: tag,
            allowed: true,
            reasons: &[],
            findings: &[],
        },
        Case {
            name: "certificate repository differs only in case",
            id: widget(TAG)
                .with_extension(oid::SOURCE_REPOSITORY_URI, "https://github.com/Acme/WIDGET"),
            claims: GOOD,
            expect: tag,
            allowed: true,
            reasons: &[],
            findings: &[],
        },
        Case {
            name: "issuer extensions equal",
            id: equal_issuers,
            claims: GOOD,
            expect: tag,
            allowed: true,
            reasons: &[],
            findings: &[],
        },
        Case {
            name: "trigger, dependency and certificate name three sources",
            id: three,
            claims: three_claims,
            expect: WIDGET,
            allowed: false,
            reasons: &[
                "source-conflict",
                CERT,
                CERT,
                "source-mismatch",
                "source-mismatch",
            ],
            findings: &[INVALID, INVALID, INVALID, "source-mismatch", MISSING],
        },
        Case {
            name: "certificate from another repository, provenance consistent",
            id: widget(TAG).with_extension(
                oid::SOURCE_REPOSITORY_URI,
                "https://github.com/acme/sandbox",
            ),
            claims: GOOD,
            expect: tag,
            allowed: false,
            reasons: &[CERT, CERT, "source-mismatch"],
            findings: &[INVALID, INVALID, "source-mismatch", MISSING],
        },
        Case {
            name: "provenance claims the tag, certificate the feature branch",
            id: feature,
            claims: feature_claims,
            expect: tag,
            allowed: false,
            reasons: &[CERT, CERT],
            findings: &[INVALID, INVALID, MISSING],
        },
        Case {
            name: "certificate commit (1.13) differs",
            id: widget(TAG).with_extension(
                oid::SOURCE_REPOSITORY_DIGEST,
                "fedcba9876543210fedcba9876543210fedcba98",
            ),
            claims: GOOD,
            expect: tag,
            allowed: false,
            reasons: &[CERT],
            findings: &[INVALID, MISSING],
        },
        Case {
            name: "certificate build config (1.18) names another workflow",
            id: widget(TAG).with_extension(
                oid::BUILD_CONFIG_URI,
                "https://github.com/acme/widget/.github/workflows/nightly.yml@refs/tags/v1.0.0",
            ),
            claims: GOOD,
            expect: tag,
            allowed: false,
            reasons: &[CERT],
            findings: &[INVALID, MISSING],
        },
        Case {
            name: "certificate run (1.21) names another run",
            id: widget(TAG).with_extension(
                oid::RUN_INVOCATION_URI,
                "https://github.com/acme/widget/actions/runs/2/attempts/1",
            ),
            claims: GOOD,
            expect: tag,
            allowed: false,
            reasons: &[CERT],
            findings: &[INVALID, MISSING],
        },
        Case {
            name: "issuer extensions 1.1 and 1.8 disagree",
            id: conflicting_issuers,
            claims: GOOD,
            expect: tag,
            allowed: false,
            reasons: &["issuer-conflict"],
            findings: &[INVALID, MISSING],
        },
    ];
    for c in cases {
        let r = release(&c.id, c.claims);
        let (va, doc) = verify_attestation(&r, c.expect);
        let policy = verify_policy(&r, c.expect, "");
        let want = Some(if c.allowed { 0 } else { 1 });
        assert_eq!(
            (va, policy.status.code()),
            (want, want),
            "{}: verify-attestation ({}) and verify --policy (findings {:?})",
            c.name,
            doc["error"],
            verdict(&policy).1
        );
        assert_eq!(c.allowed, c.reasons.is_empty(), "{}", c.name);
        assert_eq!(
            reasons(&doc),
            strings(c.reasons),
            "{}: verify-attestation",
            c.name
        );
        assert_eq!(
            verdict(&policy).1,
            strings(c.findings),
            "{}: verify --policy",
            c.name
        );
    }
}
