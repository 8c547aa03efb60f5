#![no_main]
//! The trusted-comment name binding (`file:`, `release:`) and the pack archive name convention:
//! never a panic, and what is read back can be found again in the input.
use libfuzzer_sys::fuzz_target;
use sigil_sign::binding::{archive_version, split_release, Claims};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };

    let c = Claims::parse(s);
    let fields: Vec<&str> = s.split('\t').collect();
    if let Some(f) = &c.file {
        assert!(!f.is_empty() && !f.contains('\t'));
        assert!(
            fields.contains(&format!("file:{f}").as_str()),
            "file claim not in comment"
        );
    }
    if let Some(v) = &c.release_version {
        let n = c
            .release_name
            .as_deref()
            .expect("a version comes with a name");
        assert!(
            fields.contains(&format!("release:{n}-{v}").as_str()),
            "release claim not in comment"
        );
    } else if let Some(n) = &c.release_name {
        assert!(
            fields.contains(&format!("release:{n}").as_str()),
            "release name not in comment"
        );
        assert!(split_release(n).is_none());
    }

    if let Some((n, v)) = split_release(s) {
        assert_eq!(format!("{n}-{v}"), s, "split does not join back");
        assert!(!n.is_empty(), "empty name");
        assert!(
            v.starts_with(|c: char| c.is_ascii_digit()),
            "version without a digit first"
        );
        // The first `-digit` splits: the name has none left.
        assert!(split_release(&format!("{n}-0")).map(|(m, _)| m) == Some(n));
    }

    // archive_version: the input split at its first NUL into a file name and a pack name.
    if let Some((file, pack)) = s.split_once('\0') {
        if let Some(v) = archive_version(file, pack) {
            assert!(v.starts_with(|c: char| c.is_ascii_digit()));
            let base = pack
                .rsplit('/')
                .next()
                .unwrap_or(pack)
                .trim_start_matches('@');
            let rebuilt = [".tar.gz", ".tgz", ".zip"]
                .iter()
                .any(|ext| format!("{base}-{v}{ext}") == file);
            assert!(
                rebuilt,
                "archive name does not rebuild from name and version"
            );
        }
    }
});
