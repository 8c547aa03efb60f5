//! A strict, streaming tar reader for untrusted archives.
//!
//! It understands POSIX ustar (with the `prefix` field), GNU headers, GNU long names (`L`)
//! and PAX extended headers (`x`; `g` only with `comment` records). It refuses what other
//! parsers could read differently: bad checksums, a PAX `size` that disagrees with the
//! header, two extension headers of one kind for one entry, sparse files, oversized
//! metadata, truncation, and anything but zero padding after the end-of-archive marker.
//! Entry types are reported as they are; the extraction layer decides what is allowed.

use std::io::{self, Read};

use crate::rules::{code, Violation};

/// Tar block size.
pub const BLOCK: usize = 512;
/// Largest single PAX extended header.
pub const MAX_PAX: u64 = 64 << 10;
/// Largest GNU long name.
pub const MAX_LONG_NAME: u64 = 4096;
/// Largest sum of all extension-header data in one archive.
pub const MAX_METADATA_TOTAL: u64 = 16 << 20;
/// Most zero padding accepted after the end-of-archive marker (GNU tar pads to 10 KiB).
pub const MAX_TRAILING: u64 = 1 << 20;

/// What an entry is, by its type flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// `0` or NUL.
    File,
    /// `5`.
    Dir,
    /// `1`.
    HardLink,
    /// `2`.
    Symlink,
    /// `3`.
    CharDevice,
    /// `4`.
    BlockDevice,
    /// `6`.
    Fifo,
    /// Anything else (`7` contiguous, `S` sparse, `K` long link, vendor types).
    Other(u8),
}

/// One entry's header, after extension headers were applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarEntry {
    /// The path bytes (PAX `path`, else GNU long name, else ustar prefix/name).
    pub path: Vec<u8>,
    /// The entry type.
    pub kind: EntryKind,
    /// Data size in bytes.
    pub size: u64,
    /// Permission bits (`0o7777` at most).
    pub mode: u32,
    /// Link target, for links.
    pub link: Vec<u8>,
}

/// Why reading failed.
#[derive(Debug)]
pub enum ReadError {
    /// The archive breaks a rule.
    Refused(Violation),
    /// The underlying reader failed (decompression errors and limits arrive here).
    Io(io::Error),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

fn malformed(path: &[u8], detail: impl Into<String>) -> ReadError {
    ReadError::Refused(Violation::new(
        String::from_utf8_lossy(path),
        code::MALFORMED_ARCHIVE,
        detail,
    ))
}

/// Extension data gathered for the next entry.
#[derive(Default)]
struct Pending {
    pax_path: Option<Vec<u8>>,
    pax_size: Option<u64>,
    pax_link: Option<Vec<u8>>,
    pax_seen: bool,
    long_name: Option<Vec<u8>>,
}

/// The reader. Call [`TarReader::next_entry`], then read the entry's data (or not) with
/// [`TarReader::data`]; unread data is skipped by the next call.
pub struct TarReader<R> {
    r: R,
    remaining: u64,
    padding: u64,
    metadata: u64,
    done: bool,
}

fn cstr(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    &field[..end]
}

/// Parses a numeric header field: octal (spaces and NULs around it), or GNU base-256.
pub fn parse_number(field: &[u8]) -> Option<u64> {
    if let Some(&first) = field.first() {
        if first & 0x80 != 0 {
            if first == 0xff {
                return None; // negative
            }
            let mut v: u64 = u64::from(first & 0x7f);
            for &b in &field[1..] {
                v = v.checked_mul(256)?.checked_add(u64::from(b))?;
            }
            return Some(v);
        }
    }
    let s = cstr(field);
    let s = {
        let start = s.iter().position(|&b| b != b' ').unwrap_or(s.len());
        let end = s.iter().rposition(|&b| b != b' ').map_or(start, |i| i + 1);
        &s[start..end.max(start)]
    };
    if s.is_empty() {
        return Some(0);
    }
    let mut v: u64 = 0;
    for &b in s {
        if !(b'0'..=b'7').contains(&b) {
            return None;
        }
        v = v.checked_mul(8)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(v)
}

fn checksum_ok(h: &[u8; BLOCK]) -> bool {
    let Some(stored) = parse_number(&h[148..156]) else {
        return false;
    };
    let (mut unsigned, mut signed) = (0u64, 0i64);
    for (i, &b) in h.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed)
}

/// Parses PAX records `"<len> <key>=<value>\n"`.
/// One PAX record: key and value bytes.
type PaxRecord<'a> = (&'a [u8], &'a [u8]);

fn parse_pax(data: &[u8]) -> Result<Vec<PaxRecord<'_>>, ReadError> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        // Some writers pad the block with NULs after the last record.
        if rest.iter().all(|&b| b == 0) {
            break;
        }
        let sp = rest
            .iter()
            .position(|&b| b == b' ')
            .ok_or_else(|| malformed(b"", "PAX record without a length"))?;
        let len_s = &rest[..sp];
        if len_s.is_empty() || len_s.len() > 10 || !len_s.iter().all(u8::is_ascii_digit) {
            return Err(malformed(b"", "PAX record length is not a number"));
        }
        let len: usize = std::str::from_utf8(len_s)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| malformed(b"", "bad PAX length"))?;
        if len <= sp + 1 || len > rest.len() || rest[len - 1] != b'\n' {
            return Err(malformed(
                b"",
                "PAX record length does not match its content",
            ));
        }
        let record = &rest[sp + 1..len - 1];
        let eq = record
            .iter()
            .position(|&b| b == b'=')
            .ok_or_else(|| malformed(b"", "PAX record without `=`"))?;
        out.push((&record[..eq], &record[eq + 1..]));
        rest = &rest[len..];
    }
    Ok(out)
}

