//! SLSA Provenance v1: generation from a CI environment, and the fields verification reads.
//!
//! Generation takes the environment as a map and git facts as a struct, both gathered by the
//! caller: this crate reads no environment and runs no commands.
//!
//! - GitHub Actions (`GITHUB_ACTIONS=true`) follows the layout of GitHub's own generator
//!   (`actions/attest-build-provenance`), build type
//!   `https://actions.github.io/buildtypes/workflow/v1`: `externalParameters.workflow`
//!   `{ref, repository, path}`, `internalParameters.github` `{event_name, repository_id,
//!   repository_owner_id, runner_environment}`, one resolved dependency
//!   `git+<server>/<repo>@<ref>` with its `gitCommit`, builder id `<server>/<workflow ref>`
//!   and invocation id `<server>/<repo>/actions/runs/<id>/attempts/<n>`.
//! - GitLab CI (`GITLAB_CI=true`) follows GitLab runner's layout: build type
//!   `https://gitlab.com/gitlab-org/gitlab-runner/-/blob/<runner version>/PROVENANCE.md`,
//!   builder id `<project url>/-/runners/<runner id>`, `externalParameters` `{source,
//!   entryPoint, ref}`. CI variables are not copied wholesale (they can hold secrets).
//! - Anywhere else: the local build type [`LOCAL_BUILD_TYPE`] with the git remote, HEAD and
//!   whether the tree was dirty.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use thiserror::Error;

use crate::statement::{Statement, Subject};

/// `predicateType` of SLSA Provenance v1.
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// `predicateType` of SLSA Provenance v0.2 (read only).
pub const SLSA_PROVENANCE_V02: &str = "https://slsa.dev/provenance/v0.2";
/// GitHub's build type for a GitHub Actions workflow, as its generator writes it.
pub const GITHUB_BUILD_TYPE: &str = "https://actions.github.io/buildtypes/workflow/v1";
/// Other spellings of the GitHub workflow build type found in the wild (npm CLI, the spec repo).
pub const GITHUB_BUILD_TYPES_OTHER: [&str; 2] = [
    "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
    "https://github.com/actions/buildtypes/workflow/v1",
];
/// The slsa-github-generator delegator (BYOB) build type.
pub const DELEGATOR_BUILD_TYPE: &str =
    "https://github.com/slsa-framework/slsa-github-generator/delegator-generic@v0";
/// sigil's build type for builds outside a recognised CI service (documented in docs/attest.md).
pub const LOCAL_BUILD_TYPE: &str = "urn:sigil:buildtype:local:v1";
/// sigil's builder id for local builds when `--builder-id` is not given.
pub const LOCAL_BUILDER_ID: &str = "urn:sigil:builder:local";

/// Facts about the local git checkout, gathered by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitFacts {
    /// `git remote get-url origin`, if any.
    pub remote: Option<String>,
    /// `git rev-parse HEAD`, if any.
    pub commit: Option<String>,
    /// `git symbolic-ref HEAD` (or a tag pointing at HEAD), if any.
    pub git_ref: Option<String>,
    /// Whether `git status --porcelain` listed anything.
    pub dirty: bool,
    /// `git rev-parse --show-toplevel`: the checkout the build ran in, if any.
    pub checkout: Option<String>,
}

/// Options that override what the environment says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProvenanceOptions {
    /// `--builder-id`.
    pub builder_id: Option<String>,
    /// `--build-type`.
    pub build_type: Option<String>,
    /// Generation time in Unix seconds (`SOURCE_DATE_EPOCH` or the clock), for `finishedOn`.
    pub finished_on: Option<u64>,
}

/// Which environment the provenance describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildPlatform {
    /// GitHub Actions.
    GitHubActions,
    /// GitLab CI.
    GitLabCi,
    /// Neither: a local or unrecognised build.
    Local,
}

impl BuildPlatform {
    /// A short name for output.
    pub fn as_str(self) -> &'static str {
        match self {
            BuildPlatform::GitHubActions => "github-actions",
            BuildPlatform::GitLabCi => "gitlab-ci",
            BuildPlatform::Local => "local",
        }
    }
}

