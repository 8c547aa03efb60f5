//! Unit tests for parsing and evaluation.

use std::path::Path;

use proptest::prelude::*;
use sigil_core::Sha256Digest;
use sigil_keys::{PublicKey, SecretKey};

use crate::*;

pub(crate) struct NoFiles;

impl PolicyFiles for NoFiles {
    fn public_key(&self, p: &Path) -> Result<PublicKey, String> {
        Err(format!("no key files in unit tests ({})", p.display()))
    }
    fn text(&self, p: &Path) -> Result<String, String> {
        Err(format!("no files in unit tests ({})", p.display()))
    }
}

pub(crate) fn parse(text: &str) -> Result<Policy, PolicyError> {
    Policy::parse(text, Path::new("p.toml"), &NoFiles)
}

/// The base64 line of a fresh key's minisign public key.
fn key_line(k: &PublicKey) -> String {
    k.to_minisign()
        .lines()
        .nth(1)
        .unwrap_or_default()
        .to_owned()
}

fn policy_with(keys: &[&PublicKey], extra: &str) -> String {
    let mut s = String::from("schema = 1\n[trust]\nkeys = [\n");
    for k in keys {
        s.push_str(&format!("  {{ public-key = \"{}\" }},\n", key_line(k)));
    }
    s.push_str("]\n");
    s.push_str(extra);
    s
}

/// Parses and expects either success or exactly this `file:line:col: message`.
fn check(input: &str, expect: Result<(), &str>) {
    match (parse(input), expect) {
        (Ok(_), Ok(())) => {}
        (Err(e), Err(want)) if e.to_string() == want => {}
        (Err(e), Err(want)) => panic!("\n got: {e}\nwant: {want}\n{input}"),
        (got, want) => panic!(
            "got {:?}, want {want:?}\n{input}",
            got.map(|_| ()).map_err(|e| e.to_string())
        ),
    }
}

#[test]
fn parse_errors_name_file_line_and_column() {
    let k = SecretKey::generate().public();
    let good = policy_with(&[&k], "");
    check(&good, Ok(()));
    check(&format!("colour = 1\n{good}"), Err("p.toml:1:1: unknown field `colour`, expected one of `schema`, `trust`, `provenance`, `sbom`, `pack`, `install`, `run`, `exceptions`"));
    check(
        &format!("{good}colour = 1\n"),
        Err("p.toml:6:1: unknown field `colour`, expected one of `keys`, `threshold`, `identities`, `revoked`, `sigstore-trusted-root`, `tuf-root`"),
    );
    check(
        &policy_with(&[&k], "[pack]\nmax-file = 3\n"),
        Err("p.toml:7:1: unknown field `max-file`, expected `max-files` or `max-total-bytes`"),
    );
    check(
        &policy_with(&[&k], "[[exceptions]]\ncode = \"sbom-missing\"\n"),
        Err("p.toml:6:1: missing field `reason`"),
    );
    check(
        &policy_with(
            &[&k],
            "[[trust.identities]]\nissuer = \"https://x\"\nsubject-regex = '^https://(github\\.com'\n",
        ),
        Err("p.toml:8:17: subject-regex does not compile: unclosed group"),
    );
    check(
        &policy_with(&[&k], "").replace("schema = 1", "schema = 2"),
        Err("p.toml:1:10: unsupported policy schema 2 (this sigil reads schema 1)"),
    );
    check(
        &policy_with(&[&k], "").replace("schema = 1", "schema = \"1\""),
        Err("p.toml:1:10: invalid type: string \"1\", expected i64"),
    );
    check(
        &policy_with(&[&k], "").replace("[trust]\n", "[trust]\nthreshold = 2\n"),
        Err("p.toml:3:13: threshold 2 is not between 1 and the 1 usable keys and identities"),
    );
    check(
        "schema = 1\n[trust]\n",
        Err("p.toml:2:1: the policy trusts no key or identity, so nothing could ever pass"),
    );
    check(
        "schema = 1\n[trust]\nkeys = [\"k.pub\"]\n",
        Err("p.toml:3:9: key k.pub: no key files in unit tests (k.pub)"),
    );
    check(
        &policy_with(&[&k, &k], ""),
        Err(&format!("p.toml:5:3: key {} is listed twice", k.key_id())),
    );
    check(
        &policy_with(
            &[&k],
            "[[exceptions]]\ncode = \"signature-invalid\"\nreason = \"x\"\n",
        ),
        Err("p.toml:7:8: signature-invalid cannot be waived"),
    );
    check(
        &policy_with(
            &[&k],
            "[[exceptions]]\ncode = \"no-such\"\nreason = \"x\"\n",
        ),
        Err("p.toml:7:8: unknown finding code \"no-such\""),
    );
    check(
        &policy_with(
            &[&k],
            "[[exceptions]]\ncode = \"sbom-missing\"\nreason = \"  \"\n",
        ),
        Err("p.toml:8:10: reason must not be empty"),
    );
    check(
        &policy_with(&[&k], "[install]\nfile-mode = 0o4755\n"),
        Err("p.toml:7:13: file-mode 0o4755 is not a permission mode"),
    );
    check(
        &policy_with(&[&k], "[install]\nfile-mode = 0o666\n"),
        Err("p.toml:7:13: file-mode 0o666 lets other users change the installed file"),
    );
    check(
        &policy_with(&[&k], "[trust.x]\n"),
        Err("p.toml:6:8: unknown field `x`, expected one of `keys`, `threshold`, `identities`, `revoked`, `sigstore-trusted-root`, `tuf-root`"),
    );
    check(
        &policy_with(&[&k], "").replace("\" },", "\", not-after = 2026-01-01T00:00:00 },"),
        Err("p.toml:4:90: not-after: a local time is ambiguous"),
    );
    check(
        &policy_with(&[&k], "").replace("[trust]\n", "[trust]\nrevoked = [\"xyz\"]\n"),
        Err("p.toml:3:12: \"xyz\" is not a key id"),
    );
    check(
        "schema = 1\n[trust\n",
        Err("p.toml:2:7: unclosed table, expected `]`"),
    );
}

