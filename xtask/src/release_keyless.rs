//! `cargo xtask release --keyless`: the same release, signed with `sigil sign/attest --keyless`
//! instead of a minisign key, and verified with `policies/release.toml`'s keyless rule
//! (`[[trust.identities]]`: sigil's release workflow on a `v` tag) and with sigstore-python.
//!
//! - In GitHub Actions (`ACTIONS_ID_TOKEN_REQUEST_URL` set, `permissions: id-token: write`):
//!   the ambient token and the public-good Sigstore; the identity is the running workflow.
//! - Anywhere else: a rehearsal against the local Sigstore (`sigstore_local::start`), whose
//!   tokens stand for `sigil-project/sigil`'s release workflow on `refs/tags/vVERSION` at HEAD,
//!   with `sigil provenance` run under the matching simulated GitHub Actions environment, and
//!   the policy given the local trusted root (`sigstore-trusted-root`). Nothing it makes is
//!   trusted anywhere else.
//!
//! Keyless bundles are not reproducible (a fresh key, log entry and timestamp per run), so
//! `--check` compares every other file byte for byte and tampers with all of them.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{ensure, Result};

use super::{banner, file_name, files, show, Check, CYCLONEDX, SLSA};
use crate::root;

/// GitHub Actions' OIDC issuer.
const ISSUER: &str = "https://token.actions.githubusercontent.com";
const REPO: &str = "sigil-project/sigil";
const WORKFLOW: &str = ".github/workflows/release.yml";

/// Everything the keyless steps share.
pub(super) struct Keyless {
    /// `--keyless` and its service flags for `sigil sign`/`attest`.
    pub sign_flags: Vec<OsString>,
    /// The certificate identity the release carries.
    pub identity: String,
    /// The trusted root to verify with (the local Sigstore's), or the embedded public-good root.
    pub trusted_root: Option<PathBuf>,
    /// sigstore-python's trust config (local), or its default public-good trust.
    pub trust_config: Option<PathBuf>,
    /// The policy `dist/` must satisfy.
    pub policy: PathBuf,
    /// Environment of `sigil provenance` (the simulated release run, local only).
    pub provenance_env: Vec<(String, String)>,
    _local: Option<crate::sigstore_local::Background>,
}

/// Whether a file is made fresh by every keyless run (the bundles, and the list naming them):
/// compared by verification, not bytes.
pub(super) fn fresh_per_run(name: &str) -> bool {
    name.ends_with(".sigstore.json") || name.ends_with(".intoto.jsonl") || name == "SHA256SUMS"
}

