//! Provenance for where sigil runs: the CI variables `sigil-attest` allows, read from the
//! process environment, and outside CI the facts of the git checkout.

use std::path::Path;
use std::process::Command;

use sigil_attest::provenance::{self, Generated, GitFacts, ProvenanceGenerateError};
use sigil_attest::{ProvenanceOptions, Subject};

/// One line of `git` output in `dir`, or `None` when git fails or prints nothing.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let o = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .ok()?;
    if !o.status.success() {
        return None;
    }
    let s = String::from_utf8(o.stdout).ok()?.trim().to_owned();
    (!s.is_empty()).then_some(s)
}

/// The git checkout `dir` is in: remote, commit, ref (branch, or an exact tag), whether
/// tracked files changed, and its top directory. Empty outside a checkout or without git.
pub fn git_facts(dir: &Path) -> GitFacts {
    let commit = git(dir, &["rev-parse", "HEAD"]);
    if commit.is_none() {
        return GitFacts::default();
    }
    let git_ref = git(dir, &["symbolic-ref", "-q", "HEAD"]).or_else(|| {
        git(dir, &["describe", "--tags", "--exact-match", "HEAD"]).map(|t| format!("refs/tags/{t}"))
    });
    GitFacts {
        remote: git(dir, &["remote", "get-url", "origin"]),
        commit,
        git_ref,
        dirty: git(dir, &["status", "--porcelain", "--untracked-files=no"]).is_some(),
        checkout: git(dir, &["rev-parse", "--show-toplevel"]),
    }
}

/// SLSA provenance for `subjects` built here: in a CI job from its variables
/// ([`provenance::ci_env`] over the process environment), elsewhere from the git checkout of
/// the current directory. Returns the git facts used (empty in CI) beside it.
pub fn generate_here(
    subjects: Vec<Subject>,
    opts: &ProvenanceOptions,
) -> Result<(Generated, GitFacts), ProvenanceGenerateError> {
    let env = provenance::ci_env(|k| std::env::var(k).ok());
    let git = if provenance::in_ci(&env) {
        GitFacts::default()
    } else {
        git_facts(Path::new("."))
    };
    let g = provenance::generate(subjects, &env, &git, opts)?;
    Ok((g, git))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .current_dir(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(ok, "git {args:?}");
    }

    #[test]
    fn git_facts_name_the_commit_the_tag_and_a_dirty_tree() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        assert_eq!(git_facts(p), GitFacts::default());
        run(p, &["init", "-q", "-b", "main"]);
        std::fs::write(p.join("f"), "1").unwrap();
        run(p, &["add", "f"]);
        run(p, &["commit", "-q", "-m", "one"]);
        run(
            p,
            &["remote", "add", "origin", "https://example.com/acme/widget"],
        );
        let f = git_facts(p);
        assert_eq!(f.commit.as_deref().map(str::len), Some(40));
        assert_eq!(f.git_ref.as_deref(), Some("refs/heads/main"));
        assert_eq!(f.remote.as_deref(), Some("https://example.com/acme/widget"));
        assert!(!f.dirty);
        run(p, &["checkout", "-q", "--detach"]);
        run(p, &["tag", "v1"]);
        std::fs::write(p.join("f"), "2").unwrap();
        let f = git_facts(p);
        assert_eq!(f.git_ref.as_deref(), Some("refs/tags/v1"));
        assert!(f.dirty);
    }
}
