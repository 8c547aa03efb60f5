//! A TUF repository writer for packs.
//!
//! A repository directory holds:
//!
//! - `keys/ROLE.key`: the Ed25519 key of each top-level role (`root`, `targets`, `snapshot`,
//!   `timestamp`), one key per role, files of mode 0600 in a 0700 directory. Never publish it.
//! - `repo.json`: versions, expiry periods (days) and the targets added so far.
//! - `site/`: what a static host serves: `site/metadata/` (`N.root.json` for every root
//!   version, `root.json`, `N.targets.json`, `N.snapshot.json`, `timestamp.json`) and
//!   `site/targets/` (`SHA256.NAME`: consistent snapshots, so a client never mixes files of two
//!   publications).
//!
//! [`init`] makes the keys and root version 1; [`add`] copies packs (and their sidecar
//! signatures) into `site/targets/`; [`publish`] signs new targets, snapshot and timestamp
//! versions; [`rotate`] replaces one role's key with a new root version signed by the old and
//! the new root keys, so clients holding the old root accept it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use ed25519_dalek::{Signer as _, SigningKey};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Digest as _;
use zeroize::Zeroizing;

use crate::client::timestamp;
use crate::TufError;

/// The four top-level roles.
pub const ROLES: [&str; 4] = ["root", "targets", "snapshot", "timestamp"];

/// Default expiry periods in days: root 365, targets 90, snapshot 7, timestamp 1.
pub const DEFAULT_EXPIRY_DAYS: [(&str, u32); 4] = [
    ("root", 365),
    ("targets", 90),
    ("snapshot", 7),
    ("timestamp", 1),
];

/// The TUF specification version written into metadata.
const SPEC_VERSION: &str = "1.0.31";

/// Largest pack accepted by [`add`].
const MAX_TARGET: u64 = 4 * 1024 * 1024 * 1024;

/// One target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetEntry {
    /// Length in bytes.
    pub length: u64,
    /// SHA-256, hex.
    pub sha256: String,
    /// SHA-512, hex.
    pub sha512: String,
}

/// `repo.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepoState {
    /// Expiry period of each role, in days.
    pub expiry_days: BTreeMap<String, u32>,
    /// Current version of each role's metadata (0: never published).
    pub versions: BTreeMap<String, u64>,
    /// The targets, by target path.
    pub targets: BTreeMap<String, TargetEntry>,
}

/// What [`publish`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Versions of root, targets, snapshot and timestamp now served.
    pub versions: BTreeMap<String, u64>,
    /// Expiry of each role (RFC 3339).
    pub expires: BTreeMap<String, String>,
    /// Number of targets.
    pub targets: usize,
}

fn io(path: &Path, e: std::io::Error) -> TufError {
    TufError::setup(format!("{}: {e}", path.display()))
}

/// The `site/metadata` directory of a repository.
pub fn metadata_dir(dir: &Path) -> PathBuf {
    dir.join("site/metadata")
}

/// The `site/targets` directory of a repository.
pub fn targets_dir(dir: &Path) -> PathBuf {
    dir.join("site/targets")
}

fn write_file(path: &Path, bytes: &[u8], private: bool) -> Result<(), TufError> {
    use std::os::unix::fs::PermissionsExt as _;
    let parent = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(parent).map_err(|e| io(path, e))?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(|e| io(path, e))?;
    let mode = if private { 0o600 } else { 0o644 };
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(|e| io(path, e))?;
    tmp.persist(path).map_err(|e| io(path, e.error))?;
    Ok(())
}

/// The canonical JSON (securesystemslib/OLPC) of `value`: what TUF signatures cover.
pub fn canonical(value: &Value) -> Result<Vec<u8>, TufError> {
    sigstore_tuf::canonical_json::to_canonical_bytes(value)
        .map_err(|e| TufError::setup(format!("canonical JSON: {e}")))
}

/// The TUF key object of an Ed25519 public key.
fn key_object(key: &SigningKey) -> Value {
    json!({
        "keytype": "ed25519",
        "scheme": "ed25519",
        "keyval": { "public": sigil_core::hex::encode(key.verifying_key().as_bytes()) },
    })
}

