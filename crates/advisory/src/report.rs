//! What `sigil advisory`, `sigil vex` and `sigil audit` answer: their human lines and JSON
//! results as [`Report`]s, and their failures (kind, message, hint) as [`Failure`]s. The
//! audit rows themselves are [`audit_text::render`].

use std::path::Path;

use serde_json::{json, Value};
use sigil_core::report::{io_reason, Failure, FailureKind, Report};

use crate::audit::{self, Advisories, LoadError};
use crate::audit_text::{self, Gate};
use crate::author::{self, AuthorError, NewAdvisory};
use crate::batch::SetReport;
use crate::inventory::{self, Inventory, InventoryError};
use crate::osv::Advisory;
use crate::purl::Purl;
use crate::rustsec_db::RustsecDbError;
use crate::vex::{self, VexParseError};
use crate::{export, validate};

/// A report whose result is the document `text` itself (written to stdout).
fn document(data: Value, text: String) -> Report {
    let mut r = Report::ok("ok", data);
    r.document = Some(text);
    r
}

/// Asks `ask(label, default)` for what `advisory new` lacks when stdin is a `terminal`: the
/// package, summary, id, first range and CVSS vector; an empty answer takes the default (or
/// leaves the field unset). Without a terminal a missing package is a usage error (nothing
/// is asked).
pub fn complete(
    n: &mut NewAdvisory,
    terminal: bool,
    mut ask: impl FnMut(&str, Option<&str>) -> Result<String, Failure>,
) -> Result<(), Failure> {
    let mut ask = |label: &str, default: Option<&str>| -> Result<Option<String>, Failure> {
        let line = ask(label, default)?;
        Ok(match line.trim() {
            "" => default.map(str::to_owned),
            typed => Some(typed.to_owned()),
        })
    };
    let has_package = n.purl.is_some() || (n.ecosystem.is_some() && n.name.is_some());
    if !terminal || (has_package && n.summary.is_some()) {
        return match has_package || terminal {
            true => Ok(()),
            false => Err(
                Failure::usage("missing --package PURL (or --ecosystem and --name)").hint(
                    "stdin is not a terminal, so sigil does not prompt: give every field as a flag",
                ),
            ),
        };
    }
    if !has_package {
        n.purl = ask("package URL (e.g. pkg:cargo/NAME)", None)?;
    }
    if n.summary.is_none() {
        n.summary = ask("summary", None)?;
    }
    if n.id.is_empty() {
        let eco = n
            .purl
            .as_deref()
            .and_then(|p| Purl::parse(p).ok())
            .and_then(|p| p.osv_package().map(|x| x.0));
        n.id = ask("id", Some(author::draft_id(eco)))?.unwrap_or_default();
    }
    let no_range = n.ranges.is_empty() && n.versions.is_empty();
    if no_range && n.introduced.is_none() && n.fixed.is_none() && n.last_affected.is_none() {
        n.introduced = ask("introduced in", Some("0"))?;
        n.fixed = ask("fixed in (empty if not fixed)", None)?;
    }
    if n.severity.is_none() {
        n.severity = ask("CVSS vector (empty for none)", None)?;
    }
    Ok(())
}

impl From<AuthorError> for Failure {
    fn from(e: AuthorError) -> Self {
        Failure::usage(e.to_string())
    }
}

/// `advisory new`: the advisory on stdout, or where it was `written`, its score and whether
/// its id is a draft.
pub fn new_advisory(adv: &Advisory, written: Option<&Path>) -> Report {
    let score = adv.best_cvss(adv.affected.first());
    let draft = validate::is_draft_id(&adv.id);
    let mut data = json!({ "id": adv.id, "draft": draft, "advisory": adv });
    if let Some(c) = &score {
        data["score"] = json!(c.score);
        data["severity"] = json!(c.severity().as_str());
        data["cvss"] = json!(c.vector);
    }
    let Some(path) = written else {
        return document(data, adv.to_json());
    };
    data["file"] = json!(path);
    let r = Report::ok("ok", data).line(format!("wrote {}: {}", path.display(), adv.id));
    let r = r.line(match &score {
        Some(c) => format!(
            "severity: {:.1} {} ({})",
            c.score,
            c.severity(),
            c.nomenclature()
        ),
        None => "severity: not scored".to_owned(),
    });
    match draft {
        true => r.line(format!(
            "note: {} is a draft id; `sigil advisory validate --final` rejects it",
            adv.id
        )),
        false => r,
    }
}

