//! Making untrusted text safe to show on a terminal.
//!
//! File names, trusted comments, identities, advisory text and finding messages come from
//! files an attacker may write. Printed raw, an escape sequence in them can move the cursor,
//! erase a line and draw a fake "verified" line, and a newline or a bidi override can make
//! one line look like another. [`escape`] is the one function every human-readable line goes
//! through before it reaches a terminal. JSON output does not use it: JSON escaping already
//! keeps control characters out of the document, and consumers need the exact strings.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal as it is: C0 controls (newline and tab included),
/// DEL, C1 controls, the Unicode bidi embeddings, overrides, isolates and marks, and the line
/// and paragraph separators.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}' | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// `s` with every unsafe character (see [`is_unsafe`]) written as a visible escape:
/// `\n`, `\r`, `\t`, `\e` for the common ones, `\xHH` for other C0 controls and DEL, and
/// `\u{HHHH}` for the rest. Borrowed unchanged when there is nothing to escape.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            c if c <= '\u{7f}' && is_unsafe(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: &str) {
        assert_eq!(escape(input), expect, "{input:?}");
    }

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        for s in [
            "",
            "release.tar.gz",
            "caf\u{e9} \u{4e16}\u{754c} \u{1f600}",
            "a\\x1b stays",
        ] {
            assert!(matches!(escape(s), Cow::Borrowed(b) if b == s));
        }
    }

    #[test]
    fn common_controls_have_short_escapes() {
        check("a\nb", "a\\nb");
        check("a\rb", "a\\rb");
        check("a\tb", "a\\tb");
        check(
            "\u{1b}[2K\u{1b}[1Gverified: evil",
            "\\e[2K\\e[1Gverified: evil",
        );
        check("\u{0}\u{7}\u{7f}", "\\x00\\x07\\x7f");
        check("\u{9b}31m", "\\u{009b}31m");
        check("\u{202e}gpj.exe", "\\u{202e}gpj.exe");
    }

    #[test]
    fn every_control_and_bidi_character_is_escaped() {
        let c0 = 0u32..=0x1f;
        let del_c1 = 0x7fu32..=0x9f;
        let bidi = (0x202au32..=0x202e).chain(0x2066..=0x2069);
        let marks = [0x61cu32, 0x200e, 0x200f, 0x2028, 0x2029];
        for cp in c0.chain(del_c1).chain(bidi).chain(marks) {
            let c = char::from_u32(cp).unwrap();
            assert!(is_unsafe(c), "U+{cp:04X}");
            let s = format!("x{c}y");
            let e = escape(&s);
            assert!(!e.chars().any(is_unsafe), "U+{cp:04X} -> {e:?}");
            assert!(
                e.starts_with("x\\") && e.ends_with('y'),
                "U+{cp:04X} -> {e:?}"
            );
            assert!(e.chars().all(|c| (' '..='~').contains(&c)), "{e:?}");
        }
        // Printable neighbours stay as they are.
        for c in [' ', '~', '\u{a0}', '\u{202f}', '\u{2065}', '\u{206a}'] {
            assert!(!is_unsafe(c), "{c:?}");
        }
    }
}
