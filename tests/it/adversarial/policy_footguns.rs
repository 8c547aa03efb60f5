//! Threat: a policy that says one thing and does another. An exception that waives
//! `signature-missing` let unsigned files through while `policy check` said "requires 1 of 1";
//! empty patterns, zero limits and duplicate identities were accepted silently; a key trusted
//! for artifact signatures could also vouch for provenance claiming a keyless builder.
//!
//! Now: what can never be meant is refused by `policy check` and by every command that loads
//! the policy (exit 2, `file:line:col`, snippet, hint); match-everything and unanchored
//! regexes are warned about on stderr; keys count only for the evidence their `roles` name.

use std::path::{Path, PathBuf};

use crate::gate_util::{message, stderr, verdict, Fx};
use crate::support::{json_doc, sigil};

const SLSA: &str = "https://slsa.dev/provenance/v1";
const BUILDER: &str = "https://github.com/acme/widget/.github/workflows/release.yml";
const GHA: &str = "https://token.actions.githubusercontent.com";

fn check(policy: &Path) -> std::process::Output {
    sigil()
        .args(["policy", "check"])
        .arg(policy)
        .output()
        .unwrap()
}

fn check_json(policy: &Path) -> serde_json::Value {
    let o = sigil()
        .args(["--format", "json", "policy", "check"])
        .arg(policy)
        .output()
        .unwrap();
    json_doc(&o)
}

/// `policy check` refuses with exit 2: `file:line:col: message`, the line with a caret under
/// the column, and the hint; the JSON error names the same place.
fn refused(policy: &Path, line: usize, col: usize, msg: &str, hint: &str) {
    let o = check(policy);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let text = std::fs::read_to_string(policy).unwrap();
    let src = text.lines().nth(line - 1).unwrap();
    let gutter = line.to_string();
    let pad = " ".repeat(gutter.len());
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}:{line}:{col}: {msg}\n{pad} |\n{gutter} | {src}\n{pad} | {}^\nhint: {hint}\n",
            policy.display(),
            " ".repeat(col - 1)
        )
    );
    let doc = check_json(policy);
    assert_eq!(doc["exit_code"], 2);
    assert_eq!(doc["error"]["kind"], "usage");
    assert_eq!(doc["error"]["details"]["line"], line);
    assert_eq!(doc["error"]["details"]["column"], col);
    assert_eq!(doc["error"]["details"]["message"], msg);
    assert_eq!(doc["error"]["hint"], hint);
}

const NO_STAND_IN: &str = "an exception cannot stand in for a signature: without one nothing is verified; lower `threshold` to need fewer signers, or give a key the `roles` it needs";

#[test]
fn waiving_signature_missing_is_refused() {
    let fx = Fx::new();
    let key = fx.key("release");
    let policy = fx.policy(
        "policy.toml",
        &[&key],
        "[[exceptions]]\ncode = \"signature-missing\"\nreason = \"legacy build\"\n",
    );
    refused(
        &policy,
        5,
        8,
        "signature-missing cannot be waived",
        NO_STAND_IN,
    );
    // The same for a threshold and for key roles.
    for code in ["threshold-not-met", "key-role-missing"] {
        let p = fx.policy(
            "p2.toml",
            &[&key],
            &format!("[[exceptions]]\ncode = \"{code}\"\nreason = \"legacy build\"\n"),
        );
        refused(&p, 5, 8, &format!("{code} cannot be waived"), NO_STAND_IN);
    }
}

#[test]
fn waived_signature_missing_no_longer_lets_an_unsigned_file_through() {
    let fx = Fx::new();
    let key = fx.key("release");
    let art = fx.write("widget", b"unsigned bytes");
    let policy = fx.policy(
        "policy.toml",
        &[&key],
        "[[exceptions]]\ncode = \"signature-missing\"\nreason = \"legacy build\"\n",
    );
    // Every command that loads the policy refuses it before looking at the artifact.
    let o = fx.verify(&policy, &art);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let doc = json_doc(&o);
    assert_eq!(
        doc["error"]["message"].as_str().unwrap().lines().next(),
        Some(
            format!(
                "{}:5:8: signature-missing cannot be waived",
                policy.display()
            )
            .as_str()
        )
    );
    let dest = fx.p("installed");
    let o = fx
        .cmd()
        .arg("install")
        .arg(&art)
        .arg("--policy")
        .arg(&policy)
        .arg("--to")
        .arg(&dest)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).starts_with(&format!(
        "error: {}:5:8: signature-missing cannot be waived\n",
        policy.display()
    )));
    assert!(!dest.exists());
}

