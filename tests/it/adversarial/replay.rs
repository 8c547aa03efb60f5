//! Threat: replay under a new name. A signed artifact served as another one (`widget-1.0.tar.gz`
//! as `widget-2.0.tar.gz`), an old release's signed `SHA256SUMS` standing in for the new
//! release, and a pack archive of 1.3.0 renamed 1.4.0. The signature is valid in every case;
//! what was signed (the trusted comment, the pack manifest) is not what is being installed.

use std::path::{Path, PathBuf};

use crate::gate_util::{message, serve_dir, stderr, verdict, Fx};
use crate::support::{json_doc, sigil};

const OLD: &[u8] = b"widget 1.0: the release with the known hole\n";

/// `widget-1.0.tar.gz` signed with the default trusted comment, then copied with its
/// signature into `mirror/` as `widget-2.0.tar.gz`.
fn renamed_blob(fx: &Fx) -> (PathBuf, PathBuf) {
    let k = fx.key("k");
    let orig = fx.write("release/widget-1.0.tar.gz", OLD);
    fx.sign(&k, &orig);
    let renamed = fx.write("mirror/widget-2.0.tar.gz", OLD);
    std::fs::copy(
        fx.p("release/widget-1.0.tar.gz.minisig"),
        fx.p("mirror/widget-2.0.tar.gz.minisig"),
    )
    .unwrap();
    (k, renamed)
}

/// A trusted comment as a terminal shows it: control characters (the tabs of minisign's
/// default comment too) escaped by `sigil_core::terminal::escape`.
fn shown(tc: &str) -> String {
    tc.replace('\t', "\\t")
}

fn tc_of(sig: &Path) -> String {
    let text = std::fs::read_to_string(sig).unwrap();
    text.lines()
        .nth(2)
        .unwrap()
        .strip_prefix("trusted comment: ")
        .unwrap()
        .to_owned()
}

const RENAMED_MSG: &str =
    "signed for file name \"widget-1.0.tar.gz\", but \"widget-2.0.tar.gz\" is expected";

#[test]
fn renamed_blob_is_denied_by_verify_policy() {
    let fx = Fx::new();
    let (k, renamed) = renamed_blob(&fx);
    let policy = fx.policy("p.toml", &[&k], "");
    let o = fx.verify(&policy, &renamed);
    assert_eq!(
        verdict(&o),
        (Some(1), vec!["signed-name-mismatch".to_owned()])
    );
    assert_eq!(message(&o, "signed-name-mismatch"), RENAMED_MSG);
    // The trusted comment is shown, so the user sees what the signer said it was.
    let doc = json_doc(&o);
    let tc = tc_of(&fx.p("mirror/widget-2.0.tar.gz.minisig"));
    assert!(tc.contains("file:widget-1.0.tar.gz"), "{tc}");
    assert_eq!(
        doc["result"]["signed_comments"],
        serde_json::json!([{ "source": "widget-2.0.tar.gz.minisig", "trusted_comment": tc }])
    );
    // Human output: the finding and the trusted comment.
    let h = fx
        .cmd()
        .args(["verify", "--policy"])
        .arg(&policy)
        .arg(&renamed)
        .output()
        .unwrap();
    assert_eq!(h.status.code(), Some(1));
    let text = String::from_utf8_lossy(&h.stdout);
    assert!(
        text.contains(&format!(
            "  signed-name-mismatch widget-2.0.tar.gz.minisig: {RENAMED_MSG}"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "  trusted comment (widget-2.0.tar.gz.minisig): {}",
            shown(&tc)
        )),
        "{text}"
    );

    // Under its signed name it is allowed, and the comment is shown there too.
    let o = fx.verify(&policy, &fx.p("release/widget-1.0.tar.gz"));
    assert_eq!(verdict(&o), (Some(0), vec![]));
    assert_eq!(
        json_doc(&o)["result"]["signed_comments"][0]["trusted_comment"],
        tc.as_str()
    );
}

#[test]
fn renamed_blob_is_not_installed_from_a_mirror() {
    let fx = Fx::new();
    let (k, _) = renamed_blob(&fx);
    let policy = fx.policy("p.toml", &[&k], "");
    let base = serve_dir(&fx.p("mirror"));
    let dest = fx.p("bin");
    std::fs::create_dir(&dest).unwrap();
    let o = fx
        .cmd()
        .args(["install", "--format", "json", "--insecure-allow-http"])
        .arg(format!("{base}/widget-2.0.tar.gz"))
        .arg("--policy")
        .arg(&policy)
        .arg("--to")
        .arg(&dest)
        .output()
        .unwrap();
    assert_eq!(
        verdict(&o),
        (Some(1), vec!["signed-name-mismatch".to_owned()])
    );
    assert_eq!(message(&o, "signed-name-mismatch"), RENAMED_MSG);
    let doc = json_doc(&o);
    assert!(doc["result"]["signed_comments"][0]["trusted_comment"]
        .as_str()
        .unwrap()
        .contains("file:widget-1.0.tar.gz"));
    assert_eq!(std::fs::read_dir(&dest).unwrap().count(), 0);
}

