#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        // Unencrypted path only: scrypt with attacker-chosen parameters is bounded by the
        // parser but too slow to fuzz usefully; a fixed cheap password exercises the rest.
        let _ = sigil_keys::SecretKey::minisign_is_encrypted(s);
        let _ = sigil_keys::SecretKey::parse_minisign(s, None);
    }
});