/// Chooses the Sigstore (GitHub Actions' ambient token, or a local rehearsal) and the policy.
pub(super) fn setup(version: &str, work: &Path) -> Result<Keyless> {
    let shipped = root().join("policies/release.toml");
    if std::env::var_os("ACTIONS_ID_TOKEN_REQUEST_URL").is_some() {
        let server =
            std::env::var("GITHUB_SERVER_URL").unwrap_or_else(|_| "https://github.com".into());
        let wf = std::env::var("GITHUB_WORKFLOW_REF").unwrap_or_default();
        ensure!(
            !wf.is_empty(),
            "ACTIONS_ID_TOKEN_REQUEST_URL is set but GITHUB_WORKFLOW_REF is not"
        );
        println!("xtask release: keyless with GitHub Actions' identity token and the public-good Sigstore");
        return Ok(Keyless {
            sign_flags: vec!["--keyless".into()],
            identity: format!("{}/{wf}", server.trim_end_matches('/')),
            trusted_root: None,
            trust_config: None,
            policy: shipped,
            provenance_env: Vec::new(),
            _local: None,
        });
    }
    let git_ref = format!("refs/tags/v{version}");
    let sha = super::git(&["rev-parse", "HEAD"])?;
    let local = crate::sigstore_local::start(
        &work.join("sigstore-local"),
        &[
            "--repo",
            REPO,
            "--workflow",
            WORKFLOW,
            "--ref",
            &git_ref,
            "--sha",
            &sha,
        ],
    )?;
    let identity = format!("https://github.com/{REPO}/{WORKFLOW}@{git_ref}");
    // policies/release.toml as shipped, with the local Sigstore's root to verify against.
    let text = std::fs::read_to_string(&shipped)?;
    let mut policy_text = String::from(
        "# REHEARSAL policy written by `cargo xtask release --keyless`: policies/release.toml with the\n\
         # local Sigstore's trusted root. It proves the keyless pipeline, not the origin.\n",
    );
    let mut added = 0;
    for line in text.lines() {
        policy_text.push_str(line);
        policy_text.push('\n');
        if line.starts_with("revoked = ") {
            policy_text.push_str(&format!(
                "sigstore-trusted-root = {:?}\n",
                local.trusted_root().display().to_string()
            ));
            added += 1;
        }
    }
    ensure!(
        added == 1,
        "policies/release.toml must have exactly one `revoked = ` line in [trust]"
    );
    let policy = work.join("release-keyless.toml");
    std::fs::write(&policy, policy_text)?;
    let env = [
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_SERVER_URL", "https://github.com".to_owned()),
        ("GITHUB_REPOSITORY", REPO.to_owned()),
        ("GITHUB_REF", git_ref.clone()),
        ("GITHUB_SHA", sha.clone()),
        (
            "GITHUB_WORKFLOW_REF",
            format!("{REPO}/{WORKFLOW}@{git_ref}"),
        ),
        ("GITHUB_EVENT_NAME", "push".to_owned()),
        ("GITHUB_RUN_ID", "1".to_owned()),
        ("GITHUB_RUN_ATTEMPT", "1".to_owned()),
        ("RUNNER_ENVIRONMENT", "github-hosted".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    banner(&[
        "--keyless outside GitHub Actions: a REHEARSAL against the LOCAL Sigstore on 127.0.0.1:",
        &format!("  identity {identity} (commit {sha})"),
        &format!(
            "  policy   {} (release.toml + the local trusted root)",
            show(&[policy.clone().into()])
        ),
        "  provenance is made under a simulated release run of that workflow.",
        "This dist/ proves the keyless pipeline works; nothing outside this machine trusts it.",
    ]);
    let mut token = OsString::from("@");
    token.push(local.token_file());
    Ok(Keyless {
        sign_flags: vec![
            "--keyless".into(),
            "--signing-config".into(),
            local.signing_config().into(),
            "--trusted-root".into(),
            local.trusted_root().into(),
            "--insecure-allow-http".into(),
            "--identity-token".into(),
            token,
        ],
        identity,
        trusted_root: Some(local.trusted_root()),
        trust_config: Some(local.trust_config()),
        policy,
        provenance_env: env,
        _local: Some(local),
    })
}

/// Every check of a keyless dist: sigil (policy, attestations, the list) and, independently,
/// sigstore-python (the archive's and the list's bundles) and `sha256sum -c`.
pub(super) fn checks(
    k: &Keyless,
    sigil_bin: &Path,
    env: &[(&'static str, OsString)],
    dist: &Path,
) -> Result<Vec<Check>> {
    let mut v = Vec::new();
    let root_flags: Vec<OsString> = match &k.trusted_root {
        Some(r) => vec!["--trusted-root".into(), r.clone().into()],
        None => Vec::new(),
    };
    let identity: Vec<OsString> = vec![
        "--certificate-identity".into(),
        k.identity.clone().into(),
        "--certificate-oidc-issuer".into(),
        ISSUER.into(),
    ];
    let mut sigil = |args: Vec<OsString>| v.push(Check::sigil(sigil_bin, args, env));
    let names: Vec<String> = files(dist)?.iter().map(|p| file_name(p)).collect();
    let archives: Vec<&String> = names.iter().filter(|n| n.ends_with(".tar.gz")).collect();
    ensure!(!archives.is_empty(), "{} holds no archive", dist.display());
    for a in &archives {
        let art = dist.join(a);
        let att = dist.join(format!("{a}.intoto.jsonl"));
        sigil(vec![
            "verify".into(),
            "--policy".into(),
            k.policy.clone().into(),
            art.clone().into(),
        ]);
        for ptype in [SLSA, CYCLONEDX] {
            let mut args: Vec<OsString> = vec![
                "verify-attestation".into(),
                art.clone().into(),
                "--attestation".into(),
                att.clone().into(),
                "--predicate-type".into(),
                ptype.into(),
            ];
            args.extend(identity.iter().cloned());
            args.extend(root_flags.iter().cloned());
            sigil(args);
        }
    }
    let mut args: Vec<OsString> = vec![
        "sums".into(),
        "verify".into(),
        dist.join("SHA256SUMS").into(),
    ];
    args.extend(identity.iter().cloned());
    args.extend(root_flags.iter().cloned());
    sigil(args);

    let py = crate::tools::venv_dir().join("bin/sigstore");
    let have_py = py.is_file();
    for n in names
        .iter()
        .filter(|n| names.contains(&format!("{n}.sigstore.json")))
    {
        let mut args: Vec<OsString> = Vec::new();
        if let Some(tc) = &k.trust_config {
            args.extend(["--trust-config".into(), tc.clone().into()]);
        }
        args.extend(["verify".into(), "identity".into()]);
        if k.trust_config.is_some() {
            args.push("--offline".into());
        }
        args.extend([
            "--bundle".into(),
            format!("{n}.sigstore.json").into(),
            "--cert-identity".into(),
            k.identity.clone().into(),
            "--cert-oidc-issuer".into(),
            ISSUER.into(),
            n.into(),
        ]);
        let mut c = Check::independent("sigstore", Some(py.clone()), args, dist);
        c.missing_tool = (!have_py).then_some("sigstore-python");
        v.push(c);
    }
    v.push(Check::sha256sum(dist));
    Ok(v)
}