/// The key id: SHA-256 of the key object's canonical JSON.
fn key_id(key: &SigningKey) -> Result<String, TufError> {
    Ok(crate::sha256_hex(&canonical(&key_object(key))?))
}

fn key_path(dir: &Path, role: &str) -> PathBuf {
    dir.join("keys").join(format!("{role}.key"))
}

fn load_key(dir: &Path, role: &str) -> Result<SigningKey, TufError> {
    use std::os::unix::fs::PermissionsExt as _;
    let path = key_path(dir, role);
    let meta = std::fs::metadata(&path).map_err(|e| io(&path, e))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(TufError::setup(format!(
            "{}: group or others may read this key; chmod 600 it",
            path.display()
        )));
    }
    let text = Zeroizing::new(std::fs::read_to_string(&path).map_err(|e| io(&path, e))?);
    let v: Value = serde_json::from_str(&text)
        .map_err(|_| TufError::setup(format!("{}: not a sigil TUF key", path.display())))?;
    let seed = v
        .get("ed25519_seed")
        .and_then(Value::as_str)
        .ok_or_else(|| TufError::setup(format!("{}: not a sigil TUF key", path.display())))?;
    let seed = Zeroizing::new(
        sigil_core::hex::decode_array::<32>(seed)
            .map_err(|_| TufError::setup(format!("{}: not a sigil TUF key", path.display())))?,
    );
    Ok(SigningKey::from_bytes(&seed))
}

fn new_key(dir: &Path, role: &str) -> Result<SigningKey, TufError> {
    let key = SigningKey::generate(&mut rand_core::OsRng);
    let seed = Zeroizing::new(sigil_core::hex::encode(key.as_bytes()));
    let text = Zeroizing::new(format!("{{\"ed25519_seed\":\"{}\"}}\n", seed.as_str()));
    write_file(&key_path(dir, role), text.as_bytes(), true)?;
    Ok(key)
}

