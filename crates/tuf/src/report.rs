//! TUF outcomes as command reports: `sigil trust update|show` and `sigil repo
//! init|add|publish|rotate`, and TUF errors as failures carrying their finding code.

use std::path::Path;
use std::time::SystemTime;

use serde_json::{json, Value};
use sigil_core::report::{Failure, Report};

use crate::repo::{self, Published, TargetEntry};
use crate::trust::{Cached, Instance, State};
use crate::TufError;

/// Refusals are "not verified" with their code, the rest I/O failures; JSON has the code.
impl From<TufError> for Failure {
    fn from(e: TufError) -> Self {
        let code = e.code();
        let err = if e.is_refusal() {
            Failure::not_verified(format!("{code}: {e}"))
        } else {
            Failure::io(format!("{code}: {e}"))
        };
        err.data(json!({ "code": code }))
    }
}

/// A Sigstore instance by name, or a usage failure naming the ones there are.
pub fn instance(name: &str) -> Result<Instance, Failure> {
    Instance::parse(name).ok_or_else(|| {
        Failure::usage(format!(
            "unknown instance {name:?}: expected public-good, staging or github"
        ))
    })
}

/// What to run when an instance's cached trust is stale or damaged.
pub fn update_hint(inst: Instance) -> String {
    format!("run `sigil trust update --instance {}`", inst.name())
}

fn state_json(s: &State, expired: bool) -> Value {
    json!({
        "instance": s.name,
        "repository": s.metadata_url,
        "updated": s.updated,
        "root_version": s.root_version,
        "timestamp_version": s.timestamp_version,
        "snapshot_version": s.snapshot_version,
        "targets_version": s.targets_version,
        "expires": s.expires,
        "expired": expired,
        "trusted_root_sha256": s.trusted_root_sha256,
        "signing_config_sha256": s.signing_config_sha256,
    })
}

fn state_line(s: &State, expired: bool) -> String {
    format!(
        "{}: {} (root v{}, timestamp v{}, snapshot v{}, targets v{}); {} {}; updated {}",
        s.name,
        s.metadata_url,
        s.root_version,
        s.timestamp_version,
        s.snapshot_version,
        s.targets_version,
        if expired { "EXPIRED at" } else { "expires" },
        s.expires,
        s.updated
    )
}

/// `sigil trust update`: the state just written.
pub fn updated(s: &State) -> Report {
    Report::ok("updated", state_json(s, false)).line(state_line(s, false))
}

/// `sigil trust show`: each cached instance, with a hint under an expired one.
pub fn show(cache: &Path, all: &[Cached], now: SystemTime) -> Report {
    let mut report = Report::ok(
        "shown",
        json!({
            "cache": cache,
            "cached": all.iter().map(|c| state_json(&c.state, c.state.expired_at(now))).collect::<Vec<_>>(),
        }),
    );
    if all.is_empty() {
        report = report.line(format!(
            "nothing cached in {}: verification uses the embedded roots; run `sigil trust update`",
            cache.display()
        ));
    }
    for c in all {
        let expired = c.state.expired_at(now);
        report = report.line(state_line(&c.state, expired));
        if expired {
            report = report.line(format!(
                "  hint: run `sigil trust update --instance {}`",
                c.state.name
            ));
        }
    }
    report
}

/// Repository trouble in `repo init` and `repo add` is a setup error whatever its kind.
pub fn repo_setup(e: TufError) -> Failure {
    Failure::usage(Failure::from(e).message)
}

/// `sigil repo init`: where the keys are, what to serve and which root to pin.
pub fn repo_init(dir: &Path, root: &[u8]) -> Report {
    let root_path = repo::metadata_dir(dir).join("1.root.json");
    let sha256 = crate::sha256_hex(root);
    Report::ok(
        "initialised",
        json!({ "dir": dir, "root": root_path, "root_sha256": sha256 }),
    )
    .line(format!(
        "created {} (keys in {}; serve {} only)",
        dir.display(),
        dir.join("keys").display(),
        dir.join("site").display()
    ))
    .line(format!("pin this root in clients: {}", root_path.display()))
}

/// `sigil repo add`: each target added.
pub fn repo_added(added: &[(String, TargetEntry)]) -> Report {
    let mut list = Vec::new();
    let mut r = Report::ok("added", json!(null));
    for (target, e) in added {
        let (length, sha256) = (e.length, &e.sha256);
        r = r.line(format!("added {target} ({length} bytes, sha256 {sha256})"));
        list.push(json!({ "target": target, "length": length, "sha256": sha256 }));
    }
    r.data = json!({ "added": list });
    r.line("run `sigil repo publish` to sign them into the repository")
}

/// `sigil repo publish`: each role's version and expiry.
pub fn repo_published(dir: &Path, p: &Published) -> Report {
    let mut r = Report::ok(
        "published",
        json!({ "versions": p.versions, "expires": p.expires, "targets": p.targets }),
    );
    for (role, v) in &p.versions {
        let exp = p.expires.get(role).map(String::as_str).unwrap_or("?");
        r = r.line(format!("{role} v{v}, expires {exp}"));
    }
    r.line(format!(
        "{} targets; copy {} to the host",
        p.targets,
        dir.join("site").display()
    ))
}