/// One file for `advisory validate`: its text, or why it is not an advisory's text (too large,
/// not UTF-8: an `osv-parse` finding). A file that cannot be read at all stops the command.
pub fn validate_input(
    path: &Path,
    read: Result<String, Failure>,
) -> Result<(String, Result<String, String>), Failure> {
    let text = match read {
        Ok(t) => Ok(t),
        Err(e) if e.kind == FailureKind::NotVerified => Err(e.message),
        Err(e) => return Err(e),
    };
    Ok((path.display().to_string(), text))
}

/// `advisory validate`: each file's findings; not verified when any has an error.
pub fn validated(set: &SetReport) -> Report {
    let data = serde_json::to_value(set).unwrap_or(Value::Null);
    let mut r = match set.valid {
        true => Report::ok("ok", data),
        false => Report::not_verified(data),
    };
    r.human = set.lines();
    r
}

/// An advisory file's text as an advisory; a malformed one is not verified (exit 1).
pub fn parse_advisory(path: &Path, text: &str) -> Result<Advisory, Failure> {
    Advisory::from_json(text)
        .map_err(|e| Failure::not_verified(format!("{}: not an OSV advisory: {e}", path.display())))
}

/// What `advisory export` writes (the global `--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// RustSec advisory (TOML front matter and Markdown).
    Rustsec,
    /// Markdown notice.
    Markdown,
    /// Both, inside the JSON document.
    Json,
}

/// An advisory exported: one text to write or print, or both inside the JSON result.
#[derive(Debug)]
pub enum Export {
    /// `rustsec` or `markdown`.
    Text {
        /// The advisory's id.
        id: String,
        /// `rustsec` or `markdown`.
        format: &'static str,
        /// The exported text.
        text: String,
    },
    /// `--format json`: both exports (or why RustSec's failed).
    Both(Report),
}

/// Exports `adv`, read from `file`, in `format` (`None`: the flag is missing, a usage error).
/// An advisory that does not validate is not verified.
pub fn export(
    adv: &Advisory,
    file: &Path,
    format: Option<ExportFormat>,
) -> Result<Export, Failure> {
    let Some(format) = format else {
        return Err(Failure::usage(
            "`sigil advisory export` needs --format rustsec or --format markdown",
        )
        .hint("--format json gives both inside one JSON document"));
    };
    let errors = export::blockers(adv);
    if !errors.is_empty() {
        let (file, errors) = (file.display(), errors.join("; "));
        return Err(
            Failure::not_verified(format!("{file}: invalid advisory: {errors}"))
                .hint(format!("run `sigil advisory validate {file}`")),
        );
    }
    let rustsec = export::to_rustsec(adv);
    let markdown = export::to_markdown(adv);
    let (text, format) = match format {
        ExportFormat::Rustsec => (
            rustsec.map_err(|e| {
                Failure::usage(format!("{}: cannot export to RustSec: {e}", file.display()))
            })?,
            "rustsec",
        ),
        ExportFormat::Markdown => (markdown, "markdown"),
        ExportFormat::Json => {
            let (rs, rs_err) = match rustsec {
                Ok(t) => (Some(t), None),
                Err(e) => (None, Some(e.to_string())),
            };
            return Ok(Export::Both(Report::ok(
                "ok",
                json!({ "id": adv.id, "rustsec": rs, "rustsec_error": rs_err, "markdown": markdown }),
            )));
        }
    };
    let id = adv.id.clone();
    Ok(Export::Text { id, format, text })
}