fn load_state(dir: &Path) -> Result<RepoState, TufError> {
    let path = dir.join("repo.json");
    let bytes = std::fs::read(&path).map_err(|e| io(&path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| TufError::setup(format!("{}: {e}", path.display())))
}

fn save_state(dir: &Path, state: &RepoState) -> Result<(), TufError> {
    let bytes =
        serde_json::to_vec_pretty(state).map_err(|e| TufError::setup(format!("repo.json: {e}")))?;
    write_file(&dir.join("repo.json"), &bytes, false)
}

fn expires(state: &RepoState, role: &str, now: SystemTime) -> Result<String, TufError> {
    let days = state.expiry_days.get(role).copied().unwrap_or(1);
    if days == 0 {
        return Err(TufError::setup(format!(
            "repo.json: {role} expiry must be at least one day"
        )));
    }
    let now = timestamp(now)?;
    let secs = now.as_second() + i64::from(days) * 86_400;
    let t = jiff::Timestamp::from_second(secs)
        .map_err(|e| TufError::setup(format!("expiry out of range: {e}")))?;
    Ok(t.to_string())
}

/// Signs `signed` with `keys`: the metadata document.
fn sign(signed: Value, keys: &[&SigningKey]) -> Result<Vec<u8>, TufError> {
    let bytes = canonical(&signed)?;
    let mut signatures = Vec::new();
    for k in keys {
        let sig = k.sign(&bytes);
        signatures
            .push(json!({ "keyid": key_id(k)?, "sig": sigil_core::hex::encode(&sig.to_bytes()) }));
    }
    let doc = json!({ "signed": signed, "signatures": signatures });
    let mut out =
        serde_json::to_vec_pretty(&doc).map_err(|e| TufError::setup(format!("metadata: {e}")))?;
    out.push(b'\n');
    Ok(out)
}

fn root_signed(dir: &Path, version: u64, expires: &str) -> Result<Value, TufError> {
    let mut keys = serde_json::Map::new();
    let mut roles = serde_json::Map::new();
    for role in ROLES {
        let k = load_key(dir, role)?;
        let id = key_id(&k)?;
        keys.insert(id.clone(), key_object(&k));
        roles.insert(role.to_owned(), json!({ "keyids": [id], "threshold": 1 }));
    }
    Ok(json!({
        "_type": "root",
        "spec_version": SPEC_VERSION,
        "version": version,
        "expires": expires,
        "consistent_snapshot": true,
        "keys": keys,
        "roles": roles,
    }))
}

fn write_root(dir: &Path, version: u64, bytes: &[u8]) -> Result<(), TufError> {
    let meta = metadata_dir(dir);
    write_file(&meta.join(format!("{version}.root.json")), bytes, false)?;
    write_file(&meta.join("root.json"), bytes, false)
}

/// Creates a repository in `dir` (which must not exist or be empty): a key per role and root
/// version 1, valid from `now`, with the expiry periods of [`DEFAULT_EXPIRY_DAYS`] except those
/// given in `expiry_days` (role, days; at least one day). Returns the root's bytes (the root
/// clients pin).
pub fn init(
    dir: &Path,
    now: SystemTime,
    expiry_days: &[(String, u32)],
) -> Result<Vec<u8>, TufError> {
    use std::os::unix::fs::PermissionsExt as _;
    for (role, days) in expiry_days {
        if !ROLES.contains(&role.as_str()) {
            return Err(TufError::setup(format!(
                "{role:?} is not a role: root, targets, snapshot or timestamp"
            )));
        }
        if *days == 0 || *days > 36_500 {
            return Err(TufError::setup(format!(
                "{role} expiry of {days} days: give 1 to 36500"
            )));
        }
    }
    if dir.exists()
        && std::fs::read_dir(dir)
            .map_err(|e| io(dir, e))?
            .next()
            .is_some()
    {
        return Err(TufError::setup(format!(
            "{}: exists and is not empty",
            dir.display()
        )));
    }
    for d in [dir.join("keys"), metadata_dir(dir), targets_dir(dir)] {
        std::fs::create_dir_all(&d).map_err(|e| io(&d, e))?;
    }
    let keys = dir.join("keys");
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| io(&keys, e))?;
    for role in ROLES {
        new_key(dir, role)?;
    }
    let mut days: BTreeMap<String, u32> = DEFAULT_EXPIRY_DAYS
        .iter()
        .map(|(r, d)| ((*r).to_owned(), *d))
        .collect();
    for (role, d) in expiry_days {
        days.insert(role.clone(), *d);
    }
    let state = RepoState {
        expiry_days: days,
        versions: ROLES.iter().map(|r| ((*r).to_owned(), 0)).collect(),
        targets: BTreeMap::new(),
    };
    let mut state = state;
    let signed = root_signed(dir, 1, &expires(&state, "root", now)?)?;
    let root_key = load_key(dir, "root")?;
    let bytes = sign(signed, &[&root_key])?;
    write_root(dir, 1, &bytes)?;
    state.versions.insert("root".into(), 1);
    save_state(dir, &state)?;
    Ok(bytes)
}

/// Whether `name` is a usable target path: one file name, no directory, nothing hidden.
pub fn valid_target_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+'))
}

/// Adds `file` as target `name` (copied to `site/targets/SHA256.NAME`); published by the
/// next [`publish`]. Adding a name again replaces it.
pub fn add(dir: &Path, file: &Path, name: &str) -> Result<TargetEntry, TufError> {
    use std::io::Read as _;
    if !valid_target_name(name) {
        return Err(TufError::setup(format!(
            "{name:?}: a target name is one file name of letters, digits and . - _ +"
        )));
    }
    let mut state = load_state(dir)?;
    let (mut f, meta) = sigil_core::input::open(file).map_err(|e| io(file, e))?;
    if meta.len() > MAX_TARGET {
        return Err(TufError::setup(format!("{}: too large", file.display())));
    }
    let tdir = targets_dir(dir);
    let mut tmp = tempfile::NamedTempFile::new_in(&tdir).map_err(|e| io(&tdir, e))?;
    let mut s256 = sha2::Sha256::new();
    let mut s512 = sha2::Sha512::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut length = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| io(file, e))?;
        if n == 0 {
            break;
        }
        s256.update(&buf[..n]);
        s512.update(&buf[..n]);
        std::io::Write::write_all(&mut tmp, &buf[..n]).map_err(|e| io(file, e))?;
        length += n as u64;
    }
    let entry = TargetEntry {
        length,
        sha256: sigil_core::hex::encode(&s256.finalize()),
        sha512: sigil_core::hex::encode(&s512.finalize()),
    };
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| io(file, e))?;
    }
    let dest = tdir.join(format!("{}.{name}", entry.sha256));
    tmp.persist(&dest).map_err(|e| io(&dest, e.error))?;
    state.targets.insert(name.to_owned(), entry.clone());
    save_state(dir, &state)?;
    Ok(entry)
}