#[test]
fn settings_that_can_never_be_meant_are_refused() {
    let fx = Fx::new();
    let key = fx.key("release");
    let id = format!("[[trust.identities]]\nissuer = \"{GHA}\"\n");
    let cases: Vec<(String, usize, usize, &str, &str)> = vec![
        (
            format!("{id}subject-regex = \"\"\n"),
            6,
            17,
            "subject-regex must not be empty",
            "an empty regex matches everything; write the pattern, or leave the key out",
        ),
        (
            "[pack]\nmax-files = 0\n".into(),
            5,
            13,
            "max-files must be at least 1 (a pack holds at least one file)",
            "leave the key out for the default",
        ),
        (
            "[provenance]\nbuilder-id = \"\"\n".into(),
            5,
            14,
            "builder-id must not be empty",
            "write the builder id the provenance must name, or leave the key out to accept any builder",
        ),
        (
            format!("{id}subject-regex = '^https://github\\.com/acme/'\n{id}subject-regex = '^https://github\\.com/acme/'\n"),
            7,
            1,
            "this identity is listed twice",
            "list each identity once; a threshold counts distinct signers",
        ),
        (
            "[sbom]\nrequired = true\npredicate-types = [\"\"]\n".into(),
            6,
            20,
            "a predicate type must not be empty",
            "write a predicate type URI such as https://cyclonedx.org/bom",
        ),
    ];
    for (extra, line, col, msg, hint) in cases {
        let p = fx.policy("bad.toml", &[&key], &extra);
        refused(&p, line, col, msg, hint);
    }
}

#[test]
fn match_everything_and_unanchored_regexes_are_warned_about() {
    let fx = Fx::new();
    let key = fx.key("release");
    let everything = "a pattern that matches any string checks nothing; name what is trusted, e.g. '^https://github\\.com/OWNER/REPO/'";
    for re in [".*", "^.*$", ".+"] {
        let p = fx.policy(
            "wide.toml",
            &[&key],
            &format!("[[trust.identities]]\nissuer = \"{GHA}\"\nsubject-regex = '{re}'\n"),
        );
        let o = check(&p);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(
            stderr(&o),
            format!(
                "warning: {}:6:17: subject-regex {re:?} matches everything (hint: {everything})\n",
                p.display()
            )
        );
        let doc = check_json(&p);
        assert_eq!(doc["exit_code"], 0);
        assert_eq!(
            doc["result"]["warnings"][0]["message"],
            format!("subject-regex {re:?} matches everything")
        );
        assert_eq!(doc["result"]["warnings"][0]["line"], 6);
    }
    // Unanchored identity: `acme/widget` also matches https://evil.example/acme/widget.
    let p = fx.policy(
        "loose.toml",
        &[&key],
        &format!("[[trust.identities]]\nissuer = \"{GHA}\"\nsubject-regex = 'github\\.com/acme/widget/'\n"),
    );
    let o = check(&p);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stderr(&o),
        format!(
            "warning: {}:6:17: subject-regex \"github\\\\.com/acme/widget/\" is not anchored: it is searched anywhere in the value, so a value that merely contains a match passes too (hint: start it with `^` (and end it with `$` unless a prefix is meant), as cosign users learnt the hard way)\n",
            p.display()
        )
    );
    // An anchored one is quiet.
    let p = fx.policy(
        "tight.toml",
        &[&key],
        &format!("[[trust.identities]]\nissuer = \"{GHA}\"\nsubject-regex = '^https://github\\.com/acme/widget/'\n"),
    );
    let o = check(&p);
    assert_eq!((o.status.code(), stderr(&o)), (Some(0), String::new()));

    // The warning reaches every command that loads the policy, and does not fail it.
    let art = fx.write("widget", b"widget");
    fx.sign(&key, &art);
    let p = fx.policy(
        "wide.toml",
        &[&key],
        &format!("[[trust.identities]]\nissuer = \"{GHA}\"\nsubject-regex = '.*'\n"),
    );
    let o = fx.verify(&p, &art);
    assert_eq!(verdict(&o), (Some(0), vec![]));
    assert!(
        stderr(&o).starts_with(&format!(
            "warning: {}:6:17: subject-regex \".*\" matches everything",
            p.display()
        )),
        "{}",
        stderr(&o)
    );
}