#[test]
fn error_has_snippet_and_hint() {
    let k = SecretKey::generate().public();
    let Err(PolicyError::Invalid { snippet, hint, .. }) =
        parse(&policy_with(&[&k], "[run]\nallow = true\nalow = 1\n"))
    else {
        panic!("expected an invalid policy");
    };
    assert_eq!(snippet, "  |\n8 | alow = 1\n  | ^");
    assert_eq!(
        hint.as_deref(),
        Some("remove the key or fix its spelling; docs/policy.md lists every key")
    );
}

fn subject(kind: SubjectKind) -> Subject {
    Subject {
        name: "widget".into(),
        sha256: Sha256Digest::of(b"widget"),
        bytes: 6,
        kind,
    }
}

fn sig(k: &PublicKey, outcome: SignatureOutcome) -> SignatureEvidence {
    SignatureEvidence {
        source: "widget.minisig".into(),
        via: SignatureVia::Sidecar,
        key_id: k.key_id(),
        outcome,
    }
}

fn verified(k: &PublicKey) -> SignatureEvidence {
    sig(k, SignatureOutcome::Verified { key: k.raw() })
}

const NOW: Timestamp = Timestamp(1_800_000_000);

/// Evaluates and compares the verdict and the (code, waived) list.
fn decide(policy: &str, ev: &Evidence, verdict: Verdict, codes: &[(&str, bool)]) -> Decision {
    let p = parse(policy).unwrap_or_else(|e| panic!("{e}"));
    let d = evaluate(&p, ev, NOW);
    let got: Vec<(&str, bool)> = d
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.waived.is_some()))
        .collect();
    assert_eq!(
        (d.verdict, got),
        (verdict, codes.to_vec()),
        "{:#?}",
        d.findings
    );
    d
}