fn meta_entry(version: u64, bytes: &[u8]) -> Value {
    json!({
        "version": version,
        "length": bytes.len(),
        "hashes": { "sha256": crate::sha256_hex(bytes) },
    })
}

/// Signs and writes new targets, snapshot and timestamp versions (consistent snapshots).
pub fn publish(dir: &Path, now: SystemTime) -> Result<Published, TufError> {
    let mut state = load_state(dir)?;
    let meta = metadata_dir(dir);
    let version = |s: &RepoState, r: &str| s.versions.get(r).copied().unwrap_or(0) + 1;
    let mut exp = BTreeMap::new();

    let tv = version(&state, "targets");
    let targets: serde_json::Map<String, Value> = state
        .targets
        .iter()
        .map(|(name, e)| {
            (
                name.clone(),
                json!({ "length": e.length, "hashes": { "sha256": e.sha256, "sha512": e.sha512 } }),
            )
        })
        .collect();
    let t_exp = expires(&state, "targets", now)?;
    let targets_doc = sign(
        json!({
            "_type": "targets",
            "spec_version": SPEC_VERSION,
            "version": tv,
            "expires": t_exp,
            "targets": targets,
        }),
        &[&load_key(dir, "targets")?],
    )?;
    exp.insert("targets".to_owned(), t_exp);

    let sv = version(&state, "snapshot");
    let s_exp = expires(&state, "snapshot", now)?;
    let snapshot_doc = sign(
        json!({
            "_type": "snapshot",
            "spec_version": SPEC_VERSION,
            "version": sv,
            "expires": s_exp,
            "meta": { "targets.json": meta_entry(tv, &targets_doc) },
        }),
        &[&load_key(dir, "snapshot")?],
    )?;
    exp.insert("snapshot".to_owned(), s_exp);

    let tsv = version(&state, "timestamp");
    let ts_exp = expires(&state, "timestamp", now)?;
    let timestamp_doc = sign(
        json!({
            "_type": "timestamp",
            "spec_version": SPEC_VERSION,
            "version": tsv,
            "expires": ts_exp,
            "meta": { "snapshot.json": meta_entry(sv, &snapshot_doc) },
        }),
        &[&load_key(dir, "timestamp")?],
    )?;
    exp.insert("timestamp".to_owned(), ts_exp);

    // Order matters to a client reading while we write: targets and snapshot first (new
    // names), the timestamp that points at them last.
    write_file(
        &meta.join(format!("{tv}.targets.json")),
        &targets_doc,
        false,
    )?;
    write_file(
        &meta.join(format!("{sv}.snapshot.json")),
        &snapshot_doc,
        false,
    )?;
    write_file(&meta.join("timestamp.json"), &timestamp_doc, false)?;
    state.versions.insert("targets".into(), tv);
    state.versions.insert("snapshot".into(), sv);
    state.versions.insert("timestamp".into(), tsv);
    save_state(dir, &state)?;

    let root_path = meta.join("root.json");
    let root_bytes = std::fs::read(&root_path).map_err(|e| io(&root_path, e))?;
    let root: Value = serde_json::from_slice(&root_bytes)
        .map_err(|e| TufError::setup(format!("{}: {e}", root_path.display())))?;
    if let Some(e) = root["signed"]["expires"].as_str() {
        exp.insert("root".to_owned(), e.to_owned());
    }
    Ok(Published {
        versions: state.versions.clone(),
        expires: exp,
        targets: state.targets.len(),
    })
}