#[test]
fn renamed_blob_is_refused_by_plain_verify_unless_the_signed_name_is_expected() {
    let fx = Fx::new();
    let (k, renamed) = renamed_blob(&fx);
    let o = sigil()
        .args(["verify", "--format", "json", "--key"])
        .arg(k.with_extension("pub"))
        .arg(&renamed)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let doc = json_doc(&o);
    assert_eq!(doc["status"], "not-verified");
    assert_eq!(doc["error"]["details"]["code"], "signed-name-mismatch");
    let tc = tc_of(&fx.p("mirror/widget-2.0.tar.gz.minisig"));
    assert_eq!(doc["error"]["details"]["trusted_comment"], tc.as_str());
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "the signature verified, but not for this: signed-name-mismatch: {RENAMED_MSG}"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("(trusted comment: {})", shown(&tc))),
        "{err}"
    );

    // Saying which name was signed accepts a file renamed on purpose.
    let o = sigil()
        .args(["verify", "--key"])
        .arg(k.with_extension("pub"))
        .arg(&renamed)
        .args(["--expect-name", "widget-1.0.tar.gz"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(&format!("trusted comment: {}", shown(&tc))),
        "{out}"
    );
}

/// A file signed with `release:widget-1.0` in its trusted comment.
fn versioned_blob(fx: &Fx) -> (PathBuf, PathBuf) {
    let k = fx.key("k");
    let f = fx.write("widget.tar.gz", OLD);
    sigil()
        .args(["sign", "--key"])
        .arg(k.with_extension("key"))
        .args([
            "--trusted-comment",
            "timestamp:1\tfile:widget.tar.gz\trelease:widget-1.0",
        ])
        .arg(&f)
        .assert()
        .code(0);
    (k, f)
}