#[test]
fn trust_rules() {
    let a = SecretKey::generate().public();
    let b = SecretKey::generate().public();
    let c = SecretKey::generate().public();
    let mut ev = Evidence::new(subject(SubjectKind::File), Purpose::Verify);
    decide(
        &policy_with(&[&a], ""),
        &ev,
        Verdict::Deny,
        &[("signature-missing", false)],
    );
    ev.signatures.push(verified(&a));
    let d = decide(&policy_with(&[&a], ""), &ev, Verdict::Allow, &[]);
    assert_eq!(d.signers, vec![format!("key {}", a.key_id())]);
    assert_eq!(
        d.rules
            .iter()
            .map(|r| (r.rule.as_str(), r.verdict.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("evidence", "pass"),
            ("trust", "pass"),
            ("provenance", "not-required"),
            ("sbom", "not-required"),
            ("pack", "not-required"),
            ("run", "not-required"),
            ("exceptions", "not-required"),
        ]
    );
    // The same key twice is one signer.
    ev.signatures.push(SignatureEvidence {
        via: SignatureVia::ChecksumList,
        ..verified(&a)
    });
    let two = policy_with(&[&a, &b], "").replace("[trust]\n", "[trust]\nthreshold = 2\n");
    decide(&two, &ev, Verdict::Deny, &[("threshold-not-met", false)]);
    ev.signatures.push(verified(&b));
    decide(&two, &ev, Verdict::Allow, &[]);
    // An unknown key, a broken signature, a digest mismatch.
    let mut ev = Evidence::new(subject(SubjectKind::File), Purpose::Verify);
    ev.signatures.push(sig(&c, SignatureOutcome::UnknownKey));
    decide(
        &policy_with(&[&a], ""),
        &ev,
        Verdict::Deny,
        &[("key-untrusted", false), ("threshold-not-met", false)],
    );
    ev.signatures = vec![sig(
        &a,
        SignatureOutcome::Invalid {
            reason: "content does not match".into(),
        },
    )];
    decide(
        &policy_with(&[&a], ""),
        &ev,
        Verdict::Deny,
        &[("signature-invalid", false), ("threshold-not-met", false)],
    );
    ev.signatures = vec![sig(
        &a,
        SignatureOutcome::DigestMismatch {
            listed: Sha256Digest::of(b"x"),
        },
    )];
    decide(
        &policy_with(&[&a], ""),
        &ev,
        Verdict::Deny,
        &[("digest-mismatch", false), ("threshold-not-met", false)],
    );
}

#[test]
fn key_windows_and_revocation() {
    let a = SecretKey::generate().public();
    let b = SecretKey::generate().public();
    let mut ev = Evidence::new(subject(SubjectKind::File), Purpose::Verify);
    ev.signatures.push(verified(&a));
    let windowed =
        |extra: &str| policy_with(&[&a, &b], "").replacen("\" },", &format!("\", {extra} }},"), 1);
    decide(
        &windowed("not-after = 2020-01-01"),
        &ev,
        Verdict::Deny,
        &[("key-expired", false), ("threshold-not-met", false)],
    );
    decide(
        &windowed("not-before = 2030-01-01T00:00:00+02:00"),
        &ev,
        Verdict::Deny,
        &[("key-not-yet-valid", false), ("threshold-not-met", false)],
    );
    decide(
        &windowed("not-before = 2020-01-01, not-after = 2030-01-01"),
        &ev,
        Verdict::Allow,
        &[],
    );
    let revoked = policy_with(&[&a, &b], "").replace(
        "[trust]\n",
        &format!("[trust]\nrevoked = [\"{}\"]\n", a.key_id()),
    );
    decide(
        &revoked,
        &ev,
        Verdict::Deny,
        &[("key-revoked", false), ("threshold-not-met", false)],
    );
}

#[test]
fn exceptions_waive_and_report() {
    let a = SecretKey::generate().public();
    let mut ev = Evidence::new(subject(SubjectKind::File), Purpose::Verify);
    ev.signatures.push(verified(&a));
    let with = |x: &str| {
        policy_with(
            &[&a],
            &format!(
                "[sbom]\nrequired = true\n[[exceptions]]\ncode = \"sbom-missing\"\nreason = \"legacy build\"\n{x}"
            ),
        )
    };
    let d = decide(&with(""), &ev, Verdict::Allow, &[("sbom-missing", true)]);
    assert_eq!(d.findings[0].waived.as_deref(), Some("legacy build"));
    decide(
        &with("artifact-regex = '^other$'\n"),
        &ev,
        Verdict::Deny,
        &[("sbom-missing", false), ("unused-exception", false)],
    );
    decide(
        &with("expires = 2020-01-01\n"),
        &ev,
        Verdict::Deny,
        &[("sbom-missing", false), ("exception-expired", false)],
    );
    let mut with_sbom = ev.clone();
    with_sbom.attestations.push(AttestationEvidence {
        source: "widget.intoto.jsonl".into(),
        signer: EvidenceSigner::Key(a.raw()),
        predicate_type: "https://cyclonedx.org/bom".into(),
        provenance: None,
    });
    let d = decide(
        &with(""),
        &with_sbom,
        Verdict::Allow,
        &[("unused-exception", false)],
    );
    assert_eq!(
        d.findings[0].message,
        "exception for sbom-missing at p.toml:8:1 matched no finding"
    );
    assert_eq!(d.findings[0].severity, Severity::Warning);
}

/// `policy check`'s first line of defence: an exception cannot stand in for a signature.
#[test]
fn exceptions_cannot_waive_missing_signatures_or_signers() {
    let k = SecretKey::generate().public();
    for (code, col) in [
        ("signature-missing", 8),
        ("threshold-not-met", 8),
        ("key-role-missing", 8),
    ] {
        let text = policy_with(
            &[&k],
            &format!("[[exceptions]]\ncode = \"{code}\"\nreason = \"legacy build\"\n"),
        );
        check(
            &text,
            Err(&format!("p.toml:7:{col}: {code} cannot be waived")),
        );
        let Err(PolicyError::Invalid { hint, snippet, .. }) = parse(&text) else {
            panic!("expected an invalid policy");
        };
        assert!(
            hint.as_deref()
                .is_some_and(|h| h.starts_with("an exception cannot stand in for a signature")),
            "{hint:?}"
        );
        assert_eq!(snippet, format!("  |\n7 | code = \"{code}\"\n  |        ^"));
        assert!(!Code::parse(code).is_some_and(Code::waivable));
    }
}

/// Settings that can never be meant are errors naming file:line:col.
#[test]
fn settings_that_cannot_be_meant_are_refused() {
    let k = SecretKey::generate().public();
    let id = |extra: &str| {
        policy_with(
            &[&k],
            &format!("[[trust.identities]]\nissuer = \"https://token.actions.githubusercontent.com\"\n{extra}"),
        )
    };
    check(
        &id("subject-regex = ''\n"),
        Err("p.toml:8:17: subject-regex must not be empty"),
    );
    check(
        &id("subject = \" \"\n"),
        Err("p.toml:8:11: subject must not be empty"),
    );
    check(
        &policy_with(
            &[&k],
            "[[trust.identities]]\nissuer = \"\"\nsubject = \"s\"\n",
        ),
        Err("p.toml:7:10: issuer must not be empty"),
    );
    check(
        &format!(
            "{}[[trust.identities]]\nissuer = \"https://token.actions.githubusercontent.com\"\nsubject-regex = '^https://github\\.com/acme/'\n",
            id("subject-regex = '^https://github\\.com/acme/'\n")
        ),
        Err("p.toml:9:1: this identity is listed twice"),
    );
    // The same subject as exact and as regex are different identities.
    check(
        &format!(
            "{}[[trust.identities]]\nissuer = \"https://token.actions.githubusercontent.com\"\nsubject = '^https://github\\.com/acme/'\n",
            id("subject-regex = '^https://github\\.com/acme/'\n")
        ),
        Ok(()),
    );
    check(
        &policy_with(&[&k], "[pack]\nmax-files = 0\n"),
        Err("p.toml:7:13: max-files must be at least 1 (a pack holds at least one file)"),
    );
    check(
        &policy_with(&[&k], "[pack]\nmax-total-bytes = 0\n"),
        Err("p.toml:7:19: max-total-bytes must be at least 1 (a limit of 0 bytes refuses every pack)"),
    );
    check(
        &policy_with(&[&k], "[provenance]\nbuilder-id = \"\"\n"),
        Err("p.toml:7:14: builder-id must not be empty"),
    );
    check(
        &policy_with(&[&k], "[provenance]\nsource-uri = \"\"\n"),
        Err("p.toml:7:14: source-uri must not be empty"),
    );
    check(
        &policy_with(&[&k], "[provenance]\nsource-ref = \"\"\n"),
        Err("p.toml:7:14: source-ref must not be empty"),
    );
    check(
        &policy_with(&[&k], "[provenance]\nsource-ref-regex = \"\"\n"),
        Err("p.toml:7:20: source-ref-regex must not be empty"),
    );
    check(
        &policy_with(&[&k], "[provenance]\npredicate-type = \"\"\n"),
        Err("p.toml:7:18: predicate-type must not be empty"),
    );
    check(
        &policy_with(
            &[&k],
            "[sbom]\nrequired = true\npredicate-types = [\"a\", \"\"]\n",
        ),
        Err("p.toml:8:25: a predicate type must not be empty"),
    );
    check(
        &policy_with(
            &[&k],
            "[sbom]\nrequired = true\npredicate-types = [\"a\", \"a\"]\n",
        ),
        Err("p.toml:8:25: predicate type \"a\" is listed twice"),
    );
    check(
        &policy_with(
            &[&k],
            "[[exceptions]]\ncode = \"sbom-missing\"\nreason = \"r\"\nartifact-regex = ''\n",
        ),
        Err("p.toml:9:18: artifact-regex must not be empty"),
    );
    let Err(PolicyError::Invalid { hint, snippet, .. }) =
        parse(&policy_with(&[&k], "[provenance]\nbuilder-id = \"\"\n"))
    else {
        panic!("expected an invalid policy");
    };
    assert_eq!(snippet, "  |\n7 | builder-id = \"\"\n  |              ^");
    assert!(hint.is_some_and(|h| h.contains("leave the key out to accept any builder")));
}

fn warnings(text: &str) -> Vec<String> {
    parse(text)
        .unwrap_or_else(|e| panic!("{e}"))
        .warnings
        .iter()
        .map(|w| format!("{}: {}", w.location, w.message))
        .collect()
}

#[test]
fn match_everything_and_unanchored_regexes_warn() {
    let k = SecretKey::generate().public();
    let id = |re: &str| {
        policy_with(
            &[&k],
            &format!("[[trust.identities]]\nissuer = \"https://token.actions.githubusercontent.com\"\nsubject-regex = '{re}'\n"),
        )
    };
    for re in [
        ".*",
        "^.*$",
        ".+",
        "(?s).*",
        "^",
        "a?",
        "[\\s\\S]*",
        ".{0,}",
        "|x",
    ] {
        assert_eq!(
            warnings(&id(re)),
            [format!(
                "p.toml:8:17: subject-regex {re:?} matches everything"
            )],
            "{re}"
        );
    }
    assert_eq!(
        warnings(&id("github\\.com/acme/")),
        ["p.toml:8:17: subject-regex \"github\\\\.com/acme/\" is not anchored: it is searched anywhere in the value, so a value that merely contains a match passes too"]
    );
    for re in [
        "^https://github\\.com/acme/widget/\\.github/workflows/release\\.yml@refs/tags/v",
        "\\Ahttps://github\\.com/acme/$",
        "^.*@acme\\.example$",
    ] {
        assert_eq!(warnings(&id(re)), Vec::<String>::new(), "{re}");
    }
    assert_eq!(
        warnings(&policy_with(&[&k], "[provenance]\nsource-ref-regex = 'refs/tags/v'\n")),
        ["p.toml:7:20: source-ref-regex \"refs/tags/v\" is not anchored: it is searched anywhere in the value, so a value that merely contains a match passes too"]
    );
    assert_eq!(
        warnings(&policy_with(
            &[&k],
            "[[exceptions]]\ncode = \"sbom-missing\"\nreason = \"r\"\nartifact-regex = '.*'\n"
        )),
        ["p.toml:9:18: artifact-regex \".*\" matches everything"]
    );
    // Artifact names need no anchor.
    assert_eq!(
        warnings(&policy_with(
            &[&k],
            "[[exceptions]]\ncode = \"sbom-missing\"\nreason = \"r\"\nartifact-regex = 'widget-'\n"
        )),
        Vec::<String>::new()
    );
    for re in [".*", "^.*$", ".+"] {
        assert!(matches_everything(&regex::Regex::new(re).unwrap()), "{re}");
    }
    for re in ["^a", "acme", "^https://", "\\w"] {
        assert!(!matches_everything(&regex::Regex::new(re).unwrap()), "{re}");
    }
}

#[test]
fn key_roles_parse_and_default_to_everything() {
    let k = SecretKey::generate().public();
    let roles = |r: &str| policy_with(&[&k], "").replace("\" },", &format!("\", roles = {r} }},"));
    let p = parse(&policy_with(&[&k], "")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.keys[0].roles, KeyRole::ALL);
    let p = parse(&roles("[\"sbom\", \"artifact\"]")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.keys[0].roles, [KeyRole::Artifact, KeyRole::Sbom]);
    assert_eq!(p.keys[0].roles_text(), "artifact, sbom");
    check(
        &roles("[]"),
        Err("p.toml:4:86: roles must not be empty: the key could vouch for nothing"),
    );
    check(
        &roles("[\"release\"]"),
        Err("p.toml:4:87: unknown key role \"release\""),
    );
    check(
        &roles("[\"sbom\", \"sbom\"]"),
        Err("p.toml:4:95: role sbom is listed twice"),
    );
    // Only keys that may sign artifacts can meet the threshold.
    check(
        &roles("[\"provenance\"]"),
        Err("p.toml:2:1: no trusted key has the role \"artifact\" and no identity is trusted, so nothing could ever pass"),
    );
    let two = SecretKey::generate().public();
    let text = policy_with(&[&k, &two], "")
        .replacen("\" },", "\", roles = [\"provenance\"] },", 1)
        .replace("[trust]\n", "[trust]\nthreshold = 2\n");
    check(
        &text,
        Err("p.toml:3:13: threshold 2 is not between 1 and the 1 usable keys and identities"),
    );
}

#[test]
fn keys_count_only_for_their_roles() {
    let rel = SecretKey::generate().public();
    let ci = SecretKey::generate().public();
    let text = policy_with(
        &[&rel, &ci],
        "[provenance]\nbuilder-id = \"https://ci.example/builder\"\n[sbom]\nrequired = true\n",
    )
    .replacen("\" },", "\", roles = [\"artifact\"] },", 1)
    .replacen(
        "\" },\n]",
        "\", roles = [\"sbom\", \"provenance\"] },\n]",
        1,
    );
    let p = parse(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.keys[0].roles, [KeyRole::Artifact]);
    assert_eq!(p.keys[1].roles, [KeyRole::Provenance, KeyRole::Sbom]);
    assert_eq!(
        p.role_for_predicate(SLSA_PROVENANCE_V1),
        Some(KeyRole::Provenance)
    );
    assert_eq!(
        p.role_for_predicate("https://cyclonedx.org/bom"),
        Some(KeyRole::Sbom)
    );
    assert_eq!(p.role_for_predicate("https://example/other"), None);
    assert_eq!(
        p.keys_with_role(KeyRole::Provenance)
            .map(|k| k.key.raw())
            .collect::<Vec<_>>(),
        [ci.raw()]
    );
    assert_eq!(
        p.usable_keys(NOW)
            .iter()
            .map(|k| k.key.raw())
            .collect::<Vec<_>>(),
        [rel.raw()]
    );

    let facts = ProvenanceFacts {
        builder_id: Some("https://ci.example/builder".into()),
        ..ProvenanceFacts::default()
    };
    let att = |k: &PublicKey, ty: &str| AttestationEvidence {
        source: "widget.intoto.jsonl".into(),
        signer: EvidenceSigner::Key(k.raw()),
        predicate_type: ty.into(),
        provenance: (ty == SLSA_PROVENANCE_V1).then(|| facts.clone()),
    };
    // The release key (artifact only) vouches for provenance and an SBOM: neither counts.
    let mut ev = Evidence::new(subject(SubjectKind::File), Purpose::Verify);
    ev.signatures.push(verified(&rel));
    ev.attestations.push(att(&rel, SLSA_PROVENANCE_V1));
    ev.attestations.push(att(&rel, "https://cyclonedx.org/bom"));
    let d = decide(
        &text,
        &ev,
        Verdict::Deny,
        &[
            ("key-role-missing", false),
            ("key-role-missing", false),
            ("provenance-missing", false),
            ("sbom-missing", false),
        ],
    );
    assert_eq!(
        d.findings[0].message,
        format!(
            "attestation ({SLSA_PROVENANCE_V1}): signed by key {}, whose roles (artifact) do not include provenance, so it does not count",
            rel.key_id()
        )
    );
    // The CI key (provenance and SBOM only) signs the artifact: it does not count either.
    let mut ev = Evidence::new(subject(SubjectKind::File), Purpose::Verify);
    ev.signatures.push(verified(&ci));
    ev.attestations.push(att(&ci, SLSA_PROVENANCE_V1));
    let d = decide(
        &text,
        &ev,
        Verdict::Deny,
        &[
            ("key-role-missing", false),
            ("threshold-not-met", false),
            ("sbom-missing", false),
        ],
    );
    assert_eq!(
        d.findings[0].message,
        format!(
            "signed by key {}, whose roles (provenance, sbom) do not include artifact, so it does not count",
            ci.key_id()
        )
    );
    // Each key for its own role.
    let mut ev = Evidence::new(subject(SubjectKind::File), Purpose::Verify);
    ev.signatures.push(verified(&rel));
    ev.attestations.push(att(&ci, SLSA_PROVENANCE_V1));
    ev.attestations.push(att(&ci, "https://cyclonedx.org/bom"));
    decide(&text, &ev, Verdict::Allow, &[]);

    // Required evidence that no key may sign and no identity could: never passes, refused.
    let only = |roles: &str, extra: &str| {
        policy_with(&[&rel], extra).replacen("\" },", &format!("\", roles = {roles} }},"), 1)
    };
    check(
        &only("[\"artifact\"]", "[provenance]\n"),
        Err("p.toml:6:1: provenance is required, but no trusted key has the role \"provenance\" and no identity is trusted, so nothing could ever pass"),
    );
    check(
        &only("[\"artifact\", \"provenance\"]", "[provenance]\n[sbom]\nrequired = true\n"),
        Err("p.toml:7:1: sbom is required, but no trusted key has the role \"sbom\" and no identity is trusted, so nothing could ever pass"),
    );
    check(
        &only("[\"artifact\"]", "[sbom]\nrequired = false\n"),
        Ok(()),
    );
    check(
        &format!(
            "{}[[trust.identities]]\nissuer = \"https://token.actions.githubusercontent.com\"\nsubject-regex = '^https://github\\.com/acme/'\n",
            only("[\"artifact\"]", "[provenance]\n")
        ),
        Ok(()),
    );
}

#[test]
fn provenance_sbom_pack_and_run() {
    let a = SecretKey::generate().public();
    let other = SecretKey::generate().public();
    let mut ev = Evidence::new(subject(SubjectKind::File), Purpose::Verify);
    ev.signatures.push(verified(&a));
    let prov = policy_with(
        &[&a],
        "[provenance]\nbuilder-id = \"https://ci.example/builder\"\nsource-uri = \"github.com/acme/widget\"\nsource-ref-regex = '^refs/tags/v'\n",
    );
    decide(&prov, &ev, Verdict::Deny, &[("provenance-missing", false)]);
    ev.attestations_unsupported = true;
    decide(
        &prov,
        &ev,
        Verdict::Deny,
        &[("provenance-unsupported", false)],
    );
    ev.attestations_unsupported = false;
    let facts = ProvenanceFacts {
        builder_id: Some("https://ci.example/builder".into()),
        source_uri: Some("git+https://github.com/acme/widget@refs/tags/v1.0.0".into()),
        source_ref: Some("refs/tags/v1.0.0".into()),
        findings: None,
    };
    let att = |signer: &PublicKey, facts: ProvenanceFacts| AttestationEvidence {
        source: "widget.intoto.jsonl".into(),
        signer: EvidenceSigner::Key(signer.raw()),
        predicate_type: SLSA_PROVENANCE_V1.into(),
        provenance: Some(facts),
    };
    ev.attestations.push(att(&other, facts.clone()));
    decide(&prov, &ev, Verdict::Deny, &[("provenance-missing", false)]);
    ev.attestations.push(att(
        &a,
        ProvenanceFacts {
            builder_id: Some("https://evil".into()),
            source_ref: Some("refs/heads/x".into()),
            ..facts.clone()
        },
    ));
    decide(
        &prov,
        &ev,
        Verdict::Deny,
        &[("builder-mismatch", false), ("ref-mismatch", false)],
    );
    ev.attestations.push(att(&a, facts));
    decide(&prov, &ev, Verdict::Allow, &[]);

    let sbom = policy_with(&[&a], "[sbom]\nrequired = true\n");
    decide(&sbom, &ev, Verdict::Deny, &[("sbom-missing", false)]);
    ev.attestations.push(AttestationEvidence {
        source: "widget.intoto.jsonl".into(),
        signer: EvidenceSigner::Key(a.raw()),
        predicate_type: "https://cyclonedx.org/bom".into(),
        provenance: None,
    });
    decide(&sbom, &ev, Verdict::Allow, &[]);

    let mut pack = Evidence::new(subject(SubjectKind::Pack), Purpose::Install);
    pack.signatures.push(verified(&a));
    let limits = policy_with(&[&a], "[pack]\nmax-files = 2\nmax-total-bytes = 100\n");
    decide(
        &limits,
        &pack,
        Verdict::Deny,
        &[("pack-unsupported", false)],
    );
    pack.pack = Some(PackFacts {
        files: 3,
        total_bytes: 101,
    });
    decide(
        &limits,
        &pack,
        Verdict::Deny,
        &[
            ("pack-limit-exceeded", false),
            ("pack-limit-exceeded", false),
        ],
    );
    pack.pack = Some(PackFacts {
        files: 2,
        total_bytes: 100,
    });
    decide(&limits, &pack, Verdict::Allow, &[]);

    let mut run = Evidence::new(subject(SubjectKind::File), Purpose::Run);
    run.signatures.push(verified(&a));
    decide(
        &policy_with(&[&a], ""),
        &run,
        Verdict::Deny,
        &[("run-not-allowed", false)],
    );
    decide(
        &policy_with(&[&a], "[run]\nallow = true\n"),
        &run,
        Verdict::Allow,
        &[],
    );
}

#[test]
fn keyless_identities() {
    let pol = "schema = 1\n[trust]\n[[trust.identities]]\nissuer = \"https://token.actions.githubusercontent.com\"\nsubject-regex = '^https://github\\.com/acme/'\n";
    let mut ev = Evidence::new(subject(SubjectKind::File), Purpose::Verify);
    let bundle = |outcome| KeylessEvidence {
        source: "widget.sigstore.json".into(),
        outcome,
        claims: None,
    };
    ev.keyless.push(bundle(KeylessOutcome::Unsupported));
    decide(
        pol,
        &ev,
        Verdict::Deny,
        &[("keyless-unsupported", false), ("threshold-not-met", false)],
    );
    let id = |s: &str| KeylessOutcome::Verified {
        issuer: "https://token.actions.githubusercontent.com".into(),
        subject: s.into(),
    };
    ev.keyless = vec![bundle(id("https://github.com/evil/x"))];
    decide(
        pol,
        &ev,
        Verdict::Deny,
        &[("identity-mismatch", false), ("threshold-not-met", false)],
    );
    ev.keyless = vec![bundle(id(
        "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1",
    ))];
    decide(pol, &ev, Verdict::Allow, &[]);
}

#[test]
fn source_uri_normalisation() {
    for (a, b) in [
        (
            "git+https://github.com/acme/widget@refs/tags/v1",
            "github.com/acme/widget",
        ),
        (
            "https://github.com/Acme/widget.git",
            "github.com/acme/widget",
        ),
        ("github.com/acme/widget/", "github.com/acme/widget"),
    ] {
        assert_eq!(normalize_source_uri(a), normalize_source_uri(b), "{a}");
    }
    assert_ne!(
        normalize_source_uri("github.com/acme/widget2"),
        normalize_source_uri("github.com/acme/widget")
    );
}

#[test]
fn every_code_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/codes.md"))
        .unwrap_or_default();
    for c in Code::ALL {
        assert!(
            doc.contains(&format!("`{c}`")),
            "docs/codes.md does not document `{c}`"
        );
    }
}

