//! The Python wheel: `sigil-VERSION-py3-none-PLATFORM.whl` carrying an already-built sigil binary
//! as `sigil-VERSION.data/scripts/sigil`, the layout maturin's `bindings = "bin"` writes, so
//! `pip install` puts `sigil` on the venv's PATH.
//!
//! The wheel is assembled here from the release binary instead of built by maturin: the project
//! builds sigil once per release and reuses that binary for the archive, the wheel and the
//! benchmarks, so the wheel holds exactly the bytes the archive holds and the attestations
//! describe (a second build by maturin would be a second binary to reproduce and attest).
//!
//! The zip is deterministic: fixed entry order, timestamps 1980-01-01 (the zip epoch), fixed
//! modes and compression. Only std, anyhow, sha2, base64 and zip are used, so
//! `tests/it/adoption.rs` compiles this file (`#[path]`) and tests the code the release runs.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context as _, Result};
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

/// The oldest glibc a manylinux tag names here (manylinux2014), even if the binary needs less.
const MIN_GLIBC_MINOR: u32 = 17;

/// The highest `GLIBC_2.N` symbol version named in a binary (its dynamic string table lists
/// the versions it needs), or None for a binary that names none.
pub fn glibc_minor(binary: &[u8]) -> Option<u32> {
    let needle = b"GLIBC_2.";
    let mut best = None;
    let mut i = 0;
    while let Some(pos) = binary[i..].windows(needle.len()).position(|w| w == needle) {
        let start = i + pos + needle.len();
        let digits: Vec<u8> = binary[start..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .copied()
            .collect();
        if let Some(n) = std::str::from_utf8(&digits)
            .ok()
            .and_then(|s| s.parse::<u32>().ok())
        {
            best = best.max(Some(n));
        }
        i = start;
    }
    best
}

/// The wheel platform tag for a Rust target triple (and, on glibc Linux, the glibc the binary
/// needs), as maturin and auditwheel name them.
pub fn platform_tag(target: &str, binary: &[u8]) -> Result<String> {
    let arch = target.split('-').next().unwrap_or("");
    let tag = match target {
        t if t.ends_with("-unknown-linux-gnu") => {
            let minor = glibc_minor(binary)
                .context("a glibc Linux binary that names no GLIBC_2.x symbol version")?
                .max(MIN_GLIBC_MINOR);
            format!("manylinux_2_{minor}_{arch}")
        }
        t if t.ends_with("-unknown-linux-musl") => format!("musllinux_1_2_{arch}"),
        "x86_64-apple-darwin" => "macosx_10_12_x86_64".to_owned(),
        "aarch64-apple-darwin" => "macosx_11_0_arm64".to_owned(),
        "x86_64-pc-windows-msvc" => "win_amd64".to_owned(),
        "aarch64-pc-windows-msvc" => "win_arm64".to_owned(),
        other => bail!("no wheel platform tag known for target {other}"),
    };
    Ok(tag)
}

fn record_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!(
        "sha256={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    )
}

/// What goes into a wheel.
pub struct Spec<'a> {
    /// Package version (PEP 440; sigil's SemVer versions without pre-release tags are).
    pub version: &'a str,
    /// Rust target triple the binary was built for.
    pub target: &'a str,
    /// The sigil binary.
    pub binary: &'a Path,
    /// LICENSE text.
    pub license: &'a Path,
    /// Output directory; the wheel's file name follows the wheel spec.
    pub out_dir: &'a Path,
}

