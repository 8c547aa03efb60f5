#![no_main]
//! The strict JSON parser against `serde_json`: whatever strict accepts, `serde_json` accepts
//! as the same value; whatever `serde_json` accepts, strict accepts too unless an object names a
//! key twice.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let loose = serde_json::from_slice::<serde_json::Value>(data);
    match (sigil_core::json::parse(data), loose) {
        (Ok(strict), Ok(loose)) => assert_eq!(strict, loose, "strict and serde_json disagree"),
        (Ok(_), Err(e)) => panic!("strict accepted what serde_json refuses: {e}"),
        (Err(e), Ok(_)) => assert!(e.is_duplicate_key(), "strict refused valid JSON: {e}"),
        (Err(_), Err(_)) => {}
    }
});