/// Why provenance could not be generated.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProvenanceGenerateError {
    /// A CI environment was detected but a variable it always sets is missing or empty.
    #[error("{platform} environment detected but {variable} is not set")]
    MissingVariable {
        /// `github-actions` or `gitlab-ci`.
        platform: &'static str,
        /// The variable.
        variable: &'static str,
    },
    /// No subjects to describe.
    #[error("no subjects")]
    NoSubjects,
}

/// Generated provenance and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// The in-toto Statement v1 with the SLSA v1 predicate.
    pub statement: Statement,
    /// The detected environment.
    pub platform: BuildPlatform,
}

/// The environment variables provenance reads: facts about the CI job (GitHub Actions,
/// GitLab CI), never a token or a secret. Nothing else from the environment reaches it.
pub const CI_VARIABLES: [&str; 26] = [
    "GITHUB_ACTIONS",
    "GITHUB_EVENT_NAME",
    "GITHUB_REF",
    "GITHUB_REPOSITORY",
    "GITHUB_REPOSITORY_ID",
    "GITHUB_REPOSITORY_OWNER_ID",
    "GITHUB_RUN_ATTEMPT",
    "GITHUB_RUN_ID",
    "GITHUB_SERVER_URL",
    "GITHUB_SHA",
    "GITHUB_WORKFLOW_REF",
    "RUNNER_ENVIRONMENT",
    "GITLAB_CI",
    "CI_COMMIT_REF_NAME",
    "CI_COMMIT_SHA",
    "CI_COMMIT_TAG",
    "CI_JOB_ID",
    "CI_JOB_NAME",
    "CI_JOB_URL",
    "CI_PIPELINE_ID",
    "CI_PIPELINE_SOURCE",
    "CI_PROJECT_URL",
    "CI_RUNNER_DESCRIPTION",
    "CI_RUNNER_EXECUTABLE_ARCH",
    "CI_RUNNER_ID",
    "CI_RUNNER_VERSION",
];

/// The environment [`generate`] may read: each of [`CI_VARIABLES`] that `lookup` (the
/// process environment, read above this crate) has, and nothing else.
pub fn ci_env(lookup: impl Fn(&str) -> Option<String>) -> BTreeMap<String, String> {
    CI_VARIABLES
        .iter()
        .filter_map(|k| lookup(k).map(|v| ((*k).to_owned(), v)))
        .collect()
}

/// Whether `env` is a CI job [`generate`] describes from its variables; elsewhere the local
/// git checkout ([`GitFacts`]) is the source.
pub fn in_ci(env: &BTreeMap<String, String>) -> bool {
    ["GITHUB_ACTIONS", "GITLAB_CI"]
        .iter()
        .any(|k| env.get(*k).is_some_and(|v| v == "true"))
}

/// A source for people: `URI @ REF (commit C)`, each part when known.
pub fn describe_source(uri: &str, git_ref: Option<&str>, commit: Option<&str>) -> String {
    let mut s = uri.to_owned();
    if let Some(r) = git_ref {
        s.push_str(&format!(" @ {r}"));
    }
    if let Some(c) = commit {
        s.push_str(&format!(" (commit {c})"));
    }
    s
}

/// Builds an in-toto Statement v1 with an SLSA Provenance v1 predicate for `subjects`.
pub fn generate(
    subjects: Vec<Subject>,
    env: &BTreeMap<String, String>,
    git: &GitFacts,
    opts: &ProvenanceOptions,
) -> Result<Generated, ProvenanceGenerateError> {
    if subjects.is_empty() {
        return Err(ProvenanceGenerateError::NoSubjects);
    }
    let flag = |k: &str| env.get(k).is_some_and(|v| v == "true");
    let (platform, mut predicate) = if flag("GITHUB_ACTIONS") {
        (BuildPlatform::GitHubActions, github(env)?)
    } else if flag("GITLAB_CI") {
        (BuildPlatform::GitLabCi, gitlab(env)?)
    } else {
        (BuildPlatform::Local, local(git))
    };
    if let Some(b) = &opts.builder_id {
        predicate["runDetails"]["builder"]["id"] = json!(b);
    }
    if let Some(t) = &opts.build_type {
        predicate["buildDefinition"]["buildType"] = json!(t);
    }
    if let Some(t) = opts.finished_on {
        predicate["runDetails"]["metadata"]["finishedOn"] = json!(rfc3339(t));
    }
    Ok(Generated {
        statement: Statement::new(subjects, SLSA_PROVENANCE_V1, predicate),
        platform,
    })
}