impl Export {
    /// The report: the text on stdout, or where it was `written`.
    pub fn report(self, written: Option<&Path>) -> Report {
        let (id, format, text) = match self {
            Export::Both(r) => return r,
            Export::Text { id, format, text } => (id, format, text),
        };
        match written {
            None => document(json!({ "id": id, "format": format, "text": text }), text),
            Some(path) => Report::ok("ok", json!({ "id": id, "format": format, "file": path }))
                .line(format!("wrote {} ({format}) for {id}", path.display())),
        }
    }
}

/// `--product` package URLs (of `audit` and `vex new`); a bad one is a usage error.
pub fn products(given: &[String]) -> Result<Vec<Purl>, Failure> {
    given
        .iter()
        .map(|p| Purl::parse(p).map_err(|e| Failure::usage(format!("--product {p:?}: {e}"))))
        .collect()
}

/// `vex new --status`.
pub fn vex_status(s: &str) -> Result<vex::Status, Failure> {
    vex::Status::parse(s).ok_or_else(|| {
        Failure::usage(format!("unknown status {s:?}"))
            .hint("use not_affected, affected, fixed or under_investigation")
    })
}

/// `vex new --justification`.
pub fn vex_justification(j: &str) -> Result<vex::Justification, Failure> {
    vex::Justification::parse(j).ok_or_else(|| {
        Failure::usage(format!("unknown justification {j:?}")).hint(
            "use component_not_present, vulnerable_code_not_present, vulnerable_code_not_in_execute_path, vulnerable_code_cannot_be_controlled_by_adversary or inline_mitigations_already_exist",
        )
    })
}

/// A statement `vex new` cannot write, with the flag its `status` needs.
pub fn vex_refused(e: &VexParseError, status: vex::Status) -> Failure {
    let hint = match status {
        vex::Status::NotAffected => "not_affected needs --justification or --impact-statement",
        vex::Status::Affected => "affected needs --action-statement",
        _ => "check the flags",
    };
    Failure::usage(e.to_string()).hint(hint)
}

/// `vex new`: the document on stdout, or where it was `written`.
pub fn vex_document(doc: &vex::Document, st: &vex::NewStatement, written: Option<&Path>) -> Report {
    let text = doc.to_json();
    let Some(path) = written else {
        return document(json!({ "id": doc.id, "vex": doc }), text);
    };
    let (vuln, status, products) = (
        &st.vulnerability,
        st.status.as_str(),
        st.products.join(", "),
    );
    Report::ok("ok", json!({ "id": doc.id, "file": path, "vex": doc })).line(format!(
        "wrote {}: {vuln} is {status} for {products}",
        path.display()
    ))
}

impl From<LoadError> for Failure {
    /// File trouble is I/O (exit 2); a malformed advisory set is not verified (exit 1).
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::Io { path, source }
            | LoadError::Rustsec(RustsecDbError::Io { path, source }) => {
                Failure::io(format!("{}: {}", path.display(), io_reason(&source)))
            }
            other => Failure::not_verified(sigil_core::error::chain(&other)),
        }
    }
}

/// The advisories of `audit --advisories DIR`, which must be a directory.
pub fn load_advisories(dir: &Path) -> Result<Advisories, Failure> {
    if !dir.is_dir() {
        return Err(Failure::io(format!("{}: not a directory", dir.display())).hint(
            "--advisories takes a directory of OSV JSON files or a RustSec advisory-db checkout",
        ));
    }
    Ok(Advisories::load_dir(dir)?)
}

/// What `sigil audit` audits in `text`, read from `path`: an SBOM's components (its described
/// products unless `products` are given), or a `Cargo.lock`'s packages. One that does not
/// parse is not verified.
pub fn audit_input(
    path: &Path,
    text: &str,
    sbom: bool,
    products: Vec<Purl>,
) -> Result<Inventory, Failure> {
    let bad = |e: InventoryError| unreadable_input(path, &e);
    let mut inv = match sbom {
        true => inventory::read_sbom(text).map_err(bad)?,
        false => Inventory {
            components: inventory::from_lockfile(text).map_err(bad)?,
            products: Vec::new(),
        },
    };
    if !products.is_empty() || !sbom {
        inv.products = products;
    }
    Ok(inv)
}