proptest! {
    #[test]
    fn parse_never_panics(s in "\\PC{0,300}") {
        let _ = parse(&s);
    }

    #[test]
    fn parse_never_panics_on_mutated_policies(pos in 0usize..400, ch in proptest::char::any(), cut in 0usize..400) {
        let k = SecretKey::generate().public();
        let mut text = policy_with(&[&k], "[pack]\nmax-files = 3\n[[exceptions]]\ncode = \"sbom-missing\"\nreason = \"r\"\nexpires = 2030-01-01\n[[trust.identities]]\nissuer = \"i\"\nsubject-regex = '^a'\n");
        let mut at = pos.min(text.len());
        while !text.is_char_boundary(at) { at -= 1; }
        text.insert(at, ch);
        let mut end = cut.min(text.len());
        while !text.is_char_boundary(end) { end -= 1; }
        let _ = parse(&text[..end]);
        if let Err(PolicyError::Invalid { location, .. }) = parse(&text) {
            prop_assert!(location.line >= 1 && location.column >= 1);
        }
    }
}

#[test]
fn signed_name_and_version_mismatches_deny_and_only_an_exception_waives_them() {
    let a = SecretKey::generate().public();
    let mut ev = Evidence::new(subject(SubjectKind::File), Purpose::Install);
    ev.signatures.push(verified(&a));
    ev.signed_comments.push(SignedComment {
        source: "widget-2.0.tar.gz.minisig".into(),
        trusted_comment: "timestamp:1\tfile:widget-1.0.tar.gz\thashed".into(),
    });
    ev.problems.push(Problem {
        code: Code::SignedNameMismatch,
        source: "widget-2.0.tar.gz.minisig".into(),
        message:
            "signed for file name \"widget-1.0.tar.gz\", but \"widget-2.0.tar.gz\" is expected"
                .into(),
    });
    let d = decide(
        &policy_with(&[&a], ""),
        &ev,
        Verdict::Deny,
        &[("signed-name-mismatch", false)],
    );
    assert_eq!(d.findings[0].code.rule(), Rule::Trust);
    // The decision carries the trusted comments for every verdict to show.
    assert_eq!(d.signed_comments, ev.signed_comments);
    decide(
        &policy_with(
            &[&a],
            "[[exceptions]]\ncode = \"signed-name-mismatch\"\nreason = \"the mirror renames files\"\n",
        ),
        &ev,
        Verdict::Allow,
        &[("signed-name-mismatch", true)],
    );
    ev.problems[0].code = Code::SignedVersionMismatch;
    decide(
        &policy_with(&[&a], ""),
        &ev,
        Verdict::Deny,
        &[("signed-version-mismatch", false)],
    );
}