fn need<'a>(
    env: &'a BTreeMap<String, String>,
    platform: &'static str,
    variable: &'static str,
) -> Result<&'a str, ProvenanceGenerateError> {
    env.get(variable)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .ok_or(ProvenanceGenerateError::MissingVariable { platform, variable })
}

fn opt<'a>(env: &'a BTreeMap<String, String>, variable: &str) -> Option<&'a str> {
    env.get(variable)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

/// Inserts `k: v` when `v` is present.
fn put(m: &mut Map<String, Value>, k: &str, v: Option<&str>) {
    if let Some(v) = v {
        m.insert(k.to_owned(), json!(v));
    }
}

fn github(env: &BTreeMap<String, String>) -> Result<Value, ProvenanceGenerateError> {
    const P: &str = "github-actions";
    let repo = need(env, P, "GITHUB_REPOSITORY")?;
    let git_ref = need(env, P, "GITHUB_REF")?;
    let sha = need(env, P, "GITHUB_SHA")?;
    let workflow_ref = need(env, P, "GITHUB_WORKFLOW_REF")?;
    let run_id = need(env, P, "GITHUB_RUN_ID")?;
    let attempt = opt(env, "GITHUB_RUN_ATTEMPT").unwrap_or("1");
    let server = opt(env, "GITHUB_SERVER_URL")
        .unwrap_or("https://github.com")
        .trim_end_matches('/');
    // GITHUB_WORKFLOW_REF is `<repo>/<path>@<ref>`; path and ref may both contain '@'.
    let after_repo = workflow_ref
        .strip_prefix(&format!("{repo}/"))
        .unwrap_or(workflow_ref);
    let path = after_repo
        .strip_suffix(&format!("@{git_ref}"))
        .or_else(|| after_repo.rsplit_once('@').map(|(p, _)| p))
        .unwrap_or(after_repo);
    let repository = format!("{server}/{repo}");
    let mut gh = Map::new();
    put(&mut gh, "event_name", opt(env, "GITHUB_EVENT_NAME"));
    put(&mut gh, "repository_id", opt(env, "GITHUB_REPOSITORY_ID"));
    put(
        &mut gh,
        "repository_owner_id",
        opt(env, "GITHUB_REPOSITORY_OWNER_ID"),
    );
    put(
        &mut gh,
        "runner_environment",
        opt(env, "RUNNER_ENVIRONMENT"),
    );
    Ok(json!({
        "buildDefinition": {
            "buildType": GITHUB_BUILD_TYPE,
            "externalParameters": {
                "workflow": { "ref": git_ref, "repository": repository, "path": path }
            },
            "internalParameters": { "github": gh },
            "resolvedDependencies": [
                { "uri": format!("git+{repository}@{git_ref}"), "digest": { "gitCommit": sha } }
            ]
        },
        "runDetails": {
            "builder": { "id": format!("{server}/{workflow_ref}") },
            "metadata": { "invocationId": format!("{repository}/actions/runs/{run_id}/attempts/{attempt}") }
        }
    }))
}