#[test]
fn expect_version_binds_the_signed_release_on_verify() {
    let fx = Fx::new();
    let (k, f) = versioned_blob(&fx);
    let run = |extra: &[&str]| {
        sigil()
            .args(["verify", "--format", "json", "--key"])
            .arg(k.with_extension("pub"))
            .arg(&f)
            .args(extra)
            .output()
            .unwrap()
    };
    let o = run(&["--expect-version", "2.0"]);
    assert_eq!(o.status.code(), Some(1));
    let doc = json_doc(&o);
    assert_eq!(doc["error"]["details"]["code"], "signed-version-mismatch");
    assert_eq!(
        doc["error"]["details"]["mismatches"][0]["message"],
        "signed for version \"1.0\", but \"2.0\" is expected"
    );
    let o = run(&["--expect-version", "1.0", "--expect-name", "widget.tar.gz"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        json_doc(&o)["result"]["trusted_comment"],
        "timestamp:1\tfile:widget.tar.gz\trelease:widget-1.0"
    );
    let o = run(&["--expect-name", "gadget.tar.gz"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        json_doc(&o)["error"]["details"]["code"],
        "signed-name-mismatch"
    );

    // A signature that states no version does not bind one.
    let (k2, g) = {
        let k2 = fx.key("k2");
        let g = fx.write("gadget.tar.gz", b"gadget");
        fx.sign(&k2, &g);
        (k2, g)
    };
    let o = sigil()
        .args(["verify", "--format", "json", "--key"])
        .arg(k2.with_extension("pub"))
        .arg(&g)
        .args(["--expect-version", "1.0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        json_doc(&o)["error"]["details"]["mismatches"][0]["message"],
        "no trusted signature states the version \"1.0\""
    );

    // The same flags on verify --policy.
    let policy = fx.policy("p.toml", &[&k], "");
    let o = fx
        .cmd()
        .args(["verify", "--format", "json", "--policy"])
        .arg(&policy)
        .arg(&f)
        .args(["--expect-version", "2.0"])
        .output()
        .unwrap();
    assert_eq!(
        verdict(&o),
        (Some(1), vec!["signed-version-mismatch".to_owned()])
    );
    assert_eq!(
        message(&o, "signed-version-mismatch"),
        "signed for version \"1.0\", but \"2.0\" is expected"
    );
    let o = fx
        .cmd()
        .args(["verify", "--format", "json", "--policy"])
        .arg(&policy)
        .arg(&f)
        .args(["--expect-version", "1.0"])
        .output()
        .unwrap();
    assert_eq!(verdict(&o), (Some(0), vec![]));
}

/// Release 0.1.0: `widget-linux.tar.gz` listed in a `SHA256SUMS` signed as `cargo xtask
/// release` signs it (`release:widget-0.1.0`).
fn old_release(fx: &Fx) -> PathBuf {
    let k = fx.key("k");
    let art = fx.write("rel/widget-linux.tar.gz", OLD);
    let sums = fx.p("rel/SHA256SUMS");
    sigil()
        .args(["sums", "create"])
        .arg(&art)
        .arg("-o")
        .arg(&sums)
        .assert()
        .code(0);
    sigil()
        .args(["sign", "--key"])
        .arg(k.with_extension("key"))
        .args([
            "--trusted-comment",
            "timestamp:1\tfile:SHA256SUMS\trelease:widget-0.1.0",
        ])
        .arg(&sums)
        .assert()
        .code(0);
    k
}

#[test]
fn old_checksum_list_is_denied_as_a_new_release() {
    let fx = Fx::new();
    let k = old_release(&fx);
    let policy = fx.policy("p.toml", &[&k], "");
    let art = fx.p("rel/widget-linux.tar.gz");
    let verify = |extra: &[&str]| {
        fx.cmd()
            .args(["verify", "--format", "json", "--policy"])
            .arg(&policy)
            .arg(&art)
            .args(extra)
            .output()
            .unwrap()
    };
    let o = verify(&["--expect-version", "0.2.0"]);
    assert_eq!(
        verdict(&o),
        (Some(1), vec!["signed-version-mismatch".to_owned()])
    );
    assert_eq!(
        message(&o, "signed-version-mismatch"),
        "signed for version \"0.1.0\", but \"0.2.0\" is expected"
    );
    let doc = json_doc(&o);
    assert_eq!(
        doc["result"]["signed_comments"],
        serde_json::json!([{ "source": "SHA256SUMS.minisig", "trusted_comment": "timestamp:1\tfile:SHA256SUMS\trelease:widget-0.1.0" }])
    );
    assert_eq!(
        verdict(&verify(&["--expect-version", "0.1.0"])),
        (Some(0), vec![])
    );

    // `sums verify` binds the list the same way, and shows its trusted comment.
    let sums = |extra: &[&str]| {
        sigil()
            .args(["sums", "verify"])
            .arg(fx.p("rel/SHA256SUMS"))
            .arg("--key")
            .arg(k.with_extension("pub"))
            .args(extra)
            .output()
            .unwrap()
    };
    let o = sums(&["--format", "json", "--expect-version", "0.2.0"]);
    assert_eq!(o.status.code(), Some(1));
    let doc = json_doc(&o);
    assert_eq!(doc["error"]["details"]["code"], "signed-version-mismatch");
    let o = sums(&["--format", "json", "--expect-name", "gadget"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        json_doc(&o)["error"]["details"]["mismatches"][0]["message"],
        "signed for name \"widget\", but \"gadget\" is expected"
    );
    let o = sums(&["--expect-name", "widget", "--expect-version", "0.1.0"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("trusted comment: timestamp:1\\tfile:SHA256SUMS\\trelease:widget-0.1.0"),
        "{out}"
    );

    // A list signed for another list name (`file:`) is not this list.
    std::fs::copy(fx.p("rel/SHA256SUMS"), fx.p("rel/SHA256SUMS.old")).unwrap();
    let o = sigil()
        .args(["sums", "verify", "--format", "json"])
        .arg(fx.p("rel/SHA256SUMS.old"))
        .arg("--key")
        .arg(k.with_extension("pub"))
        .arg("-x")
        .arg(fx.p("rel/SHA256SUMS.minisig"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        json_doc(&o)["error"]["details"]["mismatches"][0]["message"],
        "signed for file name \"SHA256SUMS\", but \"SHA256SUMS.old\" is expected"
    );

    // Installing from a mirror that still serves the old release.
    let base = serve_dir(&fx.p("rel"));
    let dest = fx.p("bin");
    std::fs::create_dir(&dest).unwrap();
    let o = fx
        .cmd()
        .args(["install", "--format", "json", "--insecure-allow-http"])
        .arg(format!("{base}/widget-linux.tar.gz"))
        .arg("--policy")
        .arg(&policy)
        .arg("--to")
        .arg(&dest)
        .args(["--expect-version", "0.2.0"])
        .output()
        .unwrap();
    assert_eq!(
        verdict(&o),
        (Some(1), vec!["signed-version-mismatch".to_owned()])
    );
    assert_eq!(std::fs::read_dir(&dest).unwrap().count(), 0);
}

/// A pack `prompts` 1.3.0, archived as `prompts-1.3.0.tar.gz` and signed (with the default
/// comment, or `archive_comment`), then copied with its signature as `prompts-1.4.0.tar.gz`.
fn renamed_pack(fx: &Fx, archive_comment: Option<&str>) -> PathBuf {
    let k = fx.key("k");
    let dir = fx.write("src/prompts/hello.md", b"# hello\n");
    let dir = dir.parent().unwrap().to_path_buf();
    sigil()
        .args(["pack", "sign"])
        .arg(&dir)
        .arg("--key")
        .arg(k.with_extension("key"))
        .args(["--name", "prompts", "--version", "1.3.0"])
        .assert()
        .code(0);
    std::fs::create_dir_all(fx.p("rel")).unwrap();
    let archive = fx.p("rel/prompts-1.3.0.tar.gz");
    sigil()
        .args(["pack", "archive"])
        .arg(&dir)
        .arg("-o")
        .arg(&archive)
        .assert()
        .code(0);
    let mut sign = sigil();
    sign.args(["sign", "--key"]).arg(k.with_extension("key"));
    if let Some(tc) = archive_comment {
        sign.args(["--trusted-comment", tc]);
    }
    sign.arg(&archive).assert().code(0);
    std::fs::create_dir_all(fx.p("mirror")).unwrap();
    std::fs::copy(&archive, fx.p("mirror/prompts-1.4.0.tar.gz")).unwrap();
    std::fs::copy(
        fx.p("rel/prompts-1.3.0.tar.gz.minisig"),
        fx.p("mirror/prompts-1.4.0.tar.gz.minisig"),
    )
    .unwrap();
    k
}

const PACK_POLICY: &str = "[pack]\nmax-files = 100\n";

#[test]
fn renamed_pack_archive_is_denied_by_verify_policy_and_install() {
    let fx = Fx::new();
    let k = renamed_pack(&fx, None);
    let policy = fx.policy("p.toml", &[&k], PACK_POLICY);
    let renamed = fx.p("mirror/prompts-1.4.0.tar.gz");
    let o = fx.verify(&policy, &renamed);
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            vec![
                "signed-name-mismatch".to_owned(),
                "signed-version-mismatch".to_owned()
            ]
        )
    );
    assert_eq!(
        message(&o, "signed-version-mismatch"),
        "signed for version \"1.3.0\", but \"1.4.0\" is expected"
    );
    let comments = json_doc(&o)["result"]["signed_comments"].clone();
    assert_eq!(comments[1]["source"], ".sigil/SHA256SUMS.minisig");
    assert!(comments[1]["trusted_comment"]
        .as_str()
        .unwrap()
        .starts_with("sigil-pack name=prompts version=1.3.0 "));
    // The original is allowed.
    let o = fx.verify(&policy, &fx.p("rel/prompts-1.3.0.tar.gz"));
    assert_eq!(verdict(&o), (Some(0), vec![]));

    // `sigil install` from a mirror serving the renamed archive: nothing is created.
    let base = serve_dir(&fx.p("mirror"));
    let dest = fx.p("packs/prompts");
    std::fs::create_dir_all(fx.p("packs")).unwrap();
    let o = fx
        .cmd()
        .args(["install", "--format", "json", "--insecure-allow-http"])
        .arg(format!("{base}/prompts-1.4.0.tar.gz"))
        .arg("--policy")
        .arg(&policy)
        .arg("--to")
        .arg(&dest)
        .output()
        .unwrap();
    assert_eq!(
        verdict(&o),
        (
            Some(1),
            vec![
                "signed-name-mismatch".to_owned(),
                "signed-version-mismatch".to_owned()
            ]
        )
    );
    assert!(!dest.exists());

    // `sigil pack install` refuses it too, and leaves DEST absent.
    let o = sigil()
        .args(["pack", "install", "--format", "json"])
        .arg(&renamed)
        .arg("--key")
        .arg(k.with_extension("pub"))
        .arg("--to")
        .arg(&dest)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let doc = json_doc(&o);
    assert_eq!(doc["error"]["details"]["code"], "signed-name-mismatch");
    let msgs: Vec<&str> = doc["error"]["details"]["mismatches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        msgs,
        [
            "signed for file name \"prompts-1.3.0.tar.gz\", but \"prompts-1.4.0.tar.gz\" is expected",
            "signed for version \"1.3.0\", but \"1.4.0\" is expected"
        ]
    );
    assert!(doc["error"]["details"]["pack_trusted_comment"]
        .as_str()
        .unwrap()
        .starts_with("sigil-pack name=prompts version=1.3.0 "));
    assert!(!dest.exists());

    // Saying exactly which pack is wanted installs an archive renamed on purpose.
    let o = sigil()
        .args(["pack", "install"])
        .arg(&renamed)
        .arg("--key")
        .arg(k.with_extension("pub"))
        .arg("--to")
        .arg(&dest)
        .args(["--expect-name", "prompts", "--expect-version", "1.3.0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(
            "trusted comment (.sigil/SHA256SUMS.minisig): sigil-pack name=prompts version=1.3.0 "
        ),
        "{out}"
    );
    assert!(dest.join("hello.md").is_file());
}

#[test]
fn renamed_pack_is_denied_by_its_signed_manifest_version() {
    // The archive signature names no file: only the manifest inside says 1.3.0.
    let fx = Fx::new();
    let k = renamed_pack(&fx, Some("prompts archive"));
    let policy = fx.policy("p.toml", &[&k], PACK_POLICY);
    let o = fx.verify(&policy, &fx.p("mirror/prompts-1.4.0.tar.gz"));
    assert_eq!(
        verdict(&o),
        (Some(1), vec!["signed-version-mismatch".to_owned()])
    );
    let o = sigil()
        .args(["pack", "install", "--format", "json"])
        .arg(fx.p("mirror/prompts-1.4.0.tar.gz"))
        .arg("--key")
        .arg(k.with_extension("pub"))
        .arg("--to")
        .arg(fx.p("dest"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        json_doc(&o)["error"]["details"]["code"],
        "signed-version-mismatch"
    );
    assert!(!fx.p("dest").exists());
}

#[test]
fn pack_verify_binds_the_expected_name_and_version() {
    let fx = Fx::new();
    let k = renamed_pack(&fx, None);
    let run = |extra: &[&str]| {
        sigil()
            .args(["pack", "verify"])
            .arg(fx.p("src/prompts"))
            .arg("--key")
            .arg(k.with_extension("pub"))
            .args(extra)
            .output()
            .unwrap()
    };
    let o = run(&["--format", "json", "--expect-version", "1.4.0"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        json_doc(&o)["error"]["details"]["code"],
        "signed-version-mismatch"
    );
    let o = run(&["--format", "json", "--expect-name", "other"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        json_doc(&o)["error"]["details"]["code"],
        "signed-name-mismatch"
    );
    let o = run(&["--expect-name", "prompts", "--expect-version", "1.3.0"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("trusted comment: sigil-pack name=prompts version=1.3.0 files=1 bytes=8"),
        "{out}"
    );
    let o = run(&["--format", "json"]);
    assert_eq!(
        json_doc(&o)["result"]["pack"]["trusted_comment"],
        "sigil-pack name=prompts version=1.3.0 files=1 bytes=8"
    );

    // verify --policy on the pack directory takes the same flags.
    let policy = fx.policy("p.toml", &[&k], PACK_POLICY);
    let o = fx
        .cmd()
        .args(["verify", "--format", "json", "--policy"])
        .arg(&policy)
        .arg(fx.p("src/prompts"))
        .args(["--expect-version", "1.4.0"])
        .output()
        .unwrap();
    assert_eq!(
        verdict(&o),
        (Some(1), vec!["signed-version-mismatch".to_owned()])
    );
}

#[test]
fn policy_exception_relaxes_the_signed_name_for_files_renamed_on_purpose() {
    let fx = Fx::new();
    let (k, renamed) = renamed_blob(&fx);
    let policy = fx.policy(
        "p.toml",
        &[&k],
        "[[exceptions]]\ncode = \"signed-name-mismatch\"\nreason = \"the mirror renames releases\"\nartifact-regex = '^widget-2\\.0\\.tar\\.gz$'\n",
    );
    let o = fx.verify(&policy, &renamed);
    assert_eq!(verdict(&o), (Some(0), vec![]));
    let doc = json_doc(&o);
    let f = &doc["result"]["findings"][0];
    assert_eq!(f["code"], "signed-name-mismatch");
    assert_eq!(f["waived"], true);
    assert_eq!(f["reason"], "the mirror renames releases");
    assert_eq!(f["message"], RENAMED_MSG);
}
