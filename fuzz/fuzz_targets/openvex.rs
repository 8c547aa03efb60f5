#![no_main]
//! OpenVEX parsing and statement matching never panic; a parsed document round-trips.
use libfuzzer_sys::fuzz_target;
use sigil_advisory::purl::Purl;
use sigil_advisory::vex::Document;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let Ok(doc) = Document::from_json(s) else { return };
    let again = Document::from_json(&doc.to_json()).expect("own output parses");
    assert_eq!(again, doc);
    if let Ok(p) = Purl::parse("pkg:cargo/foo@1.0.0") {
        let _ = doc.statement_for(&["CVE-2024-0001"], &p);
    }
    for s in &doc.statements {
        for c in &s.products {
            if let Some(id) = &c.id {
                let _ = Purl::parse(id);
            }
        }
    }
});