#[test]
fn provenance_findings_of_the_producer_are_taken_each_with_its_own_code() {
    // sigil-gate hands over sigil-attest's findings (every source fact judged); the policy
    // does not compare the lower-cased trigger again, and an exception waives exactly its code.
    let a = SecretKey::generate().public();
    let mut ev = Evidence::new(subject(SubjectKind::File), Purpose::Verify);
    ev.signatures.push(verified(&a));
    let found = |codes: &[Code]| ProvenanceFacts {
        builder_id: Some("https://ci.example/other".into()),
        // What the trigger says matches the policy up to case; the producer found otherwise.
        source_uri: Some("https://github.com/ACME/widget".into()),
        source_ref: Some("refs/tags/v1.0.0".into()),
        findings: Some(
            codes
                .iter()
                .map(|c| ProvenanceFinding {
                    code: *c,
                    message: format!("{} found by the producer", c.as_str()),
                })
                .collect(),
        ),
    };
    let att = |facts| AttestationEvidence {
        source: "widget.intoto.jsonl".into(),
        signer: EvidenceSigner::Key(a.raw()),
        predicate_type: SLSA_PROVENANCE_V1.into(),
        provenance: Some(facts),
    };
    let rule = "[provenance]\nbuilder-id = \"https://ci.example/builder\"\nsource-uri = \"github.com/acme/widget\"\n";
    let waive = "[[exceptions]]\ncode = \"builder-mismatch\"\nreason = \"r\"\n";
    ev.attestations = vec![att(found(&[Code::BuilderMismatch, Code::SourceMismatch]))];
    let d = decide(
        &policy_with(&[&a], &format!("{rule}{waive}")),
        &ev,
        Verdict::Deny,
        &[("builder-mismatch", true), ("source-mismatch", false)],
    );
    assert_eq!(
        d.findings[1].message,
        "source-mismatch found by the producer"
    );
    // No findings: allowed, although builder_id differs (the producer judged it).
    ev.attestations = vec![att(found(&[]))];
    decide(&policy_with(&[&a], rule), &ev, Verdict::Allow, &[]);
    // Without the producer's findings the policy compares with the same case rules.
    ev.attestations = vec![att(ProvenanceFacts {
        builder_id: Some("https://ci.example/builder".into()),
        findings: None,
        ..found(&[])
    })];
    decide(&policy_with(&[&a], rule), &ev, Verdict::Allow, &[]);
    assert_eq!(
        normalize_source_uri("https://gitlab.example/Acme/widget"),
        "gitlab.example/Acme/widget"
    );
}

