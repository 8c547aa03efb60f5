//! An SBOM for a Cargo workspace from `cargo metadata` (run by the caller, ideally with
//! `--locked --filter-platform <host>`) and the text of its `Cargo.lock`.
//!
//! The root is the workspace's root package, or for a virtual workspace a component named
//! after the workspace directory that depends on every member. Components are every package
//! reachable from a workspace member through normal and build dependencies (and dev
//! dependencies of members when asked), each with a purl, the Cargo.lock SHA-256, the licence
//! as an SPDX expression, authors, repository and home page. A package reached only through
//! build scripts or procedural macros is marked as a build dependency.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use cargo_metadata::camino::{Utf8Component, Utf8Path};
use cargo_metadata::{DependencyKind as CargoKind, Metadata, Package, PackageId};

use crate::lockfile::{Lockfile, LockfileParseError};
use crate::model::{unique_ref, Author, Component, ComponentKind, DependencyKind, Sbom};
use crate::{license, purl};

/// What to include.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CargoOptions {
    /// Also include dev-dependencies of workspace members (and what they pull in).
    pub include_dev: bool,
}

/// Building a workspace SBOM failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CargoSbomError {
    /// `Cargo.lock` could not be parsed.
    #[error("cannot read Cargo.lock")]
    Lockfile(#[source] LockfileParseError),
    /// The metadata has no `resolve` section (`cargo metadata --no-deps`).
    #[error("cargo metadata has no dependency resolution")]
    NoResolve,
    /// The resolve graph names a package the metadata does not describe.
    #[error("cargo metadata names package `{id}` but does not describe it")]
    UnknownPackage {
        /// Cargo's package id.
        id: String,
    },
    /// A resolved package is not in `Cargo.lock`: the lock file does not match the metadata.
    #[error("{name} {version} is resolved but not in Cargo.lock")]
    NotLocked {
        /// Package name.
        name: String,
        /// Package version.
        version: String,
    },
    /// The workspace has no members.
    #[error("the workspace has no members")]
    NoMembers,
}

/// crates.io through the git index or the sparse protocol.
fn is_crates_io(source: &str) -> bool {
    source == "registry+https://github.com/rust-lang/crates.io-index"
        || source == "sparse+https://index.crates.io/"
}

/// `dir` relative to `base`, lexically, with `/` separators; `.` when equal.
fn relative(dir: &Utf8Path, base: &Utf8Path) -> String {
    let d: Vec<Utf8Component<'_>> = dir.components().collect();
    let b: Vec<Utf8Component<'_>> = base.components().collect();
    let common = d.iter().zip(b.iter()).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<&str> = vec![".."; b.len() - common];
    parts.extend(d[common..].iter().map(|c| c.as_str()));
    if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    }
}

/// The purl and SPDX download location for a package, from where it comes from.
pub fn locate(
    name: &str,
    version: &str,
    source: Option<&str>,
    local_dir: Option<&str>,
) -> (String, Option<String>) {
    match source {
        Some(s) if is_crates_io(s) => (
            purl::cargo(name, Some(version), &[]),
            Some(format!(
                "https://crates.io/api/v1/crates/{name}/{version}/download"
            )),
        ),
        Some(s) if s.starts_with("registry+") || s.starts_with("sparse+") => {
            let url = s.split_once('+').map_or(s, |(_, u)| u);
            (
                purl::cargo(name, Some(version), &[("repository_url", url)]),
                None,
            )
        }
        Some(s) if s.starts_with("git+") => {
            // git+URL?query#COMMIT -> git+URL@COMMIT (pip and SPDX VCS syntax).
            let (url, commit) = s.split_once('#').map_or((s, None), |(u, c)| (u, Some(c)));
            let url = url.split_once('?').map_or(url, |(u, _)| u);
            let vcs = match commit {
                Some(c) => format!("{url}@{c}"),
                None => url.to_owned(),
            };
            (
                purl::cargo(name, Some(version), &[("vcs_url", &vcs)]),
                Some(vcs),
            )
        }
        Some(_) => (purl::cargo(name, Some(version), &[]), None),
        None => {
            let q: Vec<(&str, String)> = local_dir
                .map(|d| ("download_url", format!("file://{d}")))
                .into_iter()
                .collect();
            let q: Vec<(&str, &str)> = q.iter().map(|(k, v)| (*k, v.as_str())).collect();
            (purl::cargo(name, Some(version), &q), None)
        }
    }
}

