//! The raw structure of a zip archive, read before the `zip` crate reads any entry.
//!
//! Zip readers disagree wherever the format is redundant, and a pack must mean the same to
//! every reader. So a zip pack is refused unless:
//! - exactly one end of central directory record ends exactly at the end of the file
//!   (no trailing data, and no second end record hidden in the comment);
//! - the central directory (or the Zip64 end record) ends exactly where the end records
//!   begin, and starts where the end record says (no data prepended or in between);
//! - every central directory entry parses, and their count is the one the end record gives;
//! - every entry's local file header is at an offset before the central directory, has the
//!   local header signature, and names the same path with the same compression method as
//!   its central directory entry;
//! - no name appears twice (the `zip` crate keeps only one of two equal names).

use std::collections::HashSet;
use std::io::{self, Read, Seek, SeekFrom};

use crate::rules::{code, Violation};

/// Signature of the end of central directory record.
const EOCD_SIG: [u8; 4] = *b"PK\x05\x06";
/// Signature of the Zip64 end of central directory locator.
const ZIP64_LOCATOR_SIG: [u8; 4] = *b"PK\x06\x07";
/// Signature of the Zip64 end of central directory record.
const ZIP64_EOCD_SIG: [u8; 4] = *b"PK\x06\x06";
/// Signature of a central directory file header.
const CENTRAL_SIG: [u8; 4] = *b"PK\x01\x02";
/// Signature of a local file header.
const LOCAL_SIG: [u8; 4] = *b"PK\x03\x04";
/// Longest central directory read (a 20,000-entry directory with long names fits easily).
pub const MAX_CENTRAL_DIRECTORY: u64 = 64 << 20;

/// One central directory entry, as far as the checks need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentralEntry {
    /// The raw name.
    pub name: Vec<u8>,
    /// Offset of its local file header.
    pub local_offset: u64,
    /// Compression method.
    pub method: u16,
    /// CRC-32, compressed and uncompressed size as the central directory records them
    /// (`u32::MAX` when the real value is in a Zip64 field).
    pub crc_sizes: [u32; 3],
}