fn gitlab(env: &BTreeMap<String, String>) -> Result<Value, ProvenanceGenerateError> {
    const P: &str = "gitlab-ci";
    let project = need(env, P, "CI_PROJECT_URL")?.trim_end_matches('/');
    let sha = need(env, P, "CI_COMMIT_SHA")?;
    let git_ref = match (opt(env, "CI_COMMIT_TAG"), opt(env, "CI_COMMIT_REF_NAME")) {
        (Some(tag), _) => format!("refs/tags/{tag}"),
        (None, Some(branch)) => format!("refs/heads/{branch}"),
        (None, None) => {
            return Err(ProvenanceGenerateError::MissingVariable {
                platform: P,
                variable: "CI_COMMIT_REF_NAME",
            })
        }
    };
    let build_type = match opt(env, "CI_RUNNER_VERSION") {
        Some(v) => format!(
            "https://gitlab.com/gitlab-org/gitlab-runner/-/blob/v{}/PROVENANCE.md",
            v.trim_start_matches('v')
        ),
        None => "https://gitlab.com/gitlab-org/gitlab-runner/-/blob/main/PROVENANCE.md".to_owned(),
    };
    let builder = match opt(env, "CI_RUNNER_ID") {
        Some(id) => format!("{project}/-/runners/{id}"),
        None => format!("{project}/-/runners"),
    };
    let mut external = Map::new();
    external.insert("source".into(), json!(project));
    external.insert("ref".into(), json!(git_ref));
    put(&mut external, "entryPoint", opt(env, "CI_JOB_NAME"));
    put(
        &mut external,
        "pipelineSource",
        opt(env, "CI_PIPELINE_SOURCE"),
    );
    let mut internal = Map::new();
    put(&mut internal, "name", opt(env, "CI_RUNNER_DESCRIPTION"));
    put(
        &mut internal,
        "architecture",
        opt(env, "CI_RUNNER_EXECUTABLE_ARCH"),
    );
    put(&mut internal, "job", opt(env, "CI_JOB_ID"));
    put(&mut internal, "pipeline", opt(env, "CI_PIPELINE_ID"));
    let mut metadata = Map::new();
    put(&mut metadata, "invocationId", opt(env, "CI_JOB_URL"));
    Ok(json!({
        "buildDefinition": {
            "buildType": build_type,
            "externalParameters": external,
            "internalParameters": internal,
            "resolvedDependencies": [
                { "uri": format!("git+{project}@{git_ref}"), "digest": { "gitCommit": sha } }
            ]
        },
        "runDetails": { "builder": { "id": builder }, "metadata": metadata }
    }))
}

/// `git@github.com:o/r.git` and `https://github.com/o/r.git` both become `https://github.com/o/r`.
/// Credentials in a URL (`https://user:token@host/...`) are removed.
pub fn normalize_remote(remote: &str) -> String {
    let r = remote.trim().trim_end_matches('/');
    let r = r.strip_suffix(".git").unwrap_or(r);
    if let Some(rest) = r.strip_prefix("git@") {
        if let Some((host, path)) = rest.split_once(':') {
            return format!("https://{host}/{path}");
        }
    }
    if let Some((scheme, rest)) = r.split_once("://") {
        let rest = match rest.split_once('/') {
            Some((authority, path)) => {
                let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
                format!("{host}/{path}")
            }
            None => rest.rsplit_once('@').map_or(rest, |(_, h)| h).to_owned(),
        };
        let scheme = if scheme == "ssh" || scheme == "git" {
            "https"
        } else {
            scheme
        };
        return format!("{scheme}://{rest}");
    }
    r.to_owned()
}

fn local(git: &GitFacts) -> Value {
    let mut source = Map::new();
    let repo = git.remote.as_deref().map(normalize_remote);
    put(&mut source, "repository", repo.as_deref());
    put(&mut source, "ref", git.git_ref.as_deref());
    put(&mut source, "commit", git.commit.as_deref());
    source.insert("dirty".into(), json!(git.dirty));
    let mut deps = Vec::new();
    if let (Some(repo), Some(commit)) = (&repo, &git.commit) {
        let uri = match &git.git_ref {
            Some(r) => format!("git+{repo}@{r}"),
            None => format!("git+{repo}"),
        };
        deps.push(json!({ "uri": uri, "digest": { "gitCommit": commit } }));
    }
    let mut internal = Map::new();
    let checkout = git.checkout.as_deref().map(|p| format!("file://{p}"));
    put(&mut internal, "checkout", checkout.as_deref());
    json!({
        "buildDefinition": {
            "buildType": LOCAL_BUILD_TYPE,
            "externalParameters": { "source": source },
            "internalParameters": internal,
            "resolvedDependencies": deps
        },
        "runDetails": { "builder": { "id": LOCAL_BUILDER_ID }, "metadata": {} }
    })
}