fn decimal(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 20 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

impl<R> TarReader<R> {
    /// The inner reader, borrowed.
    pub fn inner_mut(&mut self) -> &mut R {
        &mut self.r
    }
}

impl<R: Read> TarReader<R> {
    /// A reader over an uncompressed tar stream.
    pub fn new(r: R) -> Self {
        Self {
            r,
            remaining: 0,
            padding: 0,
            metadata: 0,
            done: false,
        }
    }

    /// Reads exactly `buf.len()` bytes; `Ok(false)` at a clean EOF before the first byte.
    fn read_full(&mut self, buf: &mut [u8]) -> Result<bool, ReadError> {
        let mut got = 0;
        while got < buf.len() {
            match self.r.read(&mut buf[got..]) {
                Ok(0) if got == 0 => return Ok(false),
                Ok(0) => return Err(malformed(b"", "archive is truncated")),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(true)
    }

    fn skip(&mut self, mut n: u64) -> Result<(), ReadError> {
        let mut buf = [0u8; 8192];
        while n > 0 {
            let k = n.min(buf.len() as u64) as usize;
            if !self.read_full(&mut buf[..k])? {
                return Err(malformed(b"", "archive is truncated"));
            }
            n -= k as u64;
        }
        Ok(())
    }

    fn pad(size: u64) -> u64 {
        (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64
    }

    /// Reads an extension header's data, bounded.
    fn read_meta(&mut self, size: u64, max: u64, what: &str) -> Result<Vec<u8>, ReadError> {
        if size > max {
            return Err(malformed(
                b"",
                format!("{what} of {size} bytes is larger than {max}"),
            ));
        }
        self.metadata += size;
        if self.metadata > MAX_METADATA_TOTAL {
            return Err(malformed(
                b"",
                "too much extension-header data in one archive",
            ));
        }
        let mut data = vec![0u8; size as usize];
        if !self.read_full(&mut data)? && size > 0 {
            return Err(malformed(b"", "archive is truncated"));
        }
        self.skip(Self::pad(size))?;
        Ok(data)
    }

    /// After the first zero block: only zero padding, bounded, then EOF.
    fn finish(&mut self) -> Result<(), ReadError> {
        let mut buf = [0u8; 8192];
        let mut seen = 0u64;
        loop {
            let n = match self.r.read(&mut buf) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            if n == 0 {
                return Ok(());
            }
            seen += n as u64;
            if seen > MAX_TRAILING || buf[..n].iter().any(|&b| b != 0) {
                return Err(malformed(b"", "data after the end-of-archive marker"));
            }
        }
    }

    /// The next entry, or `None` at the end of the archive (after checking the padding).
    pub fn next_entry(&mut self) -> Result<Option<TarEntry>, ReadError> {
        if self.done {
            return Ok(None);
        }
        let rest = self.remaining + self.padding;
        self.remaining = 0;
        self.padding = 0;
        self.skip(rest)?;
        let mut pending = Pending::default();
        loop {
            let mut h = [0u8; BLOCK];
            if !self.read_full(&mut h)? {
                return Err(malformed(
                    b"",
                    "archive ends without an end-of-archive marker",
                ));
            }
            if h.iter().all(|&b| b == 0) {
                if pending.pax_seen || pending.long_name.is_some() {
                    return Err(malformed(b"", "extension header without an entry after it"));
                }
                self.done = true;
                self.finish()?;
                return Ok(None);
            }
            let raw_name = cstr(&h[..100]).to_vec();
            if !checksum_ok(&h) {
                return Err(malformed(&raw_name, "header checksum mismatch"));
            }
            let size = parse_number(&h[124..136])
                .ok_or_else(|| malformed(&raw_name, "header size is not a number"))?;
            let typeflag = h[156];
            match typeflag {
                b'x' => {
                    if pending.pax_seen {
                        return Err(malformed(&raw_name, "two PAX headers for one entry"));
                    }
                    let data = self.read_meta(size, MAX_PAX, "PAX header")?;
                    pending.pax_seen = true;
                    for (k, v) in parse_pax(&data)? {
                        let dup = |seen: bool| {
                            if seen {
                                Err(malformed(&raw_name, "PAX header repeats a key"))
                            } else {
                                Ok(())
                            }
                        };
                        match k {
                            b"path" => {
                                dup(pending.pax_path.is_some())?;
                                pending.pax_path = Some(v.to_vec());
                            }
                            b"size" => {
                                dup(pending.pax_size.is_some())?;
                                pending.pax_size = Some(decimal(v).ok_or_else(|| {
                                    malformed(&raw_name, "PAX size is not a number")
                                })?);
                            }
                            b"linkpath" => pending.pax_link = Some(v.to_vec()),
                            k if k.starts_with(b"GNU.sparse") => {
                                return Err(ReadError::Refused(Violation::new(
                                    String::from_utf8_lossy(&raw_name),
                                    code::UNSUPPORTED_ENTRY,
                                    "sparse file",
                                )))
                            }
                            _ => {}
                        }
                    }
                    continue;
                }
                b'g' => {
                    let data = self.read_meta(size, MAX_PAX, "PAX global header")?;
                    if let Some((k, _)) = parse_pax(&data)?
                        .into_iter()
                        .find(|(k, _)| *k != b"comment")
                    {
                        return Err(ReadError::Refused(Violation::new(
                            String::from_utf8_lossy(&raw_name),
                            code::UNSUPPORTED_ENTRY,
                            format!(
                                "global PAX header sets {:?} for every entry",
                                String::from_utf8_lossy(k)
                            ),
                        )));
                    }
                    continue;
                }
                b'L' => {
                    if pending.long_name.is_some() {
                        return Err(malformed(&raw_name, "two long-name headers for one entry"));
                    }
                    let data = self.read_meta(size, MAX_LONG_NAME, "GNU long name")?;
                    pending.long_name = Some(cstr(&data).to_vec());
                    continue;
                }
                _ => {}
            }
            let posix = &h[257..263] == b"ustar\0";
            let path = if let Some(p) = pending.pax_path.take() {
                p
            } else if let Some(p) = pending.long_name.take() {
                p
            } else {
                let prefix = if posix { cstr(&h[345..500]) } else { &[][..] };
                if prefix.is_empty() {
                    raw_name.clone()
                } else {
                    [prefix, b"/", &raw_name].concat()
                }
            };
            if let Some(ps) = pending.pax_size {
                if ps != size {
                    return Err(ReadError::Refused(Violation::new(
                        String::from_utf8_lossy(&path),
                        code::PAX_SIZE_MISMATCH,
                        format!("PAX size {ps} disagrees with the header's size {size}; readers would split the archive differently"),
                    )));
                }
            }
            let mode = parse_number(&h[100..108])
                .ok_or_else(|| malformed(&path, "mode is not a number"))?
                as u32
                & 0o7777;
            let mut kind = match typeflag {
                b'0' | 0 => EntryKind::File,
                b'5' => EntryKind::Dir,
                b'1' => EntryKind::HardLink,
                b'2' => EntryKind::Symlink,
                b'3' => EntryKind::CharDevice,
                b'4' => EntryKind::BlockDevice,
                b'6' => EntryKind::Fifo,
                t => EntryKind::Other(t),
            };
            // Old archives mark directories with a trailing slash on a regular entry.
            if kind == EntryKind::File && path.ends_with(b"/") && size == 0 {
                kind = EntryKind::Dir;
            }
            if kind != EntryKind::File && size != 0 {
                return Err(malformed(&path, "a non-file entry carries data"));
            }
            let link = pending
                .pax_link
                .take()
                .unwrap_or_else(|| cstr(&h[157..257]).to_vec());
            self.remaining = size;
            self.padding = Self::pad(size);
            return Ok(Some(TarEntry {
                path,
                kind,
                size,
                mode,
                link,
            }));
        }
    }

    /// Reads the current entry's data (exactly its size, or a truncation error).
    pub fn data(&mut self) -> EntryData<'_, R> {
        EntryData { t: self }
    }
}

/// The current entry's data.
pub struct EntryData<'a, R> {
    t: &'a mut TarReader<R>,
}

impl<R: Read> Read for EntryData<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.t.remaining == 0 {
            return Ok(0);
        }
        let want = buf
            .len()
            .min(usize::try_from(self.t.remaining).unwrap_or(usize::MAX));
        let n = self.t.r.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "archive is truncated inside an entry",
            ));
        }
        self.t.remaining -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds one ustar header block with a correct checksum.
    pub(crate) fn header(name: &[u8], typeflag: u8, size: u64, mode: u32) -> [u8; BLOCK] {
        let mut h = [0u8; BLOCK];
        h[..name.len()].copy_from_slice(name);
        h[100..108].copy_from_slice(format!("{mode:07o}\0").as_bytes());
        h[108..116].copy_from_slice(b"0000000\0");
        h[116..124].copy_from_slice(b"0000000\0");
        h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
        h[136..148].copy_from_slice(b"00000000000\0");
        h[156] = typeflag;
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        h
    }

    fn entry(name: &str, data: &[u8]) -> Vec<u8> {
        let mut v = header(name.as_bytes(), b'0', data.len() as u64, 0o644).to_vec();
        v.extend_from_slice(data);
        v.resize(v.len().div_ceil(BLOCK) * BLOCK, 0);
        v
    }

    fn pax(records: &[(&str, &str)]) -> Vec<u8> {
        let mut body = String::new();
        for (k, v) in records {
            let base = format!(" {k}={v}\n");
            let mut len = base.len() + 1;
            while format!("{len}{base}").len() != len {
                len += 1;
            }
            body.push_str(&format!("{len}{base}"));
        }
        let mut v = header(b"PaxHeader", b'x', body.len() as u64, 0o644).to_vec();
        v.extend_from_slice(body.as_bytes());
        v.resize(v.len().div_ceil(BLOCK) * BLOCK, 0);
        v
    }

    fn read_all(bytes: &[u8]) -> Result<Vec<(String, u64, Vec<u8>)>, String> {
        let mut t = TarReader::new(bytes);
        let mut out = Vec::new();
        loop {
            match t.next_entry() {
                Ok(Some(e)) => {
                    let mut d = Vec::new();
                    t.data().read_to_end(&mut d).map_err(|e| e.to_string())?;
                    out.push((String::from_utf8_lossy(&e.path).into_owned(), e.size, d));
                }
                Ok(None) => return Ok(out),
                Err(ReadError::Refused(v)) => return Err(v.to_string()),
                Err(ReadError::Io(e)) => return Err(e.to_string()),
            }
        }
    }

    fn check(input: &[u8], expect: Result<Vec<(&str, &[u8])>, &str>) {
        let got = read_all(input);
        let expect = expect
            .map(|v| {
                v.into_iter()
                    .map(|(n, d)| (n.to_owned(), d.len() as u64, d.to_vec()))
                    .collect::<Vec<_>>()
            })
            .map_err(str::to_owned);
        assert_eq!(got, expect);
    }

    #[test]
    fn reads_ustar_pax_and_long_names() {
        let mut a = entry("a.txt", b"hello");
        a.extend(pax(&[("path", "long/é.txt"), ("mtime", "1.5")]));
        a.extend(entry("short", b"x"));
        let mut ln = header(b"././@LongLink", b'L', 4, 0o644).to_vec();
        ln.extend_from_slice(b"gnu\0");
        ln.resize(1024, 0);
        a.extend(ln);
        a.extend(entry("ignored", b""));
        a.extend([0u8; 1024]);
        a.extend([0u8; 8192]);
        check(
            &a,
            Ok(vec![
                ("a.txt", b"hello"),
                ("long/é.txt", b"x"),
                ("gnu", b""),
            ]),
        );
    }

    #[test]
    fn refuses_disagreements_and_damage() {
        let mut a = pax(&[("size", "7")]);
        a.extend(entry("x", b"hello"));
        a.extend([0u8; 1024]);
        check(&a, Err("x: PAX size 7 disagrees with the header's size 5; readers would split the archive differently [pax-size-mismatch]"));

        let mut a = entry("a", b"data");
        a[0] = b'b';
        check(&a, Err("b: header checksum mismatch [malformed-archive]"));

        let a = entry("a", b"data");
        check(
            &a,
            Err("archive ends without an end-of-archive marker [malformed-archive]"),
        );

        let mut a = entry("a", &[7u8; 1000]);
        a.truncate(700);
        check(&a, Err("archive is truncated inside an entry"));

        let mut a = entry("a", b"data");
        a.extend([0u8; 1024]);
        a.extend(b"junk");
        check(
            &a,
            Err("data after the end-of-archive marker [malformed-archive]"),
        );

        let mut a = pax(&[("path", "a")]);
        a.extend(pax(&[("path", "b")]));
        check(
            &a,
            Err("PaxHeader: two PAX headers for one entry [malformed-archive]"),
        );

        let mut a = pax(&[("GNU.sparse.size", "10")]);
        a.extend([0u8; 1024]);
        check(&a, Err("PaxHeader: sparse file [unsupported-entry]"));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number(b"0000644\0"), Some(0o644));
        assert_eq!(parse_number(b"  644 \0"), Some(0o644));
        assert_eq!(parse_number(b"\0\0\0"), Some(0));
        assert_eq!(
            parse_number(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]),
            Some(256)
        );
        assert_eq!(parse_number(&[0xff; 12]), None);
        assert_eq!(parse_number(b"0009"), None);
        assert_eq!(parse_number(&[0x80, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), None);
    }
}
