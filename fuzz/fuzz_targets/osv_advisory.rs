#![no_main]
//! OSV advisory parsing, validation, range evaluation and exports never panic, and sigil's
//! own JSON of a parsed advisory parses back to the same advisory.
use libfuzzer_sys::fuzz_target;
use sigil_advisory::osv::Advisory;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let Ok(adv) = Advisory::from_json(s) else { return };
    let again = Advisory::from_json(&adv.to_json()).expect("own output parses");
    assert_eq!(again, adv);
    let _ = sigil_advisory::validate::validate(&adv, sigil_advisory::validate::Options::new(true));
    for aff in &adv.affected {
        for v in ["0.0.0", "1.0.0", "1.2.3-rc.1", "2.0.0+b", "1.0"] {
            let _ = aff.evaluate(v);
        }
    }
    if let Ok(text) = sigil_advisory::export::to_rustsec(&adv) {
        let _ = sigil_advisory::rustsec_db::parse_advisory(&text);
    }
    let _ = sigil_advisory::export::to_markdown(&adv);
});
