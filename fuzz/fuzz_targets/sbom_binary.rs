#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sbom) = sigil_sbom::binary::from_binary(data, "fuzz") {
        sbom.check_refs().expect("references are consistent");
    }
});
