//! Threat: data loss by clobbering. `sigil install` overwrote an existing file without being
//! asked (pack installs refuse), and `sigil sign` silently replaced an existing `.minisig`,
//! for example another maintainer's signature.

use std::path::PathBuf;

use crate::gate_util::{stderr, Fx};
use crate::support::{json_doc, sigil};

/// A signed `tool.bin`, a policy trusting its key, and `bin/tool.bin` already installed.
fn installed(fx: &Fx) -> (PathBuf, PathBuf, PathBuf) {
    let k = fx.key("k");
    let art = fx.write("dl/tool.bin", b"new tool\n");
    fx.sign(&k, &art);
    let policy = fx.policy("p.toml", &[&k], "");
    fx.write("bin/tool.bin", b"precious old tool\n");
    (art, policy, fx.p("bin"))
}

fn install(
    fx: &Fx,
    art: &PathBuf,
    policy: &PathBuf,
    to: &PathBuf,
    extra: &[&str],
) -> std::process::Output {
    fx.cmd()
        .arg("install")
        .arg(art)
        .arg("--policy")
        .arg(policy)
        .arg("--to")
        .arg(to)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn install_refuses_to_overwrite_an_existing_file() {
    let fx = Fx::new();
    let (art, policy, bin) = installed(&fx);
    let old = fx.p("bin/tool.bin");
    // DEST as a directory and as the file itself.
    for to in [&bin, &old] {
        let o = install(&fx, &art, &policy, to, &[]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains(&format!(
                "error: {}: destination file exists; nothing was installed and it is unchanged",
                old.display()
            )),
            "{err}"
        );
        assert!(
            err.contains("hint: pass --replace to replace it (atomically: the old file stays until the new one is in place)"),
            "{err}"
        );
        assert_eq!(std::fs::read(&old).unwrap(), b"precious old tool\n");
    }
    let o = install(&fx, &art, &policy, &bin, &["--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let doc = json_doc(&o);
    assert_eq!(doc["status"], "error");
    assert_eq!(doc["error"]["kind"], "usage");
    assert_eq!(
        doc["error"]["message"],
        format!(
            "{}: destination file exists; nothing was installed and it is unchanged",
            old.display()
        )
    );
    // Nothing is left behind in DEST's directory.
    let names: Vec<_> = std::fs::read_dir(&bin)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["tool.bin"]);
}

#[test]
fn install_replace_swaps_the_file_only_when_allowed() {
    let fx = Fx::new();
    let (art, policy, bin) = installed(&fx);
    let old = fx.p("bin/tool.bin");

    // A denied artifact never touches the old file, even with --replace.
    let bad = fx.write("dl2/tool.bin", b"unsigned tool\n");
    let o = install(&fx, &bad, &policy, &bin, &["--replace"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read(&old).unwrap(), b"precious old tool\n");

    let o = install(&fx, &art, &policy, &bin, &["--replace"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("installed {}", old.display())));
    assert_eq!(std::fs::read(&old).unwrap(), b"new tool\n");
    let names: Vec<_> = std::fs::read_dir(&bin)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["tool.bin"]);
}

/// A file with another maintainer's signature beside it.
fn signed_by_someone_else(fx: &Fx) -> (PathBuf, PathBuf, PathBuf, Vec<u8>) {
    let theirs = fx.key("theirs");
    let mine = fx.key("mine");
    let f = fx.write("widget.tar.gz", b"widget\n");
    fx.sign(&theirs, &f);
    let sig = fx.p("widget.tar.gz.minisig");
    let before = std::fs::read(&sig).unwrap();
    (mine, f, sig, before)
}

#[test]
fn sign_refuses_to_overwrite_an_existing_signature() {
    let fx = Fx::new();
    let (mine, f, sig, before) = signed_by_someone_else(&fx);
    let o = sigil()
        .args(["sign", "--key"])
        .arg(mine.with_extension("key"))
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "error: {}: signature file exists; nothing was signed and it is unchanged",
            sig.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(
            "hint: pass --force to overwrite it, or -x/--output to write the signature elsewhere"
        ),
        "{err}"
    );
    assert_eq!(std::fs::read(&sig).unwrap(), before);

    // JSON: one document with the error.
    let o = sigil()
        .args(["sign", "--format", "json", "--key"])
        .arg(mine.with_extension("key"))
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(json_doc(&o)["error"]["kind"], "usage");
    assert_eq!(std::fs::read(&sig).unwrap(), before);

    // Several files: nothing is signed when one signature exists.
    let g = fx.write("gadget.tar.gz", b"gadget\n");
    let o = sigil()
        .args(["sign", "--key"])
        .arg(mine.with_extension("key"))
        .arg(&g)
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!fx.p("gadget.tar.gz.minisig").exists());

    // --force replaces it.
    let o = sigil()
        .args(["sign", "--force", "--key"])
        .arg(mine.with_extension("key"))
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_ne!(std::fs::read(&sig).unwrap(), before);
    sigil()
        .args(["verify", "--key"])
        .arg(mine.with_extension("pub"))
        .arg(&f)
        .assert()
        .code(0);
}

#[test]
fn sign_output_writes_the_signature_elsewhere() {
    let fx = Fx::new();
    let (mine, f, sig, before) = signed_by_someone_else(&fx);
    let second = fx.p("widget.tar.gz.mine.minisig");
    let o = sigil()
        .args(["sign", "--key"])
        .arg(mine.with_extension("key"))
        .arg("-x")
        .arg(&second)
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains(&format!(
        "signed {} -> {}",
        f.display(),
        second.display()
    )));
    assert_eq!(std::fs::read(&sig).unwrap(), before);
    sigil()
        .args(["verify", "--key"])
        .arg(mine.with_extension("pub"))
        .arg(&f)
        .arg("--signature")
        .arg(&second)
        .assert()
        .code(0);

    // -x names one signature, so it takes one file; and it does not overwrite either.
    let g = fx.write("gadget.tar.gz", b"gadget\n");
    let o = sigil()
        .args(["sign", "--key"])
        .arg(mine.with_extension("key"))
        .arg("--output")
        .arg(fx.p("both.minisig"))
        .arg(&f)
        .arg(&g)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("error: -x/--output takes one FILE to sign"));
    assert!(!fx.p("both.minisig").exists());
    let o = sigil()
        .args(["sign", "--key"])
        .arg(mine.with_extension("key"))
        .arg("-x")
        .arg(&sig)
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(&sig).unwrap(), before);
}