/// Replaces `role`'s key with a new one and writes the next root version, signed by the
/// current root key and (for a root rotation) the new one, as TUF requires. Publish afterwards
/// so the other roles are signed by their current keys. The old key is kept as
/// `keys/ROLE.key.retired-N` (root version N that retired it) until the operator deletes it.
pub fn rotate(dir: &Path, role: &str, now: SystemTime) -> Result<Vec<u8>, TufError> {
    if !ROLES.contains(&role) {
        return Err(TufError::setup(format!(
            "{role:?} is not a role: root, targets, snapshot or timestamp"
        )));
    }
    let mut state = load_state(dir)?;
    let next = state.versions.get("root").copied().unwrap_or(0) + 1;
    let old_root = load_key(dir, "root")?;
    let path = key_path(dir, role);
    let retired = dir.join("keys").join(format!("{role}.key.retired-{next}"));
    std::fs::rename(&path, &retired).map_err(|e| io(&path, e))?;
    if let Err(e) = new_key(dir, role) {
        let _ = std::fs::rename(&retired, &path);
        return Err(e);
    }
    let signed = root_signed(dir, next, &expires(&state, "root", now)?)?;
    let bytes = if role == "root" {
        let new_root = load_key(dir, "root")?;
        sign(signed, &[&old_root, &new_root])?
    } else {
        sign(signed, &[&old_root])?
    };
    write_root(dir, next, &bytes)?;
    state.versions.insert("root".into(), next);
    save_state(dir, &state)?;
    Ok(bytes)
}

/// Signs `signed` (the `signed` object of a role's metadata) with `role`'s current key and
/// returns the metadata document; writes nothing. For tools that edit metadata by hand, and
/// for tests that replay a repository's past.
pub fn sign_as(dir: &Path, role: &str, signed: &Value) -> Result<Vec<u8>, TufError> {
    if !ROLES.contains(&role) {
        return Err(TufError::setup(format!("{role:?} is not a role")));
    }
    sign(signed.clone(), &[&load_key(dir, role)?])
}

/// Sidecars added with a pack when they exist beside it: those `sigil install` looks for
/// (`NAME.minisig`, numbered `NAME.N.minisig`, the bundle and the attestations).
pub const SIDECARS: &[&str] = &[
    ".minisig",
    ".1.minisig",
    ".2.minisig",
    ".3.minisig",
    ".4.minisig",
    ".5.minisig",
    ".6.minisig",
    ".7.minisig",
    ".8.minisig",
    ".9.minisig",
    ".sigstore.json",
    ".intoto.jsonl",
];

/// Adds the pack `file` under its file name, and each of its [`SIDECARS`] that exists beside
/// it, with [`add`]; returns the target names and entries in that order.
pub fn add_pack(dir: &Path, file: &Path) -> Result<Vec<(String, TargetEntry)>, TufError> {
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| TufError::setup(format!("{}: no file name", file.display())))?;
    let mut files = vec![(file.to_owned(), name.to_owned())];
    for ext in SIDECARS {
        let side = file.with_file_name(format!("{name}{ext}"));
        if side.is_file() {
            files.push((side, format!("{name}{ext}")));
        }
    }
    files
        .into_iter()
        .map(|(path, target)| add(dir, &path, &target).map(|e| (target, e)))
        .collect()
}

/// [`add_pack`] for each pack in order, stopping at the first that fails.
pub fn add_packs(dir: &Path, packs: &[PathBuf]) -> Result<Vec<(String, TargetEntry)>, TufError> {
    let mut added = Vec::new();
    for pack in packs {
        added.extend(add_pack(dir, pack)?);
    }
    Ok(added)
}

/// Parses an expiry given as `ROLE=DAYS` (for [`init`], which checks role and range).
pub fn parse_expiry(spec: &str) -> Result<(String, u32), TufError> {
    spec.split_once('=')
        .and_then(|(r, d)| Some((r.to_owned(), d.parse::<u32>().ok()?)))
        .ok_or_else(|| {
            TufError::setup(format!(
                "--expiry {spec}: expected ROLE=DAYS, e.g. timestamp=2"
            ))
        })
}