fn malformed(detail: impl Into<String>) -> Violation {
    Violation::new("", code::MALFORMED_ARCHIVE, detail)
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

fn read_at<R: Read + Seek>(r: &mut R, at: u64, len: usize) -> Result<Vec<u8>, Violation> {
    let fail =
        |e: io::Error| malformed(format!("zip: cannot read {len} bytes at offset {at}: {e}"));
    r.seek(SeekFrom::Start(at)).map_err(fail)?;
    let mut buf = vec![0u8; len];
    r.read_exact(&mut buf).map_err(fail)?;
    Ok(buf)
}

/// Where the central directory is, from the end records.
struct End {
    entries: u64,
    cd_offset: u64,
    cd_size: u64,
}

/// Finds the one end record that ends the file, and the Zip64 record when there is one.
fn find_end<R: Read + Seek>(r: &mut R) -> Result<End, Violation> {
    let len = r
        .seek(SeekFrom::End(0))
        .map_err(|e| malformed(format!("zip: {e}")))?;
    if len < 22 {
        return Err(malformed(
            "zip: too short for an end of central directory record",
        ));
    }
    let tail_len = len.min(22 + 0xffff);
    let tail_start = len - tail_len;
    let tail = read_at(r, tail_start, tail_len as usize)?;
    let mut found_any = false;
    let mut consistent = Vec::new();
    for i in (0..=tail.len() - 22).rev() {
        if tail[i..i + 4] != EOCD_SIG {
            continue;
        }
        found_any = true;
        if i + 22 + usize::from(u16_at(&tail, i + 20)) == tail.len() {
            consistent.push(i);
        }
    }
    let i = match consistent[..] {
        [i] => i,
        [] if found_any => {
            return Err(malformed(
                "zip: trailing data after the end of central directory record",
            ))
        }
        [] => return Err(malformed("zip: no end of central directory record")),
        _ => {
            return Err(malformed(
                "zip: the archive comment holds a second end of central directory record",
            ))
        }
    };
    let e = &tail[i..];
    let eocd_pos = tail_start + i as u64;
    if u16_at(e, 4) != 0 || u16_at(e, 6) != 0 || u16_at(e, 8) != u16_at(e, 10) {
        return Err(malformed("zip: multi-disk archives are not supported"));
    }
    let mut end = End {
        entries: u64::from(u16_at(e, 10)),
        cd_size: u64::from(u32_at(e, 12)),
        cd_offset: u64::from(u32_at(e, 16)),
    };
    let mut cd_end = eocd_pos;
    let locator = if eocd_pos >= 20 {
        Some(read_at(r, eocd_pos - 20, 20)?)
    } else {
        None
    };
    if let Some(loc) = locator.filter(|l| l[..4] == ZIP64_LOCATOR_SIG) {
        if u32_at(&loc, 4) != 0 || u32_at(&loc, 16) != 1 {
            return Err(malformed("zip: multi-disk archives are not supported"));
        }
        let rec_pos = u64_at(&loc, 8);
        if rec_pos.checked_add(56).is_none_or(|e| e > eocd_pos - 20) {
            return Err(malformed("zip: Zip64 end record offset is out of range"));
        }
        let rec = read_at(r, rec_pos, 56)?;
        if rec[..4] != ZIP64_EOCD_SIG {
            return Err(malformed(
                "zip: no Zip64 end record where the locator points",
            ));
        }
        let rec_end = u64_at(&rec, 4).checked_add(rec_pos + 12);
        if rec_end != Some(eocd_pos - 20) {
            return Err(malformed(
                "zip: data between the Zip64 end record and its locator",
            ));
        }
        if u32_at(&rec, 16) != 0 || u32_at(&rec, 20) != 0 || u64_at(&rec, 24) != u64_at(&rec, 32) {
            return Err(malformed("zip: multi-disk archives are not supported"));
        }
        end = End {
            entries: u64_at(&rec, 32),
            cd_size: u64_at(&rec, 40),
            cd_offset: u64_at(&rec, 48),
        };
        cd_end = rec_pos;
    }
    if end.cd_offset.checked_add(end.cd_size) != Some(cd_end) {
        return Err(malformed(
            "zip: the central directory does not end where the end record begins (data before the archive or between its parts)",
        ));
    }
    Ok(end)
}

/// Reads the Zip64 extended information extra field for the saturated values.
fn zip64_offset(extra: &[u8], usize_sat: bool, csize_sat: bool) -> Option<u64> {
    let mut i = 0;
    while i + 4 <= extra.len() {
        let id = u16_at(extra, i);
        let n = usize::from(u16_at(extra, i + 2));
        let body = extra.get(i + 4..i + 4 + n)?;
        if id == 1 {
            let skip = 8 * (usize::from(usize_sat) + usize::from(csize_sat));
            return body.get(skip..skip + 8).map(|b| u64_at(b, 0));
        }
        i += 4 + n;
    }
    None
}

/// Checks the structure (see the module docs) and returns every central directory entry, in
/// order. `max_entries` bounds the work before any entry is read.
pub fn check_structure<R: Read + Seek>(
    r: &mut R,
    max_entries: u64,
) -> Result<Vec<CentralEntry>, Violation> {
    let end = find_end(r)?;
    if end.entries > max_entries {
        return Err(Violation::new(
            "",
            code::TOO_MANY_FILES,
            format!("{} zip entries, more than {max_entries}", end.entries),
        ));
    }
    if end.cd_size > MAX_CENTRAL_DIRECTORY {
        return Err(malformed(format!(
            "zip: central directory of {} bytes is over the {MAX_CENTRAL_DIRECTORY}-byte limit",
            end.cd_size
        )));
    }
    let cd = read_at(r, end.cd_offset, end.cd_size as usize)?;
    let mut entries = Vec::new();
    let mut pos = 0usize;
    while pos < cd.len() {
        let h = cd
            .get(pos..pos + 46)
            .filter(|h| h[..4] == CENTRAL_SIG)
            .ok_or_else(|| malformed("zip: bad central directory entry"))?;
        let method = u16_at(h, 10);
        let usize_sat = u32_at(h, 24) == u32::MAX;
        let csize_sat = u32_at(h, 20) == u32::MAX;
        let name_len = usize::from(u16_at(h, 28));
        let extra_len = usize::from(u16_at(h, 30));
        let comment_len = usize::from(u16_at(h, 32));
        let mut local_offset = u64::from(u32_at(h, 42));
        let name_end = pos + 46 + name_len;
        let next = name_end + extra_len + comment_len;
        if next > cd.len() {
            return Err(malformed("zip: central directory entry runs past its end"));
        }
        let name = cd[pos + 46..name_end].to_vec();
        if local_offset == u64::from(u32::MAX) {
            local_offset = zip64_offset(&cd[name_end..name_end + extra_len], usize_sat, csize_sat)
                .ok_or_else(|| {
                    malformed(format!(
                        "zip: {}: no Zip64 offset in the extra field",
                        String::from_utf8_lossy(&name)
                    ))
                })?;
        }
        entries.push(CentralEntry {
            name,
            local_offset,
            method,
            crc_sizes: [u32_at(h, 16), u32_at(h, 20), u32_at(h, 24)],
        });
        if entries.len() as u64 > end.entries {
            break;
        }
        pos = next;
    }
    if entries.len() as u64 != end.entries {
        return Err(malformed(format!(
            "zip: the end record counts {} entries, the central directory holds {}{}",
            end.entries,
            entries.len(),
            if entries.len() as u64 > end.entries {
                " or more"
            } else {
                ""
            }
        )));
    }
    let mut seen = HashSet::new();
    for e in &entries {
        let lossy = String::from_utf8_lossy(&e.name);
        if !seen.insert(e.name.as_slice()) {
            return Err(Violation::new(
                lossy,
                code::DUPLICATE_ENTRY,
                "entry appears twice in the central directory",
            ));
        }
        if e.local_offset
            .checked_add(30)
            .is_none_or(|x| x > end.cd_offset)
        {
            return Err(malformed(format!(
                "zip: {lossy}: local header offset {} is not before the central directory",
                e.local_offset
            )));
        }
        let h = read_at(r, e.local_offset, 30)?;
        if h[..4] != LOCAL_SIG {
            return Err(Violation::new(
                lossy,
                code::LOCAL_HEADER_MISMATCH,
                format!("no local file header at offset {}", e.local_offset),
            ));
        }
        let local_name = read_at(r, e.local_offset + 30, usize::from(u16_at(&h, 26)))?;
        if local_name != e.name {
            return Err(Violation::new(
                lossy,
                code::LOCAL_HEADER_MISMATCH,
                format!(
                    "local file header names {:?}, the central directory names {:?}",
                    String::from_utf8_lossy(&local_name),
                    String::from_utf8_lossy(&e.name)
                ),
            ));
        }
        // Without a data descriptor (flag bit 3) the local header carries the CRC and sizes
        // itself; a reader that trusts it must see what the central directory says.
        let local = [u32_at(&h, 14), u32_at(&h, 18), u32_at(&h, 22)];
        let saturated = local.contains(&u32::MAX) || e.crc_sizes.contains(&u32::MAX);
        if u16_at(&h, 6) & 0x8 == 0 && !saturated && local != e.crc_sizes {
            return Err(Violation::new(
                lossy,
                code::LOCAL_HEADER_MISMATCH,
                "local file header gives another CRC or size than the central directory",
            ));
        }
        if u16_at(&h, 8) != e.method {
            return Err(Violation::new(
                lossy,
                code::LOCAL_HEADER_MISMATCH,
                format!(
                    "local file header says compression method {}, the central directory {}",
                    u16_at(&h, 8),
                    e.method
                ),
            ));
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write as _};

    /// A stored (uncompressed) zip with the given (central name, local name, data) entries.
    pub(crate) fn raw_zip(entries: &[(&str, &str, &[u8])], comment: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (cname, lname, data) in entries {
            let offset = out.len() as u32;
            let crc = crc32(data);
            out.extend_from_slice(&LOCAL_SIG);
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(lname.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(lname.as_bytes());
            out.extend_from_slice(data);
            central.extend_from_slice(&CENTRAL_SIG);
            central.extend_from_slice(&[20, 3, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&crc.to_le_bytes());
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(cname.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&(0o100644u32 << 16).to_le_bytes());
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(cname.as_bytes());
        }
        let cd_offset = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(&EOCD_SIG);
        out.extend_from_slice(&[0, 0, 0, 0]);
        let n = entries.len() as u16;
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&(comment.len() as u16).to_le_bytes());
        out.write_all(comment).unwrap();
        out
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn check(bytes: &[u8], expect: Result<usize, (&str, &str)>) {
        let got = check_structure(&mut Cursor::new(bytes), 100);
        match (got, expect) {
            (Ok(v), Ok(n)) => assert_eq!(v.len(), n),
            (Err(v), Err((rule, detail))) => {
                assert_eq!(v.rule, rule, "{v}");
                assert!(v.detail.contains(detail), "{v}");
            }
            (got, expect) => panic!("got {got:?}, expected {expect:?}"),
        }
    }

    #[test]
    fn well_formed_archives_pass() {
        check(&raw_zip(&[("a.txt", "a.txt", b"hi")], b""), Ok(1));
        check(&raw_zip(&[], b""), Ok(0));
        check(
            &raw_zip(&[("a", "a", b"1"), ("b", "b", b"2")], b"note"),
            Ok(2),
        );
    }

    #[test]
    fn zip_crate_reads_the_test_archives() {
        let z = raw_zip(&[("a.txt", "a.txt", b"hi")], b"");
        let mut za = zip::ZipArchive::new(Cursor::new(z)).unwrap();
        let mut s = String::new();
        za.by_index(0).unwrap().read_to_string(&mut s).unwrap();
        assert_eq!(s, "hi");
    }

    #[test]
    fn confusing_archives_are_refused() {
        let dup = raw_zip(&[("a.txt", "a.txt", b"1"), ("a.txt", "a.txt", b"2")], b"");
        check(&dup, Err((code::DUPLICATE_ENTRY, "twice")));
        let mut resized = raw_zip(&[("a.txt", "a.txt", b"12")], b"");
        resized[22] = 1; // local uncompressed size
        check(
            &resized,
            Err((code::LOCAL_HEADER_MISMATCH, "another CRC or size")),
        );
        let renamed = raw_zip(&[("a.txt", "evil.txt", b"1")], b"");
        check(&renamed, Err((code::LOCAL_HEADER_MISMATCH, "\"evil.txt\"")));
        let mut trailing = raw_zip(&[("a.txt", "a.txt", b"1")], b"");
        trailing.extend_from_slice(b"junk");
        check(&trailing, Err((code::MALFORMED_ARCHIVE, "trailing data")));
        let mut prepended = b"junk".to_vec();
        prepended.extend(raw_zip(&[("a.txt", "a.txt", b"1")], b""));
        check(
            &prepended,
            Err((code::MALFORMED_ARCHIVE, "does not end where")),
        );
        // A comment that is itself an end record: two readers, two archives.
        let inner = raw_zip(&[], b"");
        let twice = raw_zip(&[("a.txt", "a.txt", b"1")], &inner);
        check(&twice, Err((code::MALFORMED_ARCHIVE, "second end")));
        check(b"PK\x05\x06", Err((code::MALFORMED_ARCHIVE, "too short")));
        check(
            &[0u8; 40],
            Err((code::MALFORMED_ARCHIVE, "no end of central")),
        );
    }

    #[test]
    fn entry_count_must_match_and_is_bounded() {
        let mut z = raw_zip(&[("a", "a", b"1"), ("b", "b", b"2")], b"");
        let n = z.len();
        // Claim one entry on disk and in total.
        z[n - 22 + 8] = 1;
        z[n - 22 + 10] = 1;
        check(&z, Err((code::MALFORMED_ARCHIVE, "counts 1 entries")));
        let z = raw_zip(&[("a", "a", b"1"), ("b", "b", b"2")], b"");
        let got = check_structure(&mut Cursor::new(&z), 1).unwrap_err();
        assert_eq!(got.rule, code::TOO_MANY_FILES);
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let base = raw_zip(&[("a.txt", "a.txt", b"hello"), ("b/", "b/", b"")], b"c");
        for i in 0..base.len() {
            for v in [0u8, 0xff, 1] {
                let mut z = base.clone();
                z[i] = v;
                let _ = check_structure(&mut Cursor::new(&z), 100);
            }
            let _ = check_structure(&mut Cursor::new(&base[..i]), 100);
        }
    }
}