/// An audit input (SBOM or `Cargo.lock`) that does not parse: not verified.
pub fn unreadable_input(path: &Path, e: &InventoryError) -> Failure {
    Failure::not_verified(format!("{}: {e}", path.display()))
}

/// A `--vex` file that is not an OpenVEX document: not verified.
pub fn parse_vex(path: &Path, text: &str) -> Result<vex::Document, Failure> {
    vex::Document::from_json(text).map_err(|e| {
        Failure::not_verified(format!(
            "{}: not an OpenVEX 0.2 document: {e}",
            path.display()
        ))
    })
}

/// `sigil audit`: the audit of `target` under `gate`; not verified when it fails.
pub fn audited(report: &audit::Report, target: &Path, gate: Gate) -> Report {
    let rendered = audit_text::render(report, &target.display().to_string(), gate);
    let mut r = match rendered.passes {
        true => Report::ok("ok", rendered.data),
        false => Report::not_verified(rendered.data),
    };
    r.human = rendered.lines;
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cvss::Severity;

    fn new_input() -> NewAdvisory {
        NewAdvisory {
            purl: Some("pkg:cargo/widget".into()),
            summary: Some("bad".into()),
            fixed: Some("1.2.3".into()),
            now: 1_700_000_000,
            ..NewAdvisory::default()
        }
    }

    #[test]
    fn without_a_terminal_a_missing_package_is_a_usage_error_and_nothing_is_asked() {
        let mut n = NewAdvisory::default();
        let e = complete(&mut n, false, |_, _| panic!("asked")).unwrap_err();
        assert_eq!(e.kind, FailureKind::Usage);
        assert_eq!(
            e.message,
            "missing --package PURL (or --ecosystem and --name)"
        );
        assert_eq!(
            e.hint.as_deref(),
            Some("stdin is not a terminal, so sigil does not prompt: give every field as a flag")
        );
        let mut n = new_input();
        n.summary = None;
        complete(&mut n, false, |_, _| panic!("asked")).unwrap();
        complete(&mut new_input(), true, |_, _| panic!("asked")).unwrap();
    }

    #[test]
    fn a_terminal_is_asked_for_each_missing_field_with_the_ecosystems_draft_id() {
        let mut n = NewAdvisory::default();
        let mut asked = Vec::new();
        complete(&mut n, true, |label, default| {
            asked.push(format!("{label} [{}]", default.unwrap_or("")));
            Ok(match label {
                "package URL (e.g. pkg:cargo/NAME)" => " pkg:cargo/widget\n".into(),
                "CVSS vector (empty for none)" => "  \n".into(),
                _ => "\n".into(),
            })
        })
        .unwrap();
        assert_eq!(
            asked,
            [
                "package URL (e.g. pkg:cargo/NAME) []",
                "summary []",
                "id [RUSTSEC-0000-0000]",
                "introduced in [0]",
                "fixed in (empty if not fixed) []",
                "CVSS vector (empty for none) []",
            ]
        );
        assert_eq!(n.id, "RUSTSEC-0000-0000");
        assert_eq!(n.purl.as_deref(), Some("pkg:cargo/widget"));
        assert_eq!(n.introduced.as_deref(), Some("0"));
        assert_eq!((n.summary, n.fixed, n.severity), (None, None, None));
    }

    #[test]
    fn a_new_advisory_written_reports_its_file_score_and_draft_note() {
        let adv = author::new_advisory(&new_input()).unwrap();
        let r = new_advisory(&adv, Some(Path::new("a.json")));
        assert_eq!(
            r.human,
            [
                "wrote a.json: RUSTSEC-0000-0000",
                "severity: not scored",
                "note: RUSTSEC-0000-0000 is a draft id; `sigil advisory validate --final` rejects it",
            ]
        );
        assert_eq!(r.data["file"], "a.json");
        assert_eq!(r.data["draft"], true);
        assert_eq!(r.data.get("score"), None);
        let mut n = new_input();
        n.id = "GHSA-2222-3333-4444".into();
        n.severity = Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into());
        let adv = author::new_advisory(&n).unwrap();
        let r = new_advisory(&adv, None);
        assert!(r.human.is_empty());
        assert_eq!(r.document, Some(adv.to_json()));
        assert_eq!(
            (&r.data["score"], &r.data["severity"], &r.data["draft"]),
            (&json!(9.8), &json!("critical"), &json!(false))
        );
        let r = new_advisory(&adv, Some(Path::new("b.json")));
        assert_eq!(
            r.human,
            [
                "wrote b.json: GHSA-2222-3333-4444",
                "severity: 9.8 critical (CVSS v3.1 base)"
            ]
        );
    }

    #[test]
    fn unreadable_validate_inputs_stop_and_invalid_ones_are_findings() {
        let p = Path::new("a.json");
        let (name, text) = validate_input(p, Ok("{}".into())).unwrap();
        assert_eq!((name.as_str(), text), ("a.json", Ok("{}".to_owned())));
        let (_, text) = validate_input(p, Err(Failure::not_verified("not UTF-8"))).unwrap();
        assert_eq!(text, Err("not UTF-8".to_owned()));
        let e = validate_input(p, Err(Failure::io("cannot open"))).unwrap_err();
        assert_eq!(e.message, "cannot open");
        let set = crate::batch::validate_files(
            vec![(name, Ok("{}".into()))],
            validate::Options::new(false),
        );
        let r = validated(&set);
        assert_eq!(r.exit_code(), 1);
        assert_eq!(r.human, set.lines());
        assert_eq!(r.data["valid"], false);
    }

    #[test]
    fn exports_need_a_format_and_a_valid_advisory() {
        let adv = author::new_advisory(&new_input()).unwrap();
        let f = Path::new("a.json");
        let e = export(&adv, f, None).unwrap_err();
        assert_eq!(e.kind, FailureKind::Usage);
        assert_eq!(
            e.message,
            "`sigil advisory export` needs --format rustsec or --format markdown"
        );
        let Export::Text { text, .. } = export(&adv, f, Some(ExportFormat::Markdown)).unwrap()
        else {
            panic!("text expected");
        };
        assert_eq!(text, export::to_markdown(&adv));
        let md = export(&adv, f, Some(ExportFormat::Markdown)).unwrap();
        let r = md.report(Some(Path::new("out.md")));
        assert_eq!(r.human, ["wrote out.md (markdown) for RUSTSEC-0000-0000"]);
        assert_eq!(
            r.data,
            json!({ "id": "RUSTSEC-0000-0000", "format": "markdown", "file": "out.md" })
        );
        let r = export(&adv, f, Some(ExportFormat::Json))
            .unwrap()
            .report(None);
        assert_eq!(r.data["markdown"], json!(export::to_markdown(&adv)));
        let mut bad = adv.clone();
        bad.modified = "yesterday".into();
        let e = export(&bad, f, Some(ExportFormat::Rustsec)).unwrap_err();
        assert_eq!(e.kind, FailureKind::NotVerified);
        assert!(
            e.message.starts_with("a.json: invalid advisory: "),
            "{}",
            e.message
        );
        assert_eq!(
            e.hint.as_deref(),
            Some("run `sigil advisory validate a.json`")
        );
    }

    #[test]
    fn vex_flags_are_checked_with_hints() {
        assert_eq!(vex_status("fixed").unwrap(), vex::Status::Fixed);
        let e = vex_status("gone").unwrap_err();
        assert_eq!(
            (e.message.as_str(), e.hint.as_deref()),
            (
                "unknown status \"gone\"",
                Some("use not_affected, affected, fixed or under_investigation")
            )
        );
        assert!(vex_justification("component_not_present").is_ok());
        assert_eq!(
            vex_justification("x").unwrap_err().message,
            "unknown justification \"x\""
        );
        let e = products(&["pkg:cargo/a".into(), "nope".into()]).unwrap_err();
        assert!(
            e.message.starts_with("--product \"nope\": "),
            "{}",
            e.message
        );
        let st =
            vex::NewStatement::new(vec!["pkg:cargo/a@1".into()], "CVE-1", vex::Status::Affected);
        let err = vex::new_document("me", st.clone(), 0, None, "t").unwrap_err();
        let e = vex_refused(&err, st.status);
        assert_eq!(e.hint.as_deref(), Some("affected needs --action-statement"));
        let mut st = st;
        st.action_statement = Some("upgrade".into());
        let doc = vex::new_document("me", st.clone(), 0, None, "t").unwrap();
        let r = vex_document(&doc, &st, Some(Path::new("v.json")));
        assert_eq!(
            r.human,
            ["wrote v.json: CVE-1 is affected for pkg:cargo/a@1"]
        );
        assert_eq!(vex_document(&doc, &st, None).document, Some(doc.to_json()));
    }

    #[test]
    fn audit_inputs_fail_with_their_kind() {
        let d = std::env::temp_dir().join("sigil-advisory-report-none");
        let e = load_advisories(&d).unwrap_err();
        assert_eq!(e.kind, FailureKind::Io);
        assert_eq!(e.message, format!("{}: not a directory", d.display()));
        let e = Failure::from(LoadError::Io {
            path: "x".into(),
            source: std::io::Error::from_raw_os_error(13),
        });
        assert_eq!(
            (e.kind, e.message.as_str()),
            (FailureKind::Io, "x: Permission denied")
        );
        let e = parse_vex(Path::new("v.json"), "{}").unwrap_err();
        assert!(e
            .message
            .starts_with("v.json: not an OpenVEX 0.2 document: "));
        let e = unreadable_input(Path::new("b"), &InventoryError::TooLarge { limit: 1 });
        assert_eq!(
            (e.kind, e.message.as_str()),
            (FailureKind::NotVerified, "b: input is larger than 1 bytes")
        );
    }

    #[test]
    fn audit_inputs_take_the_sboms_products_unless_given() {
        let bom = r#"{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"type":"application","name":"app","version":"1","purl":"pkg:cargo/app@1"}},"components":[]}"#;
        let p = Path::new("bom.json");
        let inv = audit_input(p, bom, true, Vec::new()).unwrap();
        assert_eq!(inv.products, [Purl::parse("pkg:cargo/app@1").unwrap()]);
        let given = products(&["pkg:cargo/other@2".into()]).unwrap();
        let inv = audit_input(p, bom, true, given.clone()).unwrap();
        assert_eq!(inv.products, given);
        let lock = "version = 3\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
        let inv = audit_input(Path::new("Cargo.lock"), lock, false, given.clone()).unwrap();
        assert_eq!((inv.components.len(), inv.products), (1, given));
        let e = audit_input(p, "[]", true, Vec::new()).unwrap_err();
        assert_eq!(e.kind, FailureKind::NotVerified);
        assert!(e.message.starts_with("bom.json: "), "{}", e.message);
    }

    #[test]
    fn an_audit_without_findings_passes_with_its_rows() {
        let a = Advisories::default();
        let report = audit::audit(&[], &[], &a, &[]);
        let r = audited(
            &report,
            Path::new("Cargo.lock"),
            Gate::new(Severity::Low, false, false),
        );
        let rendered = audit_text::render(
            &report,
            "Cargo.lock",
            Gate::new(Severity::Low, false, false),
        );
        assert_eq!(r.exit_code(), 0);
        assert_eq!(r.human, rendered.lines);
        assert_eq!(
            r.human[0],
            "audited 0 package(s) from Cargo.lock against 0 advisories"
        );
    }
}