/// The `signed.version` of a root document [`init`] or [`rotate`] returned (0 if absent).
pub fn root_version(root: &[u8]) -> u64 {
    serde_json::from_slice::<Value>(root)
        .ok()
        .and_then(|v| v["signed"]["version"].as_u64())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> SystemTime {
        SystemTime::from("2026-12-02T10:00:00Z".parse::<jiff::Timestamp>().unwrap())
    }

    #[test]
    fn a_new_repository_has_a_self_signed_root_and_private_keys() {
        use std::os::unix::fs::PermissionsExt as _;
        sigil_sigstore::install_crypto_provider();
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("repo");
        let root = init(&dir, now(), &[("root".into(), 30)]).unwrap();
        let set = sigstore_tuf::TrustedMetadataSet::from_root(&root).unwrap();
        assert_eq!(set.root().version, 1);
        assert_eq!(set.root().expires.to_string(), "2027-01-01T10:00:00Z");
        for role in ROLES {
            let m = std::fs::metadata(key_path(&dir, role)).unwrap();
            assert_eq!(m.permissions().mode() & 0o777, 0o600);
        }
        assert!(init(&dir, now(), &[]).is_err(), "a second init refuses");
        let other = d.path().join("other");
        assert!(init(&other, now(), &[("timestamp".into(), 0)]).is_err());
        assert!(init(&other, now(), &[("mirror".into(), 1)]).is_err());
    }

    #[test]
    fn rotation_signs_the_new_root_with_old_and_new_keys() {
        sigil_sigstore::install_crypto_provider();
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("repo");
        let root1 = init(&dir, now(), &[]).unwrap();
        let root2 = rotate(&dir, "root", now()).unwrap();
        let mut set = sigstore_tuf::TrustedMetadataSet::from_root(&root1).unwrap();
        set.update_root(&root2).unwrap();
        assert_eq!(set.root().version, 2);
        let v: Value = serde_json::from_slice(&root2).unwrap();
        assert_eq!(v["signatures"].as_array().unwrap().len(), 2);
        assert!(rotate(&dir, "nobody", now()).is_err());
        assert_eq!((root_version(&root1), root_version(&root2)), (1, 2));
        assert_eq!(root_version(b"not json"), 0);
    }

    #[test]
    fn a_pack_is_added_with_the_sidecars_beside_it() {
        sigil_sigstore::install_crypto_provider();
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("repo");
        init(&dir, now(), &[]).unwrap();
        let pack = d.path().join("data-1.0.tar.gz");
        for (p, body) in [
            ("data-1.0.tar.gz", "pack"),
            ("data-1.0.tar.gz.minisig", "sig"),
            ("data-1.0.tar.gz.2.minisig", "sig2"),
            ("data-1.0.tar.gz.other", "no"),
        ] {
            std::fs::write(d.path().join(p), body).unwrap();
        }
        let added = add_pack(&dir, &pack).unwrap();
        let names: Vec<_> = added.iter().map(|(n, e)| (n.as_str(), e.length)).collect();
        assert_eq!(
            names,
            [
                ("data-1.0.tar.gz", 4),
                ("data-1.0.tar.gz.minisig", 3),
                ("data-1.0.tar.gz.2.minisig", 4)
            ]
        );
        std::fs::write(d.path().join("b.tar.gz"), "b").unwrap();
        let both = add_packs(&dir, &[d.path().join("b.tar.gz"), pack.clone()]).unwrap();
        assert_eq!(both.len(), 4);
        assert_eq!(both[0].0, "b.tar.gz");
        let missing = add_packs(&dir, &[d.path().join("gone.tar.gz"), pack]);
        assert!(missing.is_err(), "the first pack that fails stops the rest");
    }

    #[test]
    fn expiries_are_role_equals_days() {
        assert_eq!(
            parse_expiry("timestamp=2").unwrap(),
            ("timestamp".to_owned(), 2)
        );
        for bad in ["timestamp", "timestamp=", "timestamp=-1", "=x"] {
            let e = parse_expiry(bad).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("--expiry {bad}: expected ROLE=DAYS, e.g. timestamp=2")
            );
        }
    }

    #[test]
    fn target_names_are_single_plain_file_names() {
        assert!(valid_target_name("data-1.2.0.tar.gz"));
        for bad in ["", ".hidden", "a/b", "../x", "a b", "a\nb"] {
            assert!(!valid_target_name(bad), "{bad:?}");
        }
    }
}