#[test]
fn verdict_and_severity_names_are_stable() {
    assert_eq!(Verdict::Allow.as_str(), "allow");
    assert_eq!(Verdict::Deny.as_str(), "deny");
    assert_eq!(Severity::Deny.as_str(), "deny");
    assert_eq!(Severity::Warning.as_str(), "warning");
}

#[test]
fn refused_decision_fails_only_the_rule_of_its_code() {
    let d = Decision::refused(Code::DigestMismatch, "too big to check", Some("widget"));
    assert!(!d.allowed());
    assert_eq!(d.verdict, Verdict::Deny);
    let rules: Vec<(&str, &str, &str)> = d
        .rules
        .iter()
        .map(|r| (r.rule.as_str(), r.verdict.as_str(), r.detail.as_str()))
        .collect();
    assert_eq!(
        rules,
        vec![
            ("evidence", "not-required", "not evaluated"),
            ("trust", "fail", "too big to check"),
            ("provenance", "not-required", "not evaluated"),
            ("sbom", "not-required", "not evaluated"),
            ("pack", "not-required", "not evaluated"),
            ("run", "not-required", "not evaluated"),
            ("exceptions", "not-required", "not evaluated"),
        ]
    );
    let a = SecretKey::generate().public();
    let mut ev = Evidence::new(subject(SubjectKind::File), Purpose::Verify);
    ev.signatures.push(verified(&a));
    assert!(decide(&policy_with(&[&a], ""), &ev, Verdict::Allow, &[]).allowed());
}