/// `sigil provenance FILE` under a simulated GitHub Actions job of acme/widget at v1.4.0.
fn provenance(fx: &Fx, subject: &Path) -> PathBuf {
    let out = fx.p("provenance.json");
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

fn attest(fx: &Fx, key: &Path, predicate: &Path, subject: &Path) {
    sigil()
        .arg("attest")
        .arg("--key")
        .arg(key.with_extension("key"))
        .args(["--predicate-type", SLSA, "--predicate"])
        .arg(predicate)
        .arg("-o")
        .arg(fx.p("widget-1.4.0.intoto.jsonl"))
        .arg(subject)
        .assert()
        .code(0);
}

/// A policy whose keys are `(prefix, roles)`; `None` leaves `roles` out.
fn role_policy(fx: &Fx, keys: &[(&Path, Option<&str>)]) -> PathBuf {
    let list: Vec<String> = keys
        .iter()
        .map(|(k, roles)| {
            let path = format!("{:?}", k.with_extension("pub").display().to_string());
            match roles {
                Some(r) => format!("{{ path = {path}, roles = {r} }}"),
                None => format!("{{ path = {path} }}"),
            }
        })
        .collect();
    fx.write(
        "roles.toml",
        format!(
            "schema = 1\n[trust]\nkeys = [{}]\n[provenance]\nbuilder-id = {BUILDER:?}\nsource-uri = \"github.com/acme/widget\"\n",
            list.join(", ")
        )
        .as_bytes(),
    )
}

#[test]
fn artifact_only_key_cannot_vouch_for_provenance() {
    let fx = Fx::new();
    let key = fx.key("release");
    let art = fx.write("widget-1.4.0", b"\x7fELF widget 1.4.0");
    fx.sign(&key, &art);
    // The release key signs provenance claiming the GitHub Actions workflow built it.
    attest(&fx, &key, &provenance(&fx, &art), &art);

    // Without roles the key may vouch for everything, as before.
    let p = role_policy(&fx, &[(&key, None)]);
    assert_eq!(verdict(&fx.verify(&p, &art)), (Some(0), vec![]));

    // A second key may sign provenance; the release key may sign only the artifact.
    let ci = fx.key("ci");
    let p = role_policy(
        &fx,
        &[
            (&key, Some("[\"artifact\"]")),
            (&ci, Some("[\"provenance\"]")),
        ],
    );
    let o = fx.verify(&p, &art);
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            vec![
                "key-role-missing".to_owned(),
                "provenance-missing".to_owned()
            ]
        ),
        "{}",
        stderr(&o)
    );
    let id = fx.key_id(&key);
    assert_eq!(
        message(&o, "key-role-missing"),
        format!("attestation ({SLSA}): signed by key {id}, whose roles (artifact) do not include provenance, so it does not count")
    );
    let doc = json_doc(&o);
    assert_eq!(doc["result"]["verdict"], "deny");
    // policy check says what the roles require.
    let c = check(&p);
    assert_eq!(c.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&c.stdout)
            .contains("requires: 1 of 1 trusted signers, provenance (signed by one of 1 key)\n"),
        "{}",
        String::from_utf8_lossy(&c.stdout)
    );
    assert_eq!(
        check_json(&p)["result"]["keys"][0]["roles"],
        serde_json::json!(["artifact"])
    );
    // Provenance required while no key may sign it and no identity could: refused.
    let p = role_policy(&fx, &[(&key, Some("[\"artifact\"]"))]);
    refused(
        &p,
        4,
        1,
        "provenance is required, but no trusted key has the role \"provenance\" and no identity is trusted, so nothing could ever pass",
        "add \"provenance\" to the `roles` of the key that signs provenance, or a [[trust.identities]] entry",
    );
}

#[test]
fn key_with_provenance_role_vouches_for_provenance() {
    let fx = Fx::new();
    let release = fx.key("release");
    let ci = fx.key("ci");
    let art = fx.write("widget-1.4.0", b"\x7fELF widget 1.4.0");
    fx.sign(&release, &art);
    attest(&fx, &ci, &provenance(&fx, &art), &art);
    let p = role_policy(
        &fx,
        &[
            (&release, Some("[\"artifact\"]")),
            (&ci, Some("[\"provenance\"]")),
        ],
    );
    let o = fx.verify(&p, &art);
    assert_eq!(verdict(&o), (Some(0), vec![]), "{}", stderr(&o));
    // The CI key's signature over the artifact would not count towards the threshold.
    let c = check(&p);
    assert!(
        String::from_utf8_lossy(&c.stdout)
            .contains("requires: 1 of 1 trusted signers, provenance (signed by one of 1 key)\n"),
        "{}",
        String::from_utf8_lossy(&c.stdout)
    );
    // One key with both roles is allowed as well.
    let p = role_policy(&fx, &[(&ci, Some("[\"artifact\", \"provenance\"]"))]);
    // `sigil sign` never overwrites a signature: the release key's goes first.
    std::fs::remove_file(format!("{}.minisig", art.display())).unwrap();
    fx.sign(&ci, &art);
    let o = fx.verify(&p, &art);
    assert_eq!(verdict(&o), (Some(0), vec![]), "{}", stderr(&o));
    // Roles that cannot be read are refused like any other policy error.
    let bad = role_policy(&fx, &[(&ci, Some("[\"release\"]"))]);
    let text = std::fs::read_to_string(&bad).unwrap();
    let col = text.lines().nth(2).unwrap().find("\"release\"").unwrap() + 1;
    refused(
        &bad,
        3,
        col,
        "unknown key role \"release\"",
        "roles are \"artifact\", \"provenance\" and \"sbom\"",
    );
}