/// `sigil repo rotate`: the root version that names the new key.
pub fn repo_rotated(role: &str, root: &[u8]) -> Report {
    let version = repo::root_version(root);
    Report::ok("rotated", json!({ "role": role, "root_version": version })).line(format!(
        "new {role} key; root v{version} written; run `sigil repo publish`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TufCode;
    use std::collections::BTreeMap;

    fn state(expires: &str) -> State {
        State {
            name: "public-good".into(),
            metadata_url: "https://tuf.example/metadata".into(),
            updated: "2026-01-01T00:00:00Z".into(),
            root_version: 13,
            timestamp_version: 5,
            snapshot_version: 4,
            targets_version: 3,
            expires: expires.into(),
            trusted_root_sha256: "aa".into(),
            signing_config_sha256: None,
        }
    }

    fn at(t: &str) -> SystemTime {
        SystemTime::from(t.parse::<jiff::Timestamp>().expect("time"))
    }

    #[test]
    fn tuf_refusals_are_not_verified_and_other_trouble_is_io_both_with_their_code() {
        let refused = Failure::from(TufError::Refused {
            code: TufCode::Expired,
            message: "timestamp expired".into(),
        });
        assert_eq!(refused.kind.as_str(), "not-verified");
        assert_eq!(refused.message, "tuf-expired: timestamp expired");
        assert_eq!(refused.data, Some(json!({"code": "tuf-expired"})));
        let setup = Failure::from(TufError::setup("disk"));
        assert_eq!(
            (setup.kind.as_str(), setup.message.as_str()),
            ("io", "tuf-setup: disk")
        );
        assert_eq!(repo_setup(TufError::setup("disk")).kind.as_str(), "usage");
        assert_eq!(
            instance("nope").expect_err("unknown").message,
            "unknown instance \"nope\": expected public-good, staging or github"
        );
        assert_eq!(instance("staging").ok(), Some(Instance::Staging));
        assert_eq!(
            update_hint(Instance::GitHub),
            "run `sigil trust update --instance github`"
        );
    }

    #[test]
    fn trust_show_marks_expired_caches_with_a_hint_and_update_shows_the_state() {
        let line = "public-good: https://tuf.example/metadata (root v13, timestamp v5, snapshot v4, targets v3); ";
        let u = updated(&state("2027-01-01T00:00:00Z"));
        assert_eq!(
            u.human,
            [format!(
                "{line}expires 2027-01-01T00:00:00Z; updated 2026-01-01T00:00:00Z"
            )]
        );
        assert_eq!(u.data["expired"], false);
        assert_eq!(u.data["root_version"], 13);
        let cached = Cached {
            state: state("2026-06-01T00:00:00Z"),
            trusted_root: String::new(),
            path: "x".into(),
        };
        let s = show(Path::new("/c"), &[cached], at("2026-07-01T00:00:00Z"));
        assert_eq!(
            s.human,
            [
                format!("{line}EXPIRED at 2026-06-01T00:00:00Z; updated 2026-01-01T00:00:00Z"),
                "  hint: run `sigil trust update --instance public-good`".into()
            ]
        );
        assert_eq!(s.data["cache"], "/c");
        assert_eq!(s.data["cached"][0]["expired"], true);
        let empty = show(Path::new("/c"), &[], at("2026-07-01T00:00:00Z"));
        assert_eq!(
            empty.human,
            ["nothing cached in /c: verification uses the embedded roots; run `sigil trust update`"]
        );
    }

    #[test]
    fn repo_reports_name_what_was_written_and_what_to_do_next() {
        let i = repo_init(Path::new("r"), b"{}");
        assert_eq!(
            i.human,
            [
                "created r (keys in r/keys; serve r/site only)",
                "pin this root in clients: r/site/metadata/1.root.json"
            ]
        );
        assert_eq!(i.data["root_sha256"], json!(crate::sha256_hex(b"{}")));
        let entry = TargetEntry {
            length: 4,
            sha256: "ab".into(),
            sha512: "cd".into(),
        };
        let a = repo_added(&[("p.tar.gz".into(), entry)]);
        assert_eq!(
            a.human,
            [
                "added p.tar.gz (4 bytes, sha256 ab)",
                "run `sigil repo publish` to sign them into the repository"
            ]
        );
        assert_eq!(
            a.data,
            json!({"added": [{"target": "p.tar.gz", "length": 4, "sha256": "ab"}]})
        );
        let p = Published {
            versions: BTreeMap::from([("root".into(), 1), ("timestamp".into(), 2)]),
            expires: BTreeMap::from([("root".into(), "2027-01-01T00:00:00Z".into())]),
            targets: 3,
        };
        assert_eq!(
            repo_published(Path::new("r"), &p).human,
            [
                "root v1, expires 2027-01-01T00:00:00Z",
                "timestamp v2, expires ?",
                "3 targets; copy r/site to the host"
            ]
        );
        let r = repo_rotated("targets", br#"{"signed": {"version": 2}}"#);
        assert_eq!(
            r.human,
            ["new targets key; root v2 written; run `sigil repo publish`"]
        );
        assert_eq!(r.data, json!({"role": "targets", "root_version": 2}));
    }
}