fn edge_kinds(dep: &cargo_metadata::NodeDep) -> Vec<DependencyKind> {
    if dep.dep_kinds.is_empty() {
        // Cargo before 1.41 wrote no kinds: assume normal.
        return vec![DependencyKind::Normal];
    }
    dep.dep_kinds
        .iter()
        .map(|k| match k.kind {
            CargoKind::Build => DependencyKind::Build,
            CargoKind::Development => DependencyKind::Dev,
            // Normal, and anything newer Cargo invents: assume it ships.
            _ => DependencyKind::Normal,
        })
        .collect()
}

fn component(
    pkg: &Package,
    workspace_root: &Utf8Path,
    lock: &Lockfile,
    member: bool,
) -> Result<Component, CargoSbomError> {
    let name: &str = pkg.name.as_ref();
    let version = pkg.version.to_string();
    let source = pkg.source.as_ref().map(|s| s.repr.as_str());
    let local_dir = match (source, pkg.manifest_path.parent()) {
        (None, Some(dir)) => Some(relative(dir, workspace_root)),
        _ => None,
    };
    let (purl, download) = locate(name, &version, source, local_dir.as_deref());
    let sha256 = *lock
        .get(name, &version, source)
        .ok_or_else(|| CargoSbomError::NotLocked {
            name: name.to_owned(),
            version: version.clone(),
        })?;
    let kind = if member && pkg.targets.iter().any(|t| t.is_bin()) {
        ComponentKind::Application
    } else {
        ComponentKind::Library
    };
    let mut c = Component::new(purl.clone(), kind, name);
    c.version = Some(version);
    c.description = pkg
        .description
        .as_deref()
        .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|d| !d.is_empty());
    c.purl = Some(purl);
    c.sha256 = sha256;
    c.license = pkg.license.as_deref().and_then(license::from_cargo);
    c.authors = pkg
        .authors
        .iter()
        .filter_map(|a| Author::parse(a))
        .collect();
    c.repository = pkg.repository.clone().filter(|r| !r.trim().is_empty());
    c.homepage = pkg.homepage.clone().filter(|r| !r.trim().is_empty());
    c.download_location = download;
    Ok(c)
}