#[test]
fn key_window_bounds_are_inclusive() {
    // NOW is 2027-01-15T08:00:00Z: a key is valid from its not-before through its not-after.
    let a = SecretKey::generate().public();
    let mut ev = Evidence::new(subject(SubjectKind::File), Purpose::Verify);
    ev.signatures.push(verified(&a));
    let windowed =
        |extra: &str| policy_with(&[&a], "").replacen("\" },", &format!("\", {extra} }},"), 1);
    decide(
        &windowed("not-before = 2027-01-15T08:00:00Z"),
        &ev,
        Verdict::Allow,
        &[],
    );
    decide(
        &windowed("not-after = 2027-01-15T08:00:00Z"),
        &ev,
        Verdict::Allow,
        &[],
    );
}

#[test]
fn builder_id_without_ref_matches_any_ref_of_that_builder() {
    let a = SecretKey::generate().public();
    let mut ev = Evidence::new(subject(SubjectKind::File), Purpose::Verify);
    ev.signatures.push(verified(&a));
    let att = |builder: &str| AttestationEvidence {
        source: "widget.intoto.jsonl".into(),
        signer: EvidenceSigner::Key(a.raw()),
        predicate_type: SLSA_PROVENANCE_V1.into(),
        provenance: Some(ProvenanceFacts {
            builder_id: Some(builder.into()),
            source_uri: None,
            source_ref: None,
            findings: None,
        }),
    };
    let prov = |builder: &str| {
        policy_with(
            &[&a],
            &format!("[provenance]\nbuilder-id = \"{builder}\"\n"),
        )
    };
    ev.attestations = vec![att("https://ci.example/builder@refs/tags/v2")];
    decide(
        &prov("https://ci.example/builder"),
        &ev,
        Verdict::Allow,
        &[],
    );
    // A pinned ref must be that ref, not a longer one.
    decide(
        &prov("https://ci.example/builder@refs/tags/v2"),
        &ev,
        Verdict::Allow,
        &[],
    );
    ev.attestations = vec![att("https://ci.example/builder@refs/tags/v2@x")];
    decide(
        &prov("https://ci.example/builder@refs/tags/v2"),
        &ev,
        Verdict::Deny,
        &[("builder-mismatch", false)],
    );
}