/// Unix seconds as an RFC 3339 UTC timestamp (`1970-01-01T00:00:00Z`).
pub fn rfc3339(secs: u64) -> String {
    sigil_core::time::Timestamp(i64::try_from(secs).unwrap_or(i64::MAX)).to_rfc3339()
}

/// A repository and ref named by provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRef {
    /// The repository URI as written (without `git+` and without the `@ref`).
    pub uri: String,
    /// The git ref, when named.
    pub git_ref: Option<String>,
    /// The commit, when named.
    pub commit: Option<String>,
}

/// The fields of an SLSA provenance predicate that verification looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenanceView {
    /// `runDetails.builder.id` (v1) or `builder.id` (v0.2).
    pub builder_id: String,
    /// `buildDefinition.buildType` (v1) or `buildType` (v0.2).
    pub build_type: String,
    /// What triggered the build (the workflow's repository and ref), when the build type says.
    pub trigger: Option<SourceRef>,
    /// The first resolved dependency (v1) or material (v0.2): the source that was built.
    pub source: Option<SourceRef>,
    /// The workflow file path, for GitHub workflow build types.
    pub workflow_path: Option<String>,
    /// `runDetails.metadata.invocationId`.
    pub invocation_id: Option<String>,
}

/// Why a provenance predicate could not be read.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProvenanceReadError {
    /// The predicate type is not SLSA provenance v1 or v0.2.
    #[error("predicate type {0:?} is not SLSA provenance")]
    NotProvenance(String),
    /// A required field is missing or has the wrong type.
    #[error("malformed SLSA provenance: {0} is missing or not a string")]
    Field(&'static str),
}

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(v, |v, k| v.get(*k))
        .and_then(Value::as_str)
}

/// Splits `git+https://host/repo@refs/heads/x` into the repository and the ref.
pub fn split_git_uri(uri: &str) -> (String, Option<String>) {
    let u = uri.strip_prefix("git+").unwrap_or(uri);
    // The ref starts at the first '@' after the authority (a user@ in the authority is not a ref).
    let path_start = u.find("://").map_or(0, |i| i + 3);
    let after = &u[path_start..];
    let slash = after.find('/').map_or(after.len(), |i| i);
    match after[slash..].find('@') {
        Some(i) => {
            let at = path_start + slash + i;
            (
                u[..at].to_owned(),
                Some(u[at + 1..].to_owned()).filter(|r| !r.is_empty()),
            )
        }
        None => (u.to_owned(), None),
    }
}

fn dependency(dep: &Value) -> Option<SourceRef> {
    let uri = dep.get("uri").and_then(Value::as_str)?;
    let (repo, git_ref) = split_git_uri(uri);
    let digest = dep.get("digest");
    let commit = digest
        .and_then(|d| d.get("gitCommit").or_else(|| d.get("sha1")))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Some(SourceRef {
        uri: repo,
        git_ref,
        commit,
    })
}

