//! What the ecosystems publish, verified offline under one identity policy: PEP 740 (PyPI)
//! attestation and provenance objects, GitHub artifact attestations and npm provenance checked
//! by the certificate's publisher claims (`--owner`, `--repo`, `--signer-workflow`...), cosign's
//! own `--bundle` documents, and a policy's publisher rule in `sigil install`.
//!
//! Vectors are read from `../shared/vectors/{pep740,sigstore,slsa}`; files changed for a
//! negative case are written to a temporary directory, never into the repository.

use crate::gate_util;
use crate::support;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::{json, Value};
use support::{json_doc, sigil};

const GHA: &str = "https://token.actions.githubusercontent.com";
const POA: &str = "pypi_attestations-0.0.19.tar.gz";
const GITLAB: &str = "gitlab_oidc_project-0.0.3.tar.gz";
const WHL: &str = "rfc8785-0.1.2-py3-none-any.whl";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn vectors() -> Option<PathBuf> {
    support::shared().map(|s| s.join("vectors"))
}

/// Runs sigil; returns (exit code, stdout, stderr).
fn run<I, S>(args: I) -> (i32, String, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = sigil().args(args).output().expect("sigil runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// `sigil --format json ARGS`: (exit code, the JSON document).
fn run_json(args: &[String]) -> (i32, Value) {
    let out = sigil()
        .arg("--format")
        .arg("json")
        .args(args)
        .output()
        .expect("sigil runs");
    (out.status.code().unwrap_or(-1), json_doc(&out))
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|x| (*x).to_owned()).collect()
}

// ---------------------------------------------------------------------------------------
// 1. GitHub and npm bundles among the shared vectors, by publisher claims
// ---------------------------------------------------------------------------------------

#[test]
fn npm_provenance_verifies_by_owner_repo_and_workflow_and_names_the_claim_that_differs() {
    let Some(v) = vectors() else { return };
    let slsa = v.join("slsa");
    let tgz = s(&slsa.join("gundam-visor-cli-v1-tag.tgz"));
    let doc = s(&slsa.join("gundam-visor-cli-v1-tag.tgz.json"));
    let wf = "ramonpetgrave64/gundam-visor/.github/workflows/npm-publish.yml";

    // verify --bundle: the certificate's claims are the policy; no SAN needed.
    for good in [
        args(&["--owner", "ramonpetgrave64"]),
        args(&["--repo", "ramonpetgrave64/gundam-visor"]),
        args(&["--repo", "https://github.com/RamonPetGrave64/Gundam-Visor"]),
        args(&["--signer-workflow", wf]),
        args(&["--signer-workflow", &format!("github.com/{wf}")]),
        args(&[
            "--repo",
            "ramonpetgrave64/gundam-visor",
            "--source-ref",
            "refs/tags/v1.0.1",
            "--source-digest",
            "599500821344b070902a7a5666064bfdaba715df",
            "--deny-self-hosted-runners",
            "--cert-oidc-issuer",
            GHA,
        ]),
    ] {
        let mut a = args(&["verify", "--bundle", &doc]);
        a.extend(good.clone());
        a.push(tgz.clone());
        let (code, out, err) = run(&a);
        assert_eq!(code, 0, "{good:?}: {err}");
        assert!(out.ends_with("repository: https://github.com/ramonpetgrave64/gundam-visor\nref: refs/tags/v1.0.1\ndigest: 599500821344b070902a7a5666064bfdaba715df\nrunner-environment: github-hosted\n"), "{out}");
    }
    // The issuer is checked with the chain, before the claims.
    let (code, _, err) = run([
        "verify",
        "--bundle",
        &doc,
        "--owner",
        "ramonpetgrave64",
        "--cert-oidc-issuer",
        "https://gitlab.com",
        &tgz,
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        format!(
            "error: {doc}: oidc issuer mismatch: expected \"https://gitlab.com\", got \"{GHA}\"\n"
        )
    );
    let bad: [(&[&str], &str, &str, &str); 4] = [
        (
            &["--owner", "other"],
            "owner",
            "https://github.com/other",
            "https://github.com/ramonpetgrave64",
        ),
        (
            &["--repo", "ramonpetgrave64/other"],
            "repository",
            "https://github.com/ramonpetgrave64/other",
            "https://github.com/ramonpetgrave64/gundam-visor",
        ),
        (
            &[
                "--signer-workflow",
                "ramonpetgrave64/gundam-visor/.github/workflows/wrong.yml",
            ],
            "signer-workflow",
            "https://github.com/ramonpetgrave64/gundam-visor/.github/workflows/wrong.yml",
            "https://github.com/ramonpetgrave64/gundam-visor/.github/workflows/npm-publish.yml",
        ),
        (
            &[
                "--owner",
                "ramonpetgrave64",
                "--source-ref",
                "refs/heads/main",
            ],
            "source-ref",
            "refs/heads/main",
            "refs/tags/v1.0.1",
        ),
    ];
    for (flags, claim, expected, actual) in bad {
        let mut a = args(&["verify", "--bundle", &doc]);
        a.extend(args(flags));
        a.push(tgz.clone());
        let (code, _, err) = run(&a);
        assert_eq!(code, 1, "{flags:?}");
        assert_eq!(
            err,
            format!("error: {doc}: certificate {claim} is {actual:?}, expected {expected}\n"),
            "{flags:?}"
        );
        let (code, j) = run_json(&a);
        assert_eq!(code, 1);
        assert_eq!(j["error"]["details"]["reason"], "claim-mismatch");
        assert_eq!(j["error"]["details"]["claim"], claim);
        assert_eq!(j["error"]["details"]["expected"], expected);
        assert_eq!(j["error"]["details"]["actual"], actual);
    }

    // verify-attestation: SLSA provenance built on GitHub's runner needs --builder-id with
    // only a SAN, but not when the certificate's publisher is the policy.
    let (code, _, err) = run([
        "verify-attestation",
        "--attestation",
        &doc,
        "--certificate-identity",
        &format!("https://github.com/{wf}@refs/tags/v1.0.1"),
        &tgz,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--builder-id is required to verify provenance signed by"),
        "{err}"
    );
    let (code, out, err) = run([
        "verify-attestation",
        "--attestation",
        &doc,
        "--owner",
        "ramonpetgrave64",
        &tgz,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!(
            "verified {tgz} against {doc} (attestations[1], sigstore-bundle)\n"
        )),
        "{out}"
    );
    let (code, _, err) = run([
        "verify-attestation",
        "--attestation",
        &doc,
        "--repo",
        "evil/gundam-visor",
        &tgz,
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        format!("error: {doc}: no attestation verified: attestations[0]: PublicKey bundle cannot be verified with a Certificate policy; attestations[1]: certificate repository is \"https://github.com/ramonpetgrave64/gundam-visor\", expected https://github.com/evil/gundam-visor\n")
    );

    // --format json carries the publisher facts.
    let (code, j) = run_json(&args(&[
        "verify",
        "--bundle",
        &doc,
        "--owner",
        "ramonpetgrave64",
        &tgz,
    ]));
    assert_eq!(code, 0);
    assert_eq!(
        j["result"]["signer"]["publisher"],
        json!({
            "repository": "https://github.com/ramonpetgrave64/gundam-visor",
            "owner": "https://github.com/ramonpetgrave64",
            "workflow": "https://github.com/ramonpetgrave64/gundam-visor/.github/workflows/npm-publish.yml@refs/tags/v1.0.1",
            "build_config": "https://github.com/ramonpetgrave64/gundam-visor/.github/workflows/npm-publish.yml@refs/tags/v1.0.1",
            "ref": "refs/tags/v1.0.1",
            "digest": "599500821344b070902a7a5666064bfdaba715df",
            "runner_environment": "github-hosted",
            "run_url": "https://github.com/ramonpetgrave64/gundam-visor/actions/runs/9358004112/attempts/1",
            "trigger": "release",
            "visibility": "public",
            "issuer": GHA,
            "identity": "https://github.com/ramonpetgrave64/gundam-visor/.github/workflows/npm-publish.yml@refs/tags/v1.0.1",
        })
    );
    let (code, j) = run_json(&args(&[
        "verify-attestation",
        "--attestation",
        &doc,
        "--owner",
        "ramonpetgrave64",
        &tgz,
    ]));
    assert_eq!(code, 0);
    assert_eq!(
        j["result"]["verified"][0]["signer"]["publisher"]["run_url"],
        "https://github.com/ramonpetgrave64/gundam-visor/actions/runs/9358004112/attempts/1"
    );
}

#[test]
fn github_attestation_from_a_reusable_workflow_needs_the_signer_named() {
    let Some(v) = vectors() else { return };
    let slsa = v.join("slsa");
    let module = s(&slsa.join("MODULE.bazel"));
    let good = s(&slsa.join("MODULE.bazel.intoto.jsonl"));
    let wrong = s(&slsa.join("MODULE-wrong-signer.bazel.intoto.jsonl"));
    let signer = "bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml";
    // The provenance is signed by the reusable workflow itself: no --builder-id needed.
    for flags in [
        vec![
            "--repo",
            "aspect-build/rules_lint",
            "--signer-workflow",
            signer,
        ],
        vec![
            "--owner",
            "aspect-build",
            "--signer-repo",
            "bazel-contrib/publish-to-bcr",
        ],
    ] {
        let mut a = vec!["verify-attestation", "--attestation", good.as_str()];
        a.extend(flags.iter().copied());
        a.push(&module);
        let (code, out, err) = run(&a);
        assert_eq!(code, 0, "{flags:?}: {err}");
        assert!(out.contains("  builder: https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1\n"), "{out}");
    }
    // As gh attestation verify: --repo alone binds the signer to that repository.
    let (code, _, err) = run([
        "verify-attestation",
        "--attestation",
        &good,
        "--repo",
        "aspect-build/rules_lint",
        &module,
    ]);
    assert_eq!(code, 1);
    assert_eq!(err, format!("error: {good} (document): certificate signer-repository is \"https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml\", expected a workflow under https://github.com/aspect-build/rules_lint\n"));
    // The wrong-signer vector: its certificate is another repository's.
    let (code, _, err) = run([
        "verify-attestation",
        "--attestation",
        &wrong,
        "--repo",
        "aspect-build/rules_lint",
        "--signer-workflow",
        signer,
        &module,
    ]);
    assert_eq!(code, 1);
    assert_eq!(err, format!("error: {wrong} (document): certificate repository is \"https://github.com/loosebazooka/aa-test\", expected https://github.com/aspect-build/rules_lint\n"));
    // Even when its own repository is named, the provenance claims a builder that did not sign.
    let (code, _, err) = run([
        "verify-attestation",
        "--attestation",
        &wrong,
        "--owner",
        "loosebazooka",
        &module,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("is not the builder \"https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1\" named in the provenance"), "{err}");
    // And verify --bundle reads the same bundle by its claims.
    let (code, _, err) = run([
        "verify",
        "--bundle",
        &good,
        "--signer-workflow",
        &format!("github.com/{signer}"),
        &module,
    ]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn shared_sigstore_vectors_keep_their_verdicts_under_publisher_flags() {
    let Some(v) = vectors() else { return };
    let dir = v.join("sigstore");
    let root = s(&dir.join("trusted_root.json"));
    let a_txt = s(&dir.join("a.txt"));
    let repo = "sigstore-conformance/extremely-dangerous-public-oidc-beacon";
    for (bundle, pass) in [
        ("happy-path-v0.1.sigstore.json", true),
        ("happy-path-v0.3.sigstore.json", true),
        ("happy-path-intoto-in-dsse-v3.sigstore.json", true),
        ("signature-mismatch_fail.sigstore.json", false),
        ("checkpoint-wrong-roothash_fail.sigstore.json", false),
        ("set-invalid-signature_fail.sigstore.json", false),
    ] {
        let b = s(&dir.join(bundle));
        let (code, _, err) = run([
            "verify",
            "--bundle",
            &b,
            "--trusted-root",
            &root,
            "--repo",
            repo,
            &a_txt,
        ]);
        assert_eq!(code, if pass { 0 } else { 1 }, "{bundle}: {err}");
        if pass {
            let (code, _, err) = run([
                "verify",
                "--bundle",
                &b,
                "--trusted-root",
                &root,
                "--repo",
                "sigstore-conformance/other",
                &a_txt,
            ]);
            assert_eq!(code, 1);
            assert_eq!(err, format!("error: {b}: certificate repository is \"https://github.com/{repo}\", expected https://github.com/sigstore-conformance/other\n"));
        }
    }
    // The SLSA delegator vector keeps needing its builder id, flags or not.
    let slsa = v.join("slsa");
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("binary-linux-amd64-workflow_dispatch");
    std::fs::write(&bin, b"hello\n").unwrap();
    let prov = s(&slsa.join("binary-linux-amd64-workflow_dispatch.build.slsa"));
    let (code, _, err) = run([
        "verify-attestation",
        "--attestation",
        &prov,
        "--owner",
        "slsa-framework",
        "--signer-repo",
        "slsa-framework/slsa-github-generator",
        &s(&bin),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--builder-id is required"), "{err}");
    let (code, _, err) = run([
        "verify-attestation", "--attestation", &prov, "--owner", "slsa-framework", "--signer-repo", "slsa-framework/slsa-github-generator",
        "--builder-id", "https://github.com/slsa-framework/example-trw/.github/workflows/builder_high-perms_slsa3.yml", &s(&bin),
    ]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn gh_attestation_download_jsonl_is_read_one_bundle_per_line() {
    let Some(v) = vectors() else { return };
    let slsa = v.join("slsa");
    let tmp = tempfile::tempdir().unwrap();
    // `gh attestation download` writes one bundle per line; two lines here, the wrong signer first.
    let wrong = support::read(slsa.join("MODULE-wrong-signer.bazel.intoto.jsonl"));
    let good = support::read(slsa.join("MODULE.bazel.intoto.jsonl"));
    let jsonl = tmp.path().join("sha256:06ce3309.jsonl");
    std::fs::write(&jsonl, format!("{}\n{}\n", wrong.trim(), good.trim())).unwrap();
    let module = s(&slsa.join("MODULE.bazel"));
    let (code, out, err) = run([
        "verify-attestation",
        "--attestation",
        &s(&jsonl),
        "--owner",
        "aspect-build",
        "--signer-repo",
        "bazel-contrib/publish-to-bcr",
        &module,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(line 2, sigstore-bundle)"), "{out}");
    assert!(out.contains("not used: line 1 (claim-mismatch): certificate owner is \"https://github.com/loosebazooka\", expected https://github.com/aspect-build"), "{out}");
    let (code, _, err) = run([
        "verify",
        "--bundle",
        &s(&jsonl),
        "--owner",
        "aspect-build",
        "--signer-repo",
        "bazel-contrib/publish-to-bcr",
        &module,
    ]);
    assert_eq!(code, 0, "{err}");
}

// ---------------------------------------------------------------------------------------
// 2. PEP 740, every vector with its README verdict, and pypi-attestations agreeing
// ---------------------------------------------------------------------------------------

/// One PEP 740 case: sigil's flags and the reference's identity.
struct Case {
    name: &'static str,
    dist: PathBuf,
    attestation: PathBuf,
    flags: Vec<String>,
    /// For pypi-attestations: {"github": [repo, workflow]}, {"gitlab": [...]} or {"identity": [san, issuer]}.
    reference: Value,
    staging: bool,
    /// `None`: passes; `Some(text)`: fails with this message (after "ATTESTATION (PEP 740): ").
    expect: Option<String>,
}

fn pep740_cases(v: &Path, tmp: &Path) -> Vec<Case> {
    let p = v.join("pep740");
    let poa = p.join(POA);
    let gh = |repo: &str, wf: &str| {
        let mut f = args(&["--repo", repo]);
        f.extend(args(&[
            "--signer-workflow",
            &format!("{repo}/.github/workflows/{wf}"),
        ]));
        f
    };
    let gh_ref = |repo: &str, wf: &str| json!({ "github": [repo, wf] });
    let poa_flags = gh("trailofbits/pypi-attestations", "release.yml");
    let poa_ref = gh_ref("trailofbits/pypi-attestations", "release.yml");
    let gl_repo = "facutuesca/gitlab-oidc-project";
    let gl = |wf: &str| {
        args(&[
            "--repo",
            &format!("https://gitlab.com/{gl_repo}"),
            "--signer-workflow",
            &format!("gitlab.com/{gl_repo}//{wf}"),
            "--cert-oidc-issuer",
            "https://gitlab.com",
        ])
    };
    let email = args(&[
        "--certificate-identity",
        "william@yossarian.net",
        "--certificate-oidc-issuer",
        "https://github.com/login/oauth",
    ]);
    let email_ref =
        json!({ "identity": ["william@yossarian.net", "https://github.com/login/oauth"] });

    // Negatives made here: a distribution with one byte changed, one renamed to another
    // valid distribution name, one renamed to the same name spelled otherwise.
    let tampered = tmp.join("tampered").join(POA);
    std::fs::create_dir_all(tampered.parent().unwrap()).unwrap();
    let mut bytes = std::fs::read(&poa).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&tampered, &bytes).unwrap();
    let renamed = tmp.join("pypi_attestations-0.0.20.tar.gz");
    std::fs::copy(&poa, &renamed).unwrap();
    let respelled = tmp.join("Pypi.Attestations-0.0.19.tar.gz");
    std::fs::copy(&poa, &respelled).unwrap();
    let whl_tampered = tmp.join("tampered").join(WHL);
    let mut w = std::fs::read(p.join(WHL)).unwrap();
    w[10] ^= 1;
    std::fs::write(&whl_tampered, &w).unwrap();
    // A provenance object whose publisher names another workflow than the certificate's.
    let prov_wrong = tmp.join("wrong.provenance");
    let prov = support::read(p.join(format!("{POA}.provenance")));
    std::fs::write(
        &prov_wrong,
        prov.replace("\"release.yml\"", "\"wrong.yml\""),
    )
    .unwrap();

    let pub_att = |d: &str| p.join(format!("{d}.publish.attestation"));
    let case = |name,
                dist: &Path,
                att: PathBuf,
                flags: &[String],
                reference: &Value,
                staging,
                expect: Option<&str>| Case {
        name,
        dist: dist.to_path_buf(),
        attestation: att,
        flags: flags.to_vec(),
        reference: reference.clone(),
        staging,
        expect: expect.map(str::to_owned),
    };
    let gh_wrong_wf = gh("trailofbits/pypi-attestations", "wrong.yml");
    let gh_other = gh("trailofbits/other", "release.yml");
    vec![
        case("publish attestation", &poa, pub_att(POA), &poa_flags, &poa_ref, false, None),
        case("slsa attestation", &poa, p.join(format!("{POA}.slsa.attestation")), &poa_flags, &poa_ref, false, None),
        case("provenance object", &poa, p.join(format!("{POA}.provenance")), &args(&["--repo", "trailofbits/pypi-attestations"]), &json!({ "provenance": "trailofbits/pypi-attestations" }), false, None),
        case("wrong workflow", &poa, pub_att(POA), &gh_wrong_wf, &gh_ref("trailofbits/pypi-attestations", "wrong.yml"), false,
            Some("document: certificate signer-workflow is \"https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml\", expected https://github.com/trailofbits/pypi-attestations/.github/workflows/wrong.yml [claim-mismatch]")),
        case("wrong repository", &poa, pub_att(POA), &gh_other, &gh_ref("trailofbits/other", "release.yml"), false,
            Some("document: certificate repository is \"https://github.com/trailofbits/pypi-attestations\", expected https://github.com/trailofbits/other [claim-mismatch]")),
        case("provenance, wrong repository", &poa, p.join(format!("{POA}.provenance")), &args(&["--repo", "trailofbits/other"]), &json!({ "provenance": "trailofbits/other" }), false,
            Some("attestation_bundles[0].attestations[0]: certificate repository is \"https://github.com/trailofbits/pypi-attestations\", expected https://github.com/trailofbits/other [claim-mismatch]")),
        case("provenance, publisher not the certificate's", &poa, prov_wrong, &args(&["--repo", "trailofbits/pypi-attestations"]), &json!({ "provenance": "trailofbits/pypi-attestations" }), false,
            Some("attestation_bundles[0].attestations[0]: publisher (GitHub) does not match the certificate: certificate build-config is \"https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19\", expected https://github.com/trailofbits/pypi-attestations/.github/workflows/wrong.yml@REF [publisher-mismatch]")),
        case("tampered distribution", &tampered, pub_att(POA), &poa_flags, &poa_ref, false,
            Some("document: artifact mismatch: artifact hash does not match any subject in attestation [artifact-mismatch]")),
        case("renamed distribution", &renamed, pub_att(POA), &poa_flags, &poa_ref, false,
            Some(&format!("document: subject \"{POA}\" is not the distribution \"pypi_attestations-0.0.20.tar.gz\" [subject-name-mismatch]"))),
        case("same distribution, name spelled otherwise", &respelled, pub_att(POA), &poa_flags, &poa_ref, false, None),
        case("gitlab", &v.join("pep740").join(GITLAB), pub_att(GITLAB), &gl(".gitlab-ci.yml"), &json!({ "gitlab": [gl_repo, ".gitlab-ci.yml"] }), false, None),
        case("gitlab, wrong workflow", &v.join("pep740").join(GITLAB), pub_att(GITLAB), &gl("wrong.yml"), &json!({ "gitlab": [gl_repo, "wrong.yml"] }), false,
            Some("document: certificate signer-workflow is \"https://gitlab.com/facutuesca/gitlab-oidc-project//.gitlab-ci.yml\", expected https://gitlab.com/facutuesca/gitlab-oidc-project//wrong.yml [claim-mismatch]")),
        case("staging wheel", &p.join(WHL), pub_att(WHL), &email, &email_ref, true, None),
        case("staging wheel against public-good", &p.join(WHL), pub_att(WHL), &email, &email_ref, false,
            Some("document: transparency log evidence rejected: invalid inclusion promise: No log key valid at integrated time 2024-06-06T18:39:05Z for log ID 0y8wo8MtY5wrdiIFohx7sHeI5oKDpK5vQhGHI6G+pJY= [tlog-rejected]")),
        case("tampered wheel", &whl_tampered, pub_att(WHL), &email, &email_ref, true,
            Some("document: artifact mismatch: artifact hash does not match any subject in attestation [artifact-mismatch]")),
    ]
}

fn sigil_pep740(c: &Case) -> (i32, String, String) {
    let mut a = args(&["verify-attestation", "--attestation"]);
    a.push(s(&c.attestation));
    a.extend(c.flags.clone());
    if c.staging {
        a.push("--staging".into());
    }
    a.push(s(&c.dist));
    run(&a)
}

#[test]
fn every_pep740_vector_gets_its_readme_verdict() {
    let Some(v) = vectors() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for c in pep740_cases(&v, tmp.path()) {
        let (code, out, err) = sigil_pep740(&c);
        match &c.expect {
            None => {
                assert_eq!(code, 0, "{}: {err}", c.name);
                assert!(
                    out.starts_with(&format!(
                        "verified {} against {} (",
                        s(&c.dist),
                        s(&c.attestation)
                    )),
                    "{}: {out}",
                    c.name
                );
            }
            Some(m) => {
                assert_eq!(code, 1, "{}: {out}", c.name);
                assert_eq!(
                    err,
                    format!("error: {} (PEP 740): {m}\n", s(&c.attestation)),
                    "{}",
                    c.name
                );
            }
        }
    }
    // The staging wheel's Sigstore bundle form, too.
    let p = v.join("pep740");
    let (code, _, err) = run([
        "verify",
        "--bundle",
        &s(&p.join(format!("{WHL}.sigstore"))),
        "--staging",
        "--certificate-identity",
        "william@yossarian.net",
        "--certificate-oidc-issuer",
        "https://github.com/login/oauth",
        &s(&p.join(WHL)),
    ]);
    assert_eq!(code, 0, "{err}");
    // JSON: the trusted publisher and the certificate's facts.
    let (code, j) = run_json(&args(&[
        "verify-attestation",
        "--attestation",
        &s(&p.join(format!("{POA}.provenance"))),
        "--repo",
        "trailofbits/pypi-attestations",
        &s(&p.join(POA)),
    ]));
    assert_eq!(code, 0);
    let first = &j["result"]["verified"][0];
    assert_eq!(
        first["trusted_publisher"],
        json!({ "kind": "GitHub", "repository": "trailofbits/pypi-attestations", "workflow": "release.yml", "environment": null })
    );
    assert_eq!(first["signer"]["publisher"]["ref"], "refs/tags/v0.0.19");
    assert_eq!(
        first["predicate_type"],
        "https://docs.pypi.org/attestations/publish/v1"
    );
    let (code, j) = run_json(&args(&[
        "verify-attestation",
        "--attestation",
        &s(&p.join(format!("{POA}.publish.attestation"))),
        "--repo",
        "trailofbits/other",
        &s(&p.join(POA)),
    ]));
    assert_eq!(code, 1);
    assert_eq!(j["error"]["details"]["reason"], "claim-mismatch");
    // No provenance builder binds an unnamed signer: a PEP 740 attestation needs it named.
    let att = s(&p.join(format!("{POA}.publish.attestation")));
    let (code, _, err) = run([
        "verify-attestation",
        "--attestation",
        &att,
        "--builder-id",
        "https://example.com/b",
        "--source-uri",
        "github.com/a/b",
        &s(&p.join(POA)),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: a PEP 740 attestation needs its signer named\n"),
        "{err}"
    );
    // --predicate-type filters as for other attestations.
    let (code, _, err) = run([
        "verify-attestation",
        "--attestation",
        &att,
        "--repo",
        "trailofbits/pypi-attestations",
        "--predicate-type",
        "https://slsa.dev/provenance/v1",
        &s(&p.join(POA)),
    ]);
    assert_eq!(code, 1);
    assert_eq!(err, format!("error: {att} (PEP 740): document: predicate type \"https://docs.pypi.org/attestations/publish/v1\" is not the one asked for (\"https://slsa.dev/provenance/v1\") [predicate-type-mismatch]\n"));
}

/// The reference verifier, through its Python API (its CLI's `verify attestation` takes no
/// issuer and `verify pypi` only provenance; the API takes both), offline.
const REFERENCE: &str = r#"
import json, sys
from pathlib import Path
from pypi_attestations import Attestation, Distribution, Provenance, GitHubPublisher, GitLabPublisher
from sigstore.verify import policy

out = []
for c in json.load(sys.stdin):
    try:
        dist = Distribution.from_file(Path(c["dist"]))
        ref = c["reference"]
        raw = Path(c["attestation"]).read_bytes()
        if "provenance" in ref:
            prov = Provenance.model_validate_json(raw)
            for b in prov.attestation_bundles:
                if b.publisher.repository != ref["provenance"]:
                    raise ValueError("publisher repository " + b.publisher.repository)
                for a in b.attestations:
                    a.verify(b.publisher, dist, staging=c["staging"], offline=True)
        else:
            if "github" in ref:
                ident = GitHubPublisher(repository=ref["github"][0], workflow=ref["github"][1])
            elif "gitlab" in ref:
                ident = GitLabPublisher(repository=ref["gitlab"][0], workflow_filepath=ref["gitlab"][1])
            else:
                ident = policy.Identity(identity=ref["identity"][0], issuer=ref["identity"][1])
            Attestation.model_validate_json(raw).verify(ident, dist, staging=c["staging"], offline=True)
        out.append("pass")
    except Exception as e:
        out.append("fail: " + str(e).splitlines()[0])
print(json.dumps(out))
"#;

#[test]
fn pypi_attestations_agrees_on_every_pep740_case() {
    let Some(v) = vectors() else { return };
    let Some(python) = support::python() else {
        return;
    };
    let probe = std::process::Command::new(&python)
        .args(["-c", "import pypi_attestations"])
        .output()
        .unwrap();
    if !probe.status.success() {
        assert!(
            std::env::var("SIGIL_INTEROP").map_or(true, |x| x != "1"),
            "SIGIL_INTEROP=1 but pypi-attestations is not installed in the venv"
        );
        support::skip("pypi-attestations not installed; run `cargo xtask test`");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let cases = pep740_cases(&v, tmp.path());
    let input: Vec<Value> = cases
        .iter()
        .map(|c| json!({ "dist": c.dist, "attestation": c.attestation, "reference": c.reference, "staging": c.staging }))
        .collect();
    let script = tmp.path().join("reference.py");
    std::fs::write(&script, REFERENCE).unwrap();
    let mut child = std::process::Command::new(&python)
        .arg(&script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(Value::Array(input).to_string().as_bytes())
            .unwrap();
    }
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let verdicts: Vec<String> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(verdicts.len(), cases.len());
    for (c, reference) in cases.iter().zip(&verdicts) {
        let (code, _, err) = sigil_pep740(c);
        assert_eq!(
            reference == "pass",
            code == 0,
            "{}: pypi-attestations says {reference}, sigil exits {code}: {err}",
            c.name
        );
    }
}

// ---------------------------------------------------------------------------------------
// 3. cosign `--bundle` documents built from real Rekor entries
// ---------------------------------------------------------------------------------------

/// cosign cannot run here (no network, no OIDC): these documents are what `cosign sign-blob
/// --bundle` and `cosign attest-blob --bundle` write, built from the real Rekor entries of the
/// shared vectors. Every part of cosign's document is in the Sigstore bundle: the certificate,
/// the signature (for attest-blob, the whole DSSE envelope), the entry body, its integrated
/// time, index and log id, and the signed entry timestamp over them.
fn cosign_doc(bundle: &Value, base64_signature: String) -> Value {
    let vm = &bundle["verificationMaterial"];
    let der = B64
        .decode(
            vm["x509CertificateChain"]["certificates"][0]["rawBytes"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
    let body = B64.encode(&der);
    let pem_lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        pem_lines.join("\n")
    );
    let e = &vm["tlogEntries"][0];
    let log_id = B64.decode(e["logId"]["keyId"].as_str().unwrap()).unwrap();
    let hex: String = log_id.iter().map(|b| format!("{b:02x}")).collect();
    json!({
        "base64Signature": base64_signature,
        "cert": B64.encode(pem),
        "rekorBundle": {
            "SignedEntryTimestamp": e["inclusionPromise"]["signedEntryTimestamp"],
            "Payload": {
                "body": e["canonicalizedBody"],
                "integratedTime": e["integratedTime"].as_str().unwrap().parse::<u64>().unwrap(),
                "logIndex": e["logIndex"].as_str().unwrap().parse::<u64>().unwrap(),
                "logID": hex,
            }
        }
    })
}

#[test]
fn cosign_sign_blob_and_attest_blob_bundles_verify() {
    let Some(v) = vectors() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = v.join("sigstore");
    let root = s(&dir.join("trusted_root.json"));
    let a_txt = s(&dir.join("a.txt"));
    let id = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";

    // sign-blob: the hashedrekord entry of the v0.1 happy path.
    let b: Value =
        serde_json::from_str(&support::read(dir.join("happy-path-v0.1.sigstore.json"))).unwrap();
    let sig = b["messageSignature"]["signature"]
        .as_str()
        .unwrap()
        .to_owned();
    let doc = cosign_doc(&b, sig.clone());
    let sign_blob = tmp.path().join("a.txt.cosign.bundle");
    std::fs::write(&sign_blob, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let (code, out, err) = run([
        "verify",
        "--bundle",
        &s(&sign_blob),
        "--trusted-root",
        &root,
        "--certificate-identity",
        id,
        "--certificate-oidc-issuer",
        GHA,
        &a_txt,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!("verified {a_txt} with Sigstore bundle {} (message-signature)\nidentity: {id}\nissuer: {GHA}\nlog index: 27246492 (hashedrekord/0.0.1)\nintegrated time: 2023-07-12T15:56:36Z\nrepository: https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon\nref: refs/heads/main\ndigest: af785b6d3b0fa0c0aa1305faee7ce6036e8d90c4\nrunner-environment: github-hosted\n", s(&sign_blob))
    );
    let (code, _, _) = run([
        "verify",
        "--bundle",
        &s(&sign_blob),
        "--trusted-root",
        &root,
        "--repo",
        "sigstore-conformance/extremely-dangerous-public-oidc-beacon",
        &a_txt,
    ]);
    assert_eq!(code, 0);
    // Another file, a changed signature, a changed SET: not verified.
    let (code, _, err) = run([
        "verify",
        "--bundle",
        &s(&sign_blob),
        "--trusted-root",
        &root,
        "--certificate-identity",
        id,
        "--certificate-oidc-issuer",
        GHA,
        &root,
    ]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with(&format!("error: {}: artifact mismatch", s(&sign_blob))),
        "{err}"
    );
    let mut bad = doc.clone();
    let mut sig_bytes = B64.decode(&sig).unwrap();
    let n = sig_bytes.len();
    sig_bytes[n - 1] ^= 1;
    bad["base64Signature"] = json!(B64.encode(&sig_bytes));
    std::fs::write(&sign_blob, bad.to_string()).unwrap();
    let (code, _, err) = run([
        "verify",
        "--bundle",
        &s(&sign_blob),
        "--trusted-root",
        &root,
        "--certificate-identity",
        id,
        "--certificate-oidc-issuer",
        GHA,
        &a_txt,
    ]);
    assert_eq!(code, 1, "{err}");
    let mut bad = doc.clone();
    let set = bad["rekorBundle"]["SignedEntryTimestamp"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut set_bytes = B64.decode(set).unwrap();
    set_bytes[10] ^= 1;
    bad["rekorBundle"]["SignedEntryTimestamp"] = json!(B64.encode(&set_bytes));
    std::fs::write(&sign_blob, bad.to_string()).unwrap();
    let (code, _, err) = run([
        "verify",
        "--bundle",
        &s(&sign_blob),
        "--trusted-root",
        &root,
        "--certificate-identity",
        id,
        "--certificate-oidc-issuer",
        GHA,
        &a_txt,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("transparency log evidence rejected"), "{err}");

    // attest-blob: the intoto entry of the SLSA delegator vector; base64Signature is the envelope.
    let slsa = v.join("slsa");
    let b: Value = serde_json::from_str(&support::read(
        slsa.join("binary-linux-amd64-workflow_dispatch.build.slsa"),
    ))
    .unwrap();
    let env = B64.encode(b["dsseEnvelope"].to_string());
    let attest_blob = tmp.path().join("binary.cosign.bundle");
    std::fs::write(&attest_blob, cosign_doc(&b, env).to_string()).unwrap();
    let bin = tmp.path().join("binary-linux-amd64-workflow_dispatch");
    std::fs::write(&bin, b"hello\n").unwrap();
    let (code, out, err) = run([
        "verify-attestation", "--attestation", &s(&attest_blob),
        "--builder-id", "https://github.com/slsa-framework/example-trw/.github/workflows/builder_high-perms_slsa3.yml",
        "--source-uri", "github.com/slsa-framework/example-package", &s(&bin),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!(
            "verified {} against {} (document, sigstore-bundle)\n",
            s(&bin),
            s(&attest_blob)
        )),
        "{out}"
    );
    let (code, _, err) = run([
        "verify",
        "--bundle",
        &s(&attest_blob),
        "--signer-workflow",
        "slsa-framework/slsa-github-generator/.github/workflows/delegator_generic_slsa3.yml",
        &s(&bin),
    ]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(&bin, b"hellO\n").unwrap();
    let (code, _, _) = run([
        "verify",
        "--bundle",
        &s(&attest_blob),
        "--signer-workflow",
        "slsa-framework/slsa-github-generator/.github/workflows/delegator_generic_slsa3.yml",
        &s(&bin),
    ]);
    assert_eq!(code, 1);
}

// ---------------------------------------------------------------------------------------
// 4. A policy's PyPI publisher rule in `sigil install`
// ---------------------------------------------------------------------------------------

fn install(fx: &gate_util::Fx, policy: &Path, url: &str, dest: &Path) -> std::process::Output {
    fx.cmd()
        .args([
            "install",
            "--format",
            "json",
            "--insecure-allow-http",
            "--policy",
        ])
        .arg(policy)
        .arg("--to")
        .arg(dest)
        .arg(url)
        .output()
        .unwrap()
}

/// The only wheel among the vectors is signed on the staging instance by an e-mail identity,
/// so the workflow rule is shown with the sdist PyPI published from GitHub Actions.
#[test]
fn install_lets_a_distribution_through_only_with_its_attestation_from_the_right_workflow() {
    let Some(v) = vectors() else { return };
    let fx = gate_util::Fx::new();
    let served = fx.p("served");
    std::fs::create_dir(&served).unwrap();
    let p = v.join("pep740");
    std::fs::copy(p.join(POA), served.join(POA)).unwrap();
    let base = gate_util::serve_dir(&served);
    let url = format!("{base}/{POA}");
    let rule = |wf: &str| {
        format!("schema = 1\n[trust]\n[[trust.identities]]\nissuer = \"{GHA}\"\nrepository = \"trailofbits/pypi-attestations\"\nsigner-workflow = \"trailofbits/pypi-attestations/.github/workflows/{wf}\"\nself-hosted-runners = false\n")
    };
    let good = fx.write("good.toml", rule("release.yml").as_bytes());
    let wrong = fx.write("wrong.toml", rule("wrong.yml").as_bytes());

    // Without an attestation: nothing is signed, nothing installed.
    let d0 = fx.p("d0");
    std::fs::create_dir(&d0).unwrap();
    let o = install(&fx, &good, &url, &d0);
    assert_eq!(
        gate_util::verdict(&o),
        (Some(1), vec!["signature-missing".to_owned()]),
        "{}",
        gate_util::stderr(&o)
    );
    assert_eq!(std::fs::read_dir(&d0).unwrap().count(), 0);

    // With the attestation PyPI published: installed under the right workflow's rule...
    std::fs::copy(
        p.join(format!("{POA}.publish.attestation")),
        served.join(format!("{POA}.publish.attestation")),
    )
    .unwrap();
    let d1 = fx.p("d1");
    std::fs::create_dir(&d1).unwrap();
    let o = install(&fx, &good, &url, &d1);
    assert_eq!(
        gate_util::verdict(&o),
        (Some(0), vec![]),
        "{}",
        gate_util::stderr(&o)
    );
    assert_eq!(
        std::fs::read(d1.join(POA)).unwrap(),
        std::fs::read(p.join(POA)).unwrap()
    );

    // ...and refused under a rule naming another workflow.
    let d2 = fx.p("d2");
    std::fs::create_dir(&d2).unwrap();
    let o = install(&fx, &wrong, &url, &d2);
    assert_eq!(
        gate_util::verdict(&o),
        (
            Some(1),
            vec![
                "identity-mismatch".to_owned(),
                "threshold-not-met".to_owned()
            ]
        )
    );
    assert_eq!(
        gate_util::message(&o, "identity-mismatch"),
        "signed by https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19 (https://token.actions.githubusercontent.com), which matches no trusted identity"
    );
    assert_eq!(std::fs::read_dir(&d2).unwrap().count(), 0);

    // The provenance object (PyPI's Integrity API form) serves as well, and a changed
    // distribution behind the same attestation is refused.
    std::fs::remove_file(served.join(format!("{POA}.publish.attestation"))).unwrap();
    std::fs::copy(
        p.join(format!("{POA}.provenance")),
        served.join(format!("{POA}.provenance")),
    )
    .unwrap();
    let d3 = fx.p("d3");
    std::fs::create_dir(&d3).unwrap();
    let o = install(&fx, &good, &url, &d3);
    assert_eq!(
        gate_util::verdict(&o),
        (Some(0), vec![]),
        "{}",
        gate_util::stderr(&o)
    );
    let mut bytes = std::fs::read(p.join(POA)).unwrap();
    bytes[100] ^= 1;
    std::fs::write(served.join(POA), &bytes).unwrap();
    let d4 = fx.p("d4");
    std::fs::create_dir(&d4).unwrap();
    let o = install(&fx, &good, &url, &d4);
    assert_eq!(
        gate_util::verdict(&o),
        (
            Some(1),
            vec!["bundle-invalid".to_owned(), "threshold-not-met".to_owned()]
        )
    );
    assert_eq!(gate_util::message(&o, "bundle-invalid"),
        "bundle does not verify: artifact mismatch: artifact hash does not match any subject in attestation [artifact-mismatch]"
    );
    assert_eq!(std::fs::read_dir(&d4).unwrap().count(), 0);
}

// ---------------------------------------------------------------------------------------
// 5. GitHub's own Sigstore instance, with its trusted root
// ---------------------------------------------------------------------------------------

/// GitHub's instance (private repositories' attestations) has a Fulcio CA and a TSA but no
/// transparency log and no CT log: its `trusted_root.json` lists neither, its certificates carry
/// no SCT and its bundles no log entry, only an RFC 3161 timestamp. Our test Sigstore mints such
/// a bundle; with that root it verifies, and the same bundle is refused by a root that does list
/// a log and a CT log (public-good rules: an SCT and a log entry are required).
#[test]
fn github_instance_attestations_verify_with_its_trusted_root() {
    use sigil_test_sigstore::{github_provenance, Fault, Identity, TestSigstore};
    let dir = tempfile::tempdir().unwrap();
    let mut ts = TestSigstore::new().unwrap();
    let artifact = dir.path().join("widget.tar.gz");
    std::fs::write(&artifact, b"private widget\n").unwrap();
    let id = Identity::github(
        "acme/private",
        ".github/workflows/release.yml",
        "refs/tags/v2.0.0",
    );
    let statement = github_provenance(
        "widget.tar.gz",
        b"private widget\n",
        "acme/private",
        ".github/workflows/release.yml",
        "refs/tags/v2.0.0",
    );
    let mut b = ts.attest_with(&id, &statement, &[Fault::NoSct]).unwrap();
    ts.add_timestamp(&mut b, true).unwrap();
    b.json["verificationMaterial"]["tlogEntries"] = json!([]);
    let bundle = dir.path().join("widget.tar.gz.sigstore.json");
    std::fs::write(&bundle, b.to_json()).unwrap();

    let mut github_root = ts.trusted_root();
    github_root["tlogs"] = json!([]);
    github_root["ctlogs"] = json!([]);
    let gh = dir.path().join("github_trusted_root.json");
    std::fs::write(&gh, github_root.to_string()).unwrap();
    let full = dir.path().join("full_trusted_root.json");
    std::fs::write(&full, ts.trusted_root().to_string()).unwrap();

    let attest = |root: &Path, repo: &str| {
        run([
            "verify-attestation",
            "--attestation",
            &s(&bundle),
            "--trusted-root",
            &s(root),
            "--repo",
            repo,
            &s(&artifact),
        ])
    };
    let (code, out, err) = attest(&gh, "acme/private");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!(
            "verified {} against {} (document, sigstore-bundle)\n",
            s(&artifact),
            s(&bundle)
        )),
        "{out}"
    );
    let (code, _, err) = attest(&gh, "acme/other");
    assert_eq!(code, 1);
    assert_eq!(err, format!("error: {} (document): certificate repository is \"https://github.com/acme/private\", expected https://github.com/acme/other\n", s(&bundle)));
    let (code, _, err) = run([
        "verify",
        "--bundle",
        &s(&bundle),
        "--trusted-root",
        &s(&gh),
        "--signer-workflow",
        "acme/private/.github/workflows/release.yml",
        &s(&artifact),
    ]);
    assert_eq!(code, 0, "{err}");
    // A root that lists a transparency log and a CT log demands both.
    let (code, _, err) = attest(&full, "acme/private");
    assert_eq!(code, 1);
    assert_eq!(err, format!("error: {} (document): transparency log evidence rejected: the trusted root lists transparency logs but the bundle has no log entry\n", s(&bundle)));
    let mut no_log_root = ts.trusted_root();
    no_log_root["tlogs"] = json!([]);
    std::fs::write(&full, no_log_root.to_string()).unwrap();
    let (code, _, err) = attest(&full, "acme/private");
    assert_eq!(code, 1);
    assert!(err.contains("certificate rejected"), "{err}");
}

/// The npm and GitHub examples of docs/policy.md hold: `sigil verify --policy` with the
/// registry's document (npm) or `gh attestation download` output (GitHub) as `NAME.sigstore.json`.
#[test]
fn policy_publisher_examples_for_npm_and_github_hold() {
    let Some(v) = vectors() else { return };
    let fx = gate_util::Fx::new();
    let slsa = v.join("slsa");
    let put = |name: &str, from: &Path| {
        std::fs::copy(from, fx.p(name)).unwrap();
        fx.p(name)
    };
    let tgz = put(
        "gundam-visor-1.0.1.tgz",
        &slsa.join("gundam-visor-cli-v1-tag.tgz"),
    );
    put(
        "gundam-visor-1.0.1.tgz.sigstore.json",
        &slsa.join("gundam-visor-cli-v1-tag.tgz.json"),
    );
    let module = put("MODULE.bazel", &slsa.join("MODULE.bazel"));
    put(
        "MODULE.bazel.sigstore.json",
        &slsa.join("MODULE.bazel.intoto.jsonl"),
    );
    let npm = |wf: &str| {
        format!("schema = 1\n[trust]\n[[trust.identities]]\nissuer = \"{GHA}\"\nrepository = \"ramonpetgrave64/gundam-visor\"\nsigner-workflow = \"ramonpetgrave64/gundam-visor/.github/workflows/{wf}\"\n")
    };
    let github = |r: &str| {
        format!("schema = 1\n[trust]\n[[trust.identities]]\nissuer = \"{GHA}\"\nowner = \"aspect-build\"\nsigner-workflow = \"bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml\"\nsource-ref = \"{r}\"\n")
    };
    let ok = fx.write("npm.toml", npm("npm-publish.yml").as_bytes());
    assert_eq!(gate_util::verdict(&fx.verify(&ok, &tgz)), (Some(0), vec![]));
    let bad = fx.write("npm-bad.toml", npm("other.yml").as_bytes());
    assert_eq!(
        gate_util::verdict(&fx.verify(&bad, &tgz)),
        (
            Some(1),
            vec![
                "identity-mismatch".to_owned(),
                "threshold-not-met".to_owned()
            ]
        )
    );
    let ok = fx.write("gh.toml", github("refs/heads/publish-to-bcr").as_bytes());
    assert_eq!(
        gate_util::verdict(&fx.verify(&ok, &module)),
        (Some(0), vec![])
    );
    let bad = fx.write("gh-bad.toml", github("refs/heads/main").as_bytes());
    assert_eq!(
        gate_util::verdict(&fx.verify(&bad, &module)),
        (
            Some(1),
            vec![
                "identity-mismatch".to_owned(),
                "threshold-not-met".to_owned()
            ]
        )
    );
    // A publisher key that cannot be blank, and an identity that names nobody, are refused.
    let blank = fx.write(
        "blank.toml",
        format!(
            "schema = 1\n[trust]\n[[trust.identities]]\nissuer = \"{GHA}\"\nrepository = \"\"\n"
        )
        .as_bytes(),
    );
    let o = fx.verify(&blank, &module);
    assert_eq!(o.status.code(), Some(2));
    let nobody = fx.write("nobody.toml", format!("schema = 1\n[trust]\n[[trust.identities]]\nissuer = \"{GHA}\"\nsource-ref = \"refs/heads/main\"\n").as_bytes());
    let o = fx.verify(&nobody, &module);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        gate_util::stderr(&o)
            .contains("an identity needs exactly one of `subject` or `subject-regex`"),
        "{}",
        gate_util::stderr(&o)
    );
}