#[test]
fn attestation_by_an_untrusted_identity_denies() {
    let pol = "schema = 1\n[trust]\n[[trust.identities]]\nissuer = \"https://issuer.example\"\nsubject-regex = '^https://github\\.com/acme/'\n";
    let mut ev = Evidence::new(subject(SubjectKind::File), Purpose::Verify);
    ev.keyless.push(KeylessEvidence {
        source: "widget.sigstore.json".into(),
        outcome: KeylessOutcome::Verified {
            issuer: "https://issuer.example".into(),
            subject: "https://github.com/acme/widget".into(),
        },
        claims: None,
    });
    let att = |issuer: &str, subject: &str| AttestationEvidence {
        source: "widget.intoto.jsonl".into(),
        signer: EvidenceSigner::Identity {
            issuer: issuer.into(),
            subject: subject.into(),
        },
        predicate_type: "https://cyclonedx.org/bom".into(),
        provenance: None,
    };
    ev.attestations = vec![att(
        "https://issuer.example",
        "https://github.com/acme/widget",
    )];
    decide(pol, &ev, Verdict::Allow, &[]);
    ev.attestations = vec![att(
        "https://issuer.example",
        "https://github.com/evil/widget",
    )];
    decide(pol, &ev, Verdict::Deny, &[("identity-mismatch", false)]);
    ev.attestations = vec![att(
        "https://evil.example",
        "https://github.com/acme/widget",
    )];
    decide(pol, &ev, Verdict::Deny, &[("identity-mismatch", false)]);
    // Nor does such an attestation count as the required SBOM.
    let sbom = format!("{pol}[sbom]\nrequired = true\n");
    ev.attestations = vec![att(
        "https://issuer.example",
        "https://github.com/acme/widget",
    )];
    decide(&sbom, &ev, Verdict::Allow, &[]);
    for (issuer, subject) in [
        ("https://issuer.example", "https://github.com/evil/widget"),
        ("https://evil.example", "https://github.com/acme/widget"),
    ] {
        ev.attestations = vec![att(issuer, subject)];
        decide(
            &sbom,
            &ev,
            Verdict::Deny,
            &[("identity-mismatch", false), ("sbom-missing", false)],
        );
    }
}

#[test]
fn exception_live_until_its_expiry_waives_without_warning() {
    let a = SecretKey::generate().public();
    let mut ev = Evidence::new(subject(SubjectKind::File), Purpose::Verify);
    ev.signatures.push(verified(&a));
    let pol = policy_with(
        &[&a],
        "[sbom]\nrequired = true\n[[exceptions]]\ncode = \"sbom-missing\"\nreason = \"legacy build\"\nexpires = 2027-01-15T08:00:00Z\n",
    );
    decide(&pol, &ev, Verdict::Allow, &[("sbom-missing", true)]);
}

#[test]
fn a_deny_fails_only_the_rule_it_belongs_to() {
    let a = SecretKey::generate().public();
    let ev = Evidence::new(subject(SubjectKind::File), Purpose::Verify);
    let d = decide(
        &policy_with(&[&a], ""),
        &ev,
        Verdict::Deny,
        &[("signature-missing", false)],
    );
    let rules: Vec<(&str, &str)> = d
        .rules
        .iter()
        .map(|r| (r.rule.as_str(), r.verdict.as_str()))
        .collect();
    assert_eq!(
        rules,
        vec![
            ("evidence", "pass"),
            ("trust", "fail"),
            ("provenance", "not-required"),
            ("sbom", "not-required"),
            ("pack", "not-required"),
            ("run", "not-required"),
            ("exceptions", "not-required"),
        ]
    );
}

#[test]
fn missing_provenance_counts_ignored_untrusted_attestations() {
    let a = SecretKey::generate().public();
    let other = SecretKey::generate().public();
    let mut ev = Evidence::new(subject(SubjectKind::File), Purpose::Verify);
    ev.signatures.push(verified(&a));
    let prov = policy_with(
        &[&a],
        "[provenance]\nbuilder-id = \"https://ci.example/builder\"\n",
    );
    let d = decide(&prov, &ev, Verdict::Deny, &[("provenance-missing", false)]);
    assert_eq!(
        d.findings[0].message,
        format!("no provenance ({SLSA_PROVENANCE_V1}) from a trusted signer names the artifact")
    );
    ev.attestations.push(AttestationEvidence {
        source: "widget.intoto.jsonl".into(),
        signer: EvidenceSigner::Key(other.raw()),
        predicate_type: SLSA_PROVENANCE_V1.into(),
        provenance: None,
    });
    let d = decide(&prov, &ev, Verdict::Deny, &[("provenance-missing", false)]);
    assert_eq!(
        d.findings[0].message,
        format!("no provenance ({SLSA_PROVENANCE_V1}) from a trusted signer names the artifact (1 from untrusted signers ignored)")
    );
}

#[test]
fn digest_mismatch_names_what_was_signed() {
    let a = SecretKey::generate().public();
    let mut ev = Evidence::new(subject(SubjectKind::File), Purpose::Verify);
    let mismatch = sig(
        &a,
        SignatureOutcome::DigestMismatch {
            listed: Sha256Digest::of(b"x"),
        },
    );
    let pol = policy_with(&[&a], "");
    for (via, what) in [
        (SignatureVia::Sidecar, "the signature"),
        (SignatureVia::ChecksumList, "the signed checksum list"),
    ] {
        ev.signatures = vec![SignatureEvidence {
            via,
            ..mismatch.clone()
        }];
        let d = decide(
            &pol,
            &ev,
            Verdict::Deny,
            &[("digest-mismatch", false), ("threshold-not-met", false)],
        );
        assert!(
            d.findings[0].message.contains(what),
            "{}",
            d.findings[0].message
        );
    }
}

#[test]
fn a_pack_problem_is_not_also_reported_as_unsupported() {
    let a = SecretKey::generate().public();
    let mut pack = Evidence::new(subject(SubjectKind::Pack), Purpose::Install);
    pack.signatures.push(verified(&a));
    pack.problems.push(Problem {
        code: Code::PackLimitExceeded,
        source: "widget".into(),
        message: "too many files".into(),
    });
    decide(
        &policy_with(&[&a], ""),
        &pack,
        Verdict::Deny,
        &[("pack-limit-exceeded", false)],
    );
}