/// Reads the verification-relevant fields of an SLSA provenance statement.
pub fn view(statement: &Statement) -> Result<ProvenanceView, ProvenanceReadError> {
    let p = &statement.predicate;
    match statement.predicate_type.as_str() {
        SLSA_PROVENANCE_V1 => {
            let builder_id = s(p, &["runDetails", "builder", "id"])
                .ok_or(ProvenanceReadError::Field("runDetails.builder.id"))?;
            let build_type = s(p, &["buildDefinition", "buildType"])
                .ok_or(ProvenanceReadError::Field("buildDefinition.buildType"))?;
            let bd = &p["buildDefinition"];
            let source = bd
                .get("resolvedDependencies")
                .and_then(Value::as_array)
                .and_then(|d| d.first())
                .and_then(dependency);
            let mut workflow_path = None;
            let trigger = if build_type == GITHUB_BUILD_TYPE
                || GITHUB_BUILD_TYPES_OTHER.contains(&build_type)
            {
                let w = &bd["externalParameters"]["workflow"];
                let uri = s(w, &["repository"]).ok_or(ProvenanceReadError::Field(
                    "externalParameters.workflow.repository",
                ))?;
                let git_ref = s(w, &["ref"]).ok_or(ProvenanceReadError::Field(
                    "externalParameters.workflow.ref",
                ))?;
                workflow_path = s(w, &["path"]).map(str::to_owned);
                Some(SourceRef {
                    uri: uri.to_owned(),
                    git_ref: Some(git_ref.to_owned()),
                    commit: None,
                })
            } else if build_type == DELEGATOR_BUILD_TYPE {
                let ip = &bd["internalParameters"];
                let repo = s(ip, &["GITHUB_REPOSITORY"]).ok_or(ProvenanceReadError::Field(
                    "internalParameters.GITHUB_REPOSITORY",
                ))?;
                let git_ref = s(ip, &["GITHUB_REF"])
                    .ok_or(ProvenanceReadError::Field("internalParameters.GITHUB_REF"))?;
                Some(SourceRef {
                    uri: format!("https://github.com/{repo}"),
                    git_ref: Some(git_ref.to_owned()),
                    commit: s(ip, &["GITHUB_SHA"]).map(str::to_owned),
                })
            } else if build_type == LOCAL_BUILD_TYPE {
                let src = &bd["externalParameters"]["source"];
                s(src, &["repository"]).map(|uri| SourceRef {
                    uri: uri.to_owned(),
                    git_ref: s(src, &["ref"]).map(str::to_owned),
                    commit: s(src, &["commit"]).map(str::to_owned),
                })
            } else {
                // GitLab and other build types: the source is the trigger.
                let ext = &bd["externalParameters"];
                match s(ext, &["source"]) {
                    Some(uri) => Some(SourceRef {
                        uri: uri.to_owned(),
                        git_ref: s(ext, &["ref"]).map(str::to_owned),
                        commit: None,
                    }),
                    None => source.clone(),
                }
            };
            Ok(ProvenanceView {
                builder_id: builder_id.to_owned(),
                build_type: build_type.to_owned(),
                trigger,
                source,
                workflow_path,
                invocation_id: s(p, &["runDetails", "metadata", "invocationId"]).map(str::to_owned),
            })
        }
        SLSA_PROVENANCE_V02 => {
            let builder_id =
                s(p, &["builder", "id"]).ok_or(ProvenanceReadError::Field("builder.id"))?;
            let build_type = s(p, &["buildType"]).ok_or(ProvenanceReadError::Field("buildType"))?;
            let cs = &p["invocation"]["configSource"];
            let trigger = s(cs, &["uri"]).map(|u| {
                let (uri, git_ref) = split_git_uri(u);
                SourceRef {
                    uri,
                    git_ref,
                    commit: s(cs, &["digest", "sha1"]).map(str::to_owned),
                }
            });
            let source = p
                .get("materials")
                .and_then(Value::as_array)
                .and_then(|m| m.first())
                .and_then(dependency);
            Ok(ProvenanceView {
                builder_id: builder_id.to_owned(),
                build_type: build_type.to_owned(),
                trigger,
                source,
                workflow_path: s(cs, &["entryPoint"]).map(str::to_owned),
                invocation_id: s(p, &["metadata", "buildInvocationId"]).map(str::to_owned),
            })
        }
        other => Err(ProvenanceReadError::NotProvenance(
            other.chars().take(200).collect(),
        )),
    }
}

#[cfg(test)]
mod env_tests {
    use super::*;

    fn process_like() -> BTreeMap<String, String> {
        [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "acme/widget"),
            ("GITHUB_REF", "refs/tags/v1"),
            ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
            (
                "GITHUB_WORKFLOW_REF",
                "acme/widget/.github/workflows/r.yml@refs/tags/v1",
            ),
            ("GITHUB_RUN_ID", "7"),
            ("GITHUB_TOKEN", "ghs_secret"),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "secret"),
            ("CI_JOB_TOKEN", "secret"),
            ("HOME", "/home/runner"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    }