/// Builds the SBOM of a workspace.
pub fn from_metadata(
    meta: &Metadata,
    lock_text: &str,
    opts: &CargoOptions,
) -> Result<Sbom, CargoSbomError> {
    let lock = Lockfile::parse(lock_text).map_err(CargoSbomError::Lockfile)?;
    let resolve = meta.resolve.as_ref().ok_or(CargoSbomError::NoResolve)?;
    let packages: HashMap<&PackageId, &Package> =
        meta.packages.iter().map(|p| (&p.id, p)).collect();
    let nodes: HashMap<&PackageId, &cargo_metadata::Node> =
        resolve.nodes.iter().map(|n| (&n.id, n)).collect();
    let pkg = |id: &PackageId| {
        packages
            .get(id)
            .copied()
            .ok_or_else(|| CargoSbomError::UnknownPackage {
                id: id.repr.clone(),
            })
    };
    let mut members: Vec<&PackageId> = meta.workspace_members.iter().collect();
    members.sort();
    members.dedup();
    if members.is_empty() {
        return Err(CargoSbomError::NoMembers);
    }
    let is_member = |id: &PackageId| members.binary_search(&id).is_ok();
    let proc_macro = |p: &Package| p.targets.iter().any(|t| t.is_proc_macro());

    // How each package is reached: the strongest kind over all paths from a member, where a
    // path is as weak as its weakest edge and a procedural macro counts as a build edge.
    let mut reach: BTreeMap<&PackageId, DependencyKind> = members
        .iter()
        .map(|id| (*id, DependencyKind::Normal))
        .collect();
    let mut queue: VecDeque<&PackageId> = members.iter().copied().collect();
    while let Some(id) = queue.pop_front() {
        let Some(&here) = reach.get(id) else { continue };
        let Some(node) = nodes.get(id) else { continue };
        for dep in &node.deps {
            let target = pkg(&dep.pkg)?;
            for k in edge_kinds(dep) {
                if k == DependencyKind::Dev && !(opts.include_dev && is_member(id)) {
                    continue;
                }
                let k = if k == DependencyKind::Normal && proc_macro(target) {
                    DependencyKind::Build
                } else {
                    k
                };
                let via = here.max(k);
                let better = reach.get(&dep.pkg).is_none_or(|&old| via < old);
                if better && !is_member(&dep.pkg) {
                    reach.insert(&dep.pkg, via);
                    queue.push_back(&dep.pkg);
                }
            }
        }
    }

    let root_id = resolve.root.as_ref().filter(|r| is_member(r));
    let mut taken = BTreeSet::new();
    let mut refs: HashMap<&PackageId, String> = HashMap::new();
    let mut components = Vec::new();
    let mut root = None;
    // Stable order: by name, version, then id, so references are assigned deterministically.
    let mut order: Vec<&PackageId> = reach.keys().copied().collect();
    order.sort_by(|a, b| {
        let (pa, pb) = (packages.get(a), packages.get(b));
        let ka = pa.map(|p| (p.name.as_str(), &p.version));
        let kb = pb.map(|p| (p.name.as_str(), &p.version));
        ka.cmp(&kb).then_with(|| a.cmp(b))
    });
    for id in order {
        let p = pkg(id)?;
        let mut c = component(p, &meta.workspace_root, &lock, is_member(id))?;
        c.bom_ref = unique_ref(&mut taken, c.bom_ref);
        refs.insert(id, c.bom_ref.clone());
        if Some(id) == root_id {
            root = Some(c);
        } else {
            c.reached_as = reach.get(id).copied();
            components.push(c);
        }
    }

    let mut dependencies: BTreeMap<String, BTreeMap<String, DependencyKind>> = BTreeMap::new();
    for (id, from) in &refs {
        let mut tos = BTreeMap::new();
        if let Some(node) = nodes.get(id) {
            for dep in &node.deps {
                let Some(to) = refs.get(&dep.pkg) else {
                    continue;
                };
                let kinds = edge_kinds(dep)
                    .into_iter()
                    .filter(|k| *k != DependencyKind::Dev || (opts.include_dev && is_member(id)));
                if let Some(k) = kinds.min() {
                    tos.insert(to.clone(), k);
                }
            }
        }
        dependencies.insert(from.clone(), tos);
    }

    let root = match root {
        Some(r) => r,
        None => {
            // A virtual workspace: the workspace itself, depending on every member.
            let name = meta
                .workspace_root
                .file_name()
                .unwrap_or("workspace")
                .to_owned();
            let bom_ref = unique_ref(&mut taken, format!("workspace:{name}"));
            let mut r = Component::new(bom_ref.clone(), ComponentKind::Application, name);
            r.purl = None;
            let tos = members
                .iter()
                .filter_map(|m| refs.get(m))
                .map(|r| (r.clone(), DependencyKind::Normal))
                .collect();
            dependencies.insert(bom_ref, tos);
            r
        }
    };
    Ok(Sbom {
        root,
        components,
        dependencies,
        contains: BTreeSet::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";
    const SUM: &str = "1111111111111111111111111111111111111111111111111111111111111111";

    fn id(name: &str) -> String {
        format!("{name} 1.0.0")
    }

    /// A package: (name, directory or None for crates.io, target kind).
    fn package(name: &str, dir: Option<&str>, kind: &str) -> serde_json::Value {
        let manifest = format!(
            "{}/Cargo.toml",
            dir.map_or_else(|| format!("/registry/{name}"), str::to_owned)
        );
        serde_json::json!({
            "name": name, "version": "1.0.0", "id": id(name),
            "source": if dir.is_some() { serde_json::Value::Null } else { CRATES_IO.into() },
            "authors": ["Jane Doe <jane@example.org>"], "license": "MIT/Apache-2.0",
            "dependencies": [], "features": {}, "manifest_path": manifest,
            "targets": [{"name": name, "kind": [kind], "src_path": "/src/lib.rs"}],
        })
    }

    fn dep(name: &str, kinds: &[&str]) -> serde_json::Value {
        let kinds: Vec<_> = kinds.iter().map(|k| serde_json::json!({"kind": if *k == "normal" { serde_json::Value::Null } else { (*k).into() }, "target": null})).collect();
        serde_json::json!({"name": name, "pkg": id(name), "dep_kinds": kinds})
    }

    /// app (root, bin) -> helper (member), serde, cc [build], pm [proc-macro], tst [dev];
    /// pm -> syn; helper -> outside (a path dependency outside the workspace); tst -> tdep.
    fn metadata(root: bool) -> cargo_metadata::Metadata {
        let packages = vec![
            package("app", Some("/w"), "bin"),
            package("helper", Some("/w/crates/helper"), "lib"),
            package("outside", Some("/elsewhere/outside"), "lib"),
            package("serde", None, "lib"),
            package("cc", None, "lib"),
            package("pm", None, "proc-macro"),
            package("syn", None, "lib"),
            package("tst", None, "lib"),
            package("tdep", None, "lib"),
        ];
        let node = |name: &str, deps: Vec<serde_json::Value>| serde_json::json!({"id": id(name), "deps": deps, "dependencies": [], "features": []});
        let nodes = vec![
            node(
                "app",
                vec![
                    dep("helper", &["normal"]),
                    dep("serde", &["normal"]),
                    dep("cc", &["build"]),
                    dep("pm", &["normal"]),
                    dep("tst", &["dev"]),
                ],
            ),
            node("helper", vec![dep("outside", &["normal"])]),
            node("outside", vec![]),
            node("serde", vec![]),
            node("cc", vec![]),
            node("pm", vec![dep("syn", &["normal"])]),
            node("syn", vec![]),
            node("tst", vec![dep("tdep", &["normal"])]),
            node("tdep", vec![]),
        ];
        let v = serde_json::json!({
            "packages": packages, "workspace_members": [id("app"), id("helper")],
            "resolve": {"nodes": nodes, "root": if root { id("app").into() } else { serde_json::Value::Null }},
            "workspace_root": "/w", "target_directory": "/w/target", "version": 1,
        });
        serde_json::from_value(v).expect("fixture metadata")
    }

    fn lock(skip: &str) -> String {
        let mut s = String::from("version = 4\n");
        for n in ["app", "helper", "outside"] {
            s.push_str(&format!(
                "[[package]]\nname = \"{n}\"\nversion = \"1.0.0\"\n"
            ));
        }
        for n in ["serde", "cc", "pm", "syn", "tst", "tdep"]
            .into_iter()
            .filter(|n| *n != skip)
        {
            s.push_str(&format!("[[package]]\nname = \"{n}\"\nversion = \"1.0.0\"\nsource = \"{CRATES_IO}\"\nchecksum = \"{SUM}\"\n"));
        }
        s
    }

    /// Components as `name:kind:reach:sha?`, then the root's name and dependencies.
    fn check(
        root: bool,
        include_dev: bool,
        skip: &str,
        expect: Result<(Vec<&str>, &str, Vec<&str>), &str>,
    ) {
        let got = from_metadata(&metadata(root), &lock(skip), &CargoOptions { include_dev })
            .map_err(|e| e.to_string())
            .map(|s| {
                let comps = s
                    .components
                    .iter()
                    .map(|c| {
                        let reach = c.reached_as.map_or("-", DependencyKind::as_str);
                        format!(
                            "{}:{:?}:{reach}:{}",
                            c.name,
                            c.kind,
                            if c.sha256.is_some() { "sha" } else { "-" }
                        )
                    })
                    .collect::<Vec<_>>();
                let deps = s
                    .dependencies
                    .get(&s.root.bom_ref)
                    .map(|m| {
                        m.iter()
                            .map(|(r, k)| format!("{r} {}", k.as_str()))
                            .collect()
                    })
                    .unwrap_or_default();
                (comps, s.root.name.clone(), deps)
            });
        let want = expect.map(|(c, r, d)| {
            (
                c.into_iter().map(str::to_owned).collect::<Vec<_>>(),
                r.to_owned(),
                d.into_iter().map(str::to_owned).collect::<Vec<_>>(),
            )
        });
        assert_eq!(got, want.map_err(str::to_owned));
    }

    #[test]
    fn walks_normal_and_build_dependencies() {
        check(
            true,
            false,
            "",
            Ok((
                vec![
                    "cc:Library:build:sha",
                    "helper:Library:normal:-",
                    "outside:Library:normal:-",
                    "pm:Library:build:sha",
                    "serde:Library:normal:sha",
                    "syn:Library:build:sha",
                ],
                "app",
                vec![
                    "pkg:cargo/cc@1.0.0 build",
                    "pkg:cargo/helper@1.0.0?download_url=file://crates/helper normal",
                    "pkg:cargo/pm@1.0.0 normal",
                    "pkg:cargo/serde@1.0.0 normal",
                ],
            )),
        );
    }

    #[test]
    fn dev_dependencies_only_when_asked() {
        let got = from_metadata(
            &metadata(true),
            &lock(""),
            &CargoOptions { include_dev: true },
        )
        .map_err(|e| e.to_string());
        let names = got.map(|s| {
            s.components
                .iter()
                .map(|c| {
                    format!(
                        "{}:{}",
                        c.name,
                        c.reached_as.map_or("-", DependencyKind::as_str)
                    )
                })
                .collect::<Vec<_>>()
        });
        assert_eq!(
            names,
            Ok([
                "cc:build",
                "helper:normal",
                "outside:normal",
                "pm:build",
                "serde:normal",
                "syn:build",
                "tdep:dev",
                "tst:dev"
            ]
            .map(str::to_owned)
            .to_vec())
        );
    }

    #[test]
    fn virtual_workspaces_get_a_synthetic_root() {
        check(
            false,
            false,
            "",
            Ok((
                vec![
                    "app:Application:normal:-",
                    "cc:Library:build:sha",
                    "helper:Library:normal:-",
                    "outside:Library:normal:-",
                    "pm:Library:build:sha",
                    "serde:Library:normal:sha",
                    "syn:Library:build:sha",
                ],
                "w",
                vec![
                    "pkg:cargo/app@1.0.0?download_url=file://. normal",
                    "pkg:cargo/helper@1.0.0?download_url=file://crates/helper normal",
                ],
            )),
        );
    }

    #[test]
    fn everything_must_be_locked() {
        check(
            true,
            false,
            "serde",
            Err("serde 1.0.0 is resolved but not in Cargo.lock"),
        );
        // Unreached packages need not be locked.
        check(
            true,
            false,
            "tdep",
            Ok((
                vec![
                    "cc:Library:build:sha",
                    "helper:Library:normal:-",
                    "outside:Library:normal:-",
                    "pm:Library:build:sha",
                    "serde:Library:normal:sha",
                    "syn:Library:build:sha",
                ],
                "app",
                vec![
                    "pkg:cargo/cc@1.0.0 build",
                    "pkg:cargo/helper@1.0.0?download_url=file://crates/helper normal",
                    "pkg:cargo/pm@1.0.0 normal",
                    "pkg:cargo/serde@1.0.0 normal",
                ],
            )),
        );
        let mut m = metadata(true);
        m.resolve = None;
        assert_eq!(
            from_metadata(&m, &lock(""), &CargoOptions::default())
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err("cargo metadata has no dependency resolution".to_owned())
        );
    }

    #[test]
    fn paths_outside_the_workspace_stay_relative() {
        let s = from_metadata(&metadata(true), &lock(""), &CargoOptions::default())
            .map_err(|e| e.to_string());
        let outside = s.map(|s| {
            s.components
                .iter()
                .find(|c| c.name == "outside")
                .and_then(|c| c.purl.clone())
        });
        assert_eq!(
            outside,
            Ok(Some(
                "pkg:cargo/outside@1.0.0?download_url=file://../elsewhere/outside".to_owned()
            ))
        );
    }

    fn check_relative(dir: &str, base: &str, expect: &str) {
        assert_eq!(relative(Utf8Path::new(dir), Utf8Path::new(base)), expect);
    }

    #[test]
    fn relative_paths_are_lexical() {
        check_relative("/w", "/w", ".");
        check_relative("/w/crates/core", "/w", "crates/core");
        check_relative("/elsewhere/x", "/w/ws", "../../elsewhere/x");
        check_relative("/w/a", "/w/b", "../a");
    }

    fn check_locate(source: Option<&str>, dir: Option<&str>, expect: (&str, Option<&str>)) {
        let (p, d) = locate("x", "1.0.0", source, dir);
        assert_eq!((p.as_str(), d.as_deref()), expect);
    }

    #[test]
    fn locates_sources() {
        check_locate(
            Some("registry+https://github.com/rust-lang/crates.io-index"),
            None,
            (
                "pkg:cargo/x@1.0.0",
                Some("https://crates.io/api/v1/crates/x/1.0.0/download"),
            ),
        );
        check_locate(
            Some("sparse+https://index.crates.io/"),
            None,
            (
                "pkg:cargo/x@1.0.0",
                Some("https://crates.io/api/v1/crates/x/1.0.0/download"),
            ),
        );
        check_locate(
            Some("sparse+https://r.example/index/"),
            None,
            (
                "pkg:cargo/x@1.0.0?repository_url=https://r.example/index/",
                None,
            ),
        );
        check_locate(
            Some("git+https://github.com/o/r?branch=main#0123abcd"),
            None,
            (
                "pkg:cargo/x@1.0.0?vcs_url=git%2Bhttps://github.com/o/r%400123abcd",
                Some("git+https://github.com/o/r@0123abcd"),
            ),
        );
        check_locate(
            None,
            Some("crates/x"),
            ("pkg:cargo/x@1.0.0?download_url=file://crates/x", None),
        );
        check_locate(None, None, ("pkg:cargo/x@1.0.0", None));
    }
}