/// Writes the wheel; returns its path.
pub fn build(spec: &Spec<'_>) -> Result<PathBuf> {
    let v = spec.version;
    ensure!(
        !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'),
        "version {v:?} is not a plain PEP 440 release version"
    );
    let binary =
        std::fs::read(spec.binary).with_context(|| format!("reading {}", spec.binary.display()))?;
    let license = std::fs::read(spec.license)
        .with_context(|| format!("reading {}", spec.license.display()))?;
    let tag = format!("py3-none-{}", platform_tag(spec.target, &binary)?);
    let exe = if spec.target.contains("-windows-") {
        "sigil.exe"
    } else {
        "sigil"
    };
    let data = format!("sigil-{v}.data");
    let info = format!("sigil-{v}.dist-info");
    let metadata = format!(
        "Metadata-Version: 2.1\n\
         Name: sigil\n\
         Version: {v}\n\
         Summary: Signed releases and supply-chain checks: sign, checksum, attest, and verify before install or run\n\
         License: MIT\n\
         Project-URL: Source, https://github.com/sigil-project/sigil\n\
         Project-URL: Security, https://github.com/sigil-project/sigil/blob/main/SECURITY.md\n\
         \n\
         The sigil command-line tool (a Rust binary) for Python projects: `pip install` puts\n\
         `sigil` on PATH. This wheel carries the same binary as the release archive\n\
         sigil-{v}-{target}.tar.gz; both are listed in the release's signed SHA256SUMS.\n",
        target = spec.target
    );
    let wheel =
        format!("Wheel-Version: 1.0\nGenerator: sigil xtask\nRoot-Is-Purelib: false\nTag: {tag}\n");
    // (name, bytes, mode), in the order written; RECORD last, as the wheel spec asks.
    let entries: Vec<(String, Vec<u8>, u32)> = vec![
        (format!("{data}/scripts/{exe}"), binary, 0o755),
        (format!("{info}/LICENSE"), license, 0o644),
        (format!("{info}/METADATA"), metadata.into_bytes(), 0o644),
        (format!("{info}/WHEEL"), wheel.into_bytes(), 0o644),
    ];
    let mut record = String::new();
    for (name, bytes, _) in &entries {
        record.push_str(&format!("{name},{},{}\n", record_hash(bytes), bytes.len()));
    }
    record.push_str(&format!("{info}/RECORD,,\n"));

    let path = spec.out_dir.join(format!("sigil-{v}-{tag}.whl"));
    let file =
        std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = |mode: u32| {
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(6))
            .last_modified_time(zip::DateTime::DEFAULT)
            .unix_permissions(mode)
    };
    let all = entries.into_iter().chain(std::iter::once((
        format!("{info}/RECORD"),
        record.into_bytes(),
        0o644,
    )));
    for (name, bytes, mode) in all {
        zip.start_file(name.as_str(), options(mode))
            .with_context(|| format!("adding {name} to {}", path.display()))?;
        zip.write_all(&bytes)?;
    }
    let f = zip
        .finish()
        .with_context(|| format!("finishing {}", path.display()))?;
    f.sync_all()?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_tags_follow_the_target_and_the_glibc_the_binary_needs() {
        let elf = b"\x7fELF....GLIBC_2.2.5\0GLIBC_2.34\0GLIBC_2.3\0GLIBC_PRIVATE\0";
        assert_eq!(glibc_minor(elf), Some(34));
        assert_eq!(
            platform_tag("x86_64-unknown-linux-gnu", elf).unwrap(),
            "manylinux_2_34_x86_64"
        );
        assert_eq!(
            platform_tag("aarch64-unknown-linux-gnu", b"GLIBC_2.4\0").unwrap(),
            "manylinux_2_17_aarch64"
        );
        assert_eq!(
            platform_tag("aarch64-apple-darwin", b"").unwrap(),
            "macosx_11_0_arm64"
        );
        assert_eq!(
            platform_tag("x86_64-unknown-linux-musl", b"").unwrap(),
            "musllinux_1_2_x86_64"
        );
        assert!(platform_tag("x86_64-unknown-linux-gnu", b"no versions").is_err());
        assert!(platform_tag("riscv64gc-unknown-none-elf", b"").is_err());
    }

    #[test]
    fn record_hashes_are_urlsafe_base64_without_padding() {
        // sha256("") in the RECORD form pip checks.
        assert_eq!(
            record_hash(b""),
            "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
    }

    #[test]
    fn the_wheel_is_deterministic() {
        let t = tempfile::tempdir().unwrap();
        let bin = t.path().join("sigil");
        std::fs::write(&bin, b"\x7fELF GLIBC_2.28\0").unwrap();
        let lic = t.path().join("LICENSE");
        std::fs::write(&lic, b"MIT\n").unwrap();
        let mut built = Vec::new();
        for d in ["a", "b"] {
            let out = t.path().join(d);
            std::fs::create_dir(&out).unwrap();
            let p = build(&Spec {
                version: "1.2.3",
                target: "x86_64-unknown-linux-gnu",
                binary: &bin,
                license: &lic,
                out_dir: &out,
            })
            .unwrap();
            assert_eq!(
                p.file_name().unwrap(),
                "sigil-1.2.3-py3-none-manylinux_2_28_x86_64.whl"
            );
            built.push(std::fs::read(p).unwrap());
        }
        assert_eq!(built[0], built[1]);
    }
}