    #[test]
    fn ci_env_reads_only_the_ci_facts_never_a_token() {
        let all = process_like();
        let env = ci_env(|k| all.get(k).cloned());
        let names: Vec<_> = env.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "GITHUB_ACTIONS",
                "GITHUB_REF",
                "GITHUB_REPOSITORY",
                "GITHUB_RUN_ID",
                "GITHUB_SHA",
                "GITHUB_WORKFLOW_REF"
            ]
        );
        assert!(in_ci(&env));
        assert!(!in_ci(&ci_env(|_| None)));
    }

    #[test]
    fn provenance_from_the_allowed_variables_is_provenance_from_all_of_them() {
        let all = process_like();
        let subject = || vec![Subject::sha256("a", &sigil_core::Sha256Digest::of(b"a"))];
        let opts = ProvenanceOptions::default();
        let full = generate(subject(), &all, &GitFacts::default(), &opts).unwrap();
        let allowed = ci_env(|k| all.get(k).cloned());
        let narrow = generate(subject(), &allowed, &GitFacts::default(), &opts).unwrap();
        assert_eq!(full, narrow);
    }

    #[test]
    fn sources_are_described_with_the_parts_known() {
        assert_eq!(
            describe_source("git+https://x/y", None, None),
            "git+https://x/y"
        );
        assert_eq!(
            describe_source("u", Some("refs/tags/v1"), Some("abc")),
            "u @ refs/tags/v1 (commit abc)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sigil_core::Sha256Digest;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn gh_env() -> BTreeMap<String, String> {
        env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "acme/widget"),
            ("GITHUB_REF", "refs/tags/v1.2.3"),
            ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
            (
                "GITHUB_WORKFLOW_REF",
                "acme/widget/.github/workflows/release.yml@refs/tags/v1.2.3",
            ),
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_RUN_ATTEMPT", "2"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("RUNNER_ENVIRONMENT", "github-hosted"),
            ("GITHUB_REPOSITORY_ID", "7"),
        ])
    }

    fn subjects() -> Vec<Subject> {
        vec![Subject::sha256("a", &Sha256Digest::of(b"a"))]
    }

    fn check(
        e: BTreeMap<String, String>,
        git: GitFacts,
        expect: Result<
            (BuildPlatform, &str, &str, Option<(&str, Option<&str>)>),
            ProvenanceGenerateError,
        >,
    ) {
        let got = generate(subjects(), &e, &git, &ProvenanceOptions::default()).map(|g| {
            let v = view(&g.statement).unwrap();
            (
                g.platform,
                v.builder_id,
                v.build_type,
                v.trigger.map(|t| (t.uri, t.git_ref)),
            )
        });
        let expect = expect.map(|(p, b, t, tr)| {
            (
                p,
                b.to_owned(),
                t.to_owned(),
                tr.map(|(u, r)| (u.to_owned(), r.map(str::to_owned))),
            )
        });
        assert_eq!(got, expect);
    }

    #[test]
    fn github_actions_layout() {
        check(
            gh_env(),
            GitFacts::default(),
            Ok((
                BuildPlatform::GitHubActions,
                "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1.2.3",
                GITHUB_BUILD_TYPE,
                Some(("https://github.com/acme/widget", Some("refs/tags/v1.2.3"))),
            )),
        );
        let g = generate(
            subjects(),
            &gh_env(),
            &GitFacts::default(),
            &ProvenanceOptions {
                finished_on: Some(0),
                ..Default::default()
            },
        )
        .unwrap();
        let p = &g.statement.predicate;
        assert_eq!(
            p["buildDefinition"]["externalParameters"]["workflow"]["path"],
            ".github/workflows/release.yml"
        );
        assert_eq!(
            p["buildDefinition"]["internalParameters"]["github"]["runner_environment"],
            "github-hosted"
        );
        assert_eq!(
            p["buildDefinition"]["resolvedDependencies"][0]["uri"],
            "git+https://github.com/acme/widget@refs/tags/v1.2.3"
        );
        assert_eq!(
            p["runDetails"]["metadata"]["invocationId"],
            "https://github.com/acme/widget/actions/runs/42/attempts/2"
        );
        assert_eq!(
            p["runDetails"]["metadata"]["finishedOn"],
            "1970-01-01T00:00:00Z"
        );
        let mut e = gh_env();
        e.remove("GITHUB_SHA");
        check(
            e,
            GitFacts::default(),
            Err(ProvenanceGenerateError::MissingVariable {
                platform: "github-actions",
                variable: "GITHUB_SHA",
            }),
        );
    }

    #[test]
    fn gitlab_and_local() {
        let e = env(&[
            ("GITLAB_CI", "true"),
            ("CI_PROJECT_URL", "https://gitlab.com/acme/widget"),
            ("CI_COMMIT_SHA", "abc"),
            ("CI_COMMIT_REF_NAME", "main"),
            ("CI_RUNNER_ID", "12"),
            ("CI_RUNNER_VERSION", "17.0.0"),
        ]);
        check(
            e,
            GitFacts::default(),
            Ok((
                BuildPlatform::GitLabCi,
                "https://gitlab.com/acme/widget/-/runners/12",
                "https://gitlab.com/gitlab-org/gitlab-runner/-/blob/v17.0.0/PROVENANCE.md",
                Some(("https://gitlab.com/acme/widget", Some("refs/heads/main"))),
            )),
        );
        let git = GitFacts {
            remote: Some("git@github.com:acme/widget.git".into()),
            commit: Some("abc".into()),
            git_ref: Some("refs/heads/main".into()),
            dirty: true,
            checkout: Some("/src/widget".into()),
        };
        check(
            BTreeMap::new(),
            git.clone(),
            Ok((
                BuildPlatform::Local,
                LOCAL_BUILDER_ID,
                LOCAL_BUILD_TYPE,
                Some(("https://github.com/acme/widget", Some("refs/heads/main"))),
            )),
        );
        let g = generate(
            subjects(),
            &BTreeMap::new(),
            &git,
            &ProvenanceOptions::default(),
        )
        .unwrap();
        assert_eq!(
            g.statement.predicate["buildDefinition"]["externalParameters"]["source"]["dirty"],
            true
        );
        assert_eq!(
            g.statement.predicate["buildDefinition"]["internalParameters"]["checkout"],
            "file:///src/widget"
        );
        let opts = ProvenanceOptions {
            builder_id: Some("b".into()),
            build_type: Some("t".into()),
            finished_on: None,
        };
        let g = generate(subjects(), &BTreeMap::new(), &GitFacts::default(), &opts).unwrap();
        let v = view(&g.statement).unwrap();
        assert_eq!(
            (v.builder_id.as_str(), v.build_type.as_str(), v.trigger),
            ("b", "t", None)
        );
        assert_eq!(
            generate(vec![], &BTreeMap::new(), &git, &opts),
            Err(ProvenanceGenerateError::NoSubjects)
        );
    }

    #[test]
    fn remotes_and_uris() {
        assert_eq!(
            normalize_remote("https://user:tok@github.com/a/b.git"),
            "https://github.com/a/b"
        );
        assert_eq!(
            normalize_remote("ssh://git@github.com/a/b.git/"),
            "https://github.com/a/b"
        );
        assert_eq!(
            normalize_remote("git@gitlab.com:g/p.git"),
            "https://gitlab.com/g/p"
        );
        assert_eq!(
            split_git_uri("git+https://github.com/a/b@refs/heads/x@y"),
            (
                "https://github.com/a/b".into(),
                Some("refs/heads/x@y".into())
            )
        );
        assert_eq!(
            split_git_uri("git+https://u@github.com/a/b"),
            ("https://u@github.com/a/b".into(), None)
        );
        assert_eq!(
            split_git_uri("https://github.com/a/b@"),
            ("https://github.com/a/b".into(), None)
        );
    }

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
    }
}
