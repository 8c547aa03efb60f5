//! OpenVEX 0.2 documents: typed model, strict parsing (the OpenVEX JSON Schema's rules),
//! authoring, and matching statements to packages.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::purl::Purl;

/// The OpenVEX 0.2 JSON-LD context.
pub const CONTEXT: &str = "https://openvex.dev/ns/v0.2.0";

/// Largest VEX document sigil reads.
pub const MAX_VEX_BYTES: usize = 4 << 20;

/// An OpenVEX document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Document {
    /// JSON-LD context.
    #[serde(rename = "@context")]
    pub context: String,
    /// Document IRI.
    #[serde(rename = "@id")]
    pub id: String,
    /// Who wrote it.
    pub author: String,
    /// The author's role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// When it was issued.
    pub timestamp: String,
    /// Last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    /// Document version, from 1.
    pub version: u64,
    /// Tool that wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooling: Option<String>,
    /// Statements.
    pub statements: Vec<Statement>,
}

/// One statement about a vulnerability in products.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Statement {
    /// Statement IRI.
    #[serde(rename = "@id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Statement version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// The vulnerability.
    pub vulnerability: Vulnerability,
    /// When this was known to be true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    /// Products it applies to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<Component>,
    /// The status.
    pub status: Status,
    /// Supplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    /// How the status was determined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_notes: Option<String>,
    /// Why not affected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<Justification>,
    /// Why not affected, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact_statement: Option<String>,
    /// What to do (required for `affected`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_statement: Option<String>,
    /// When the action statement was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_statement_timestamp: Option<String>,
}

/// The vulnerability a statement is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Vulnerability {
    /// IRI.
    #[serde(rename = "@id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Main identifier (`CVE-...`, `GHSA-...`).
    pub name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Other identifiers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// A product (or a subcomponent) by IRI and/or identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Component {
    /// IRI (often a purl).
    #[serde(rename = "@id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Identifiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifiers: Option<Identifiers>,
    /// Hashes by algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashes: Option<BTreeMap<String, String>>,
    /// Subcomponents (products only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subcomponents: Vec<Component>,
}

/// Software identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Identifiers {
    /// Package URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// CPE 2.2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpe22: Option<String>,
    /// CPE 2.3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpe23: Option<String>,
}

/// VEX status.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    NotAffected,
    Affected,
    Fixed,
    UnderInvestigation,
}

impl Status {
    /// The OpenVEX spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::NotAffected => "not_affected",
            Status::Affected => "affected",
            Status::Fixed => "fixed",
            Status::UnderInvestigation => "under_investigation",
        }
    }

    /// Parses the OpenVEX spelling.
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

/// `not_affected` justifications.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Justification {
    ComponentNotPresent,
    VulnerableCodeNotPresent,
    VulnerableCodeNotInExecutePath,
    VulnerableCodeCannotBeControlledByAdversary,
    InlineMitigationsAlreadyExist,
}

impl Justification {
    /// The OpenVEX spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Justification::ComponentNotPresent => "component_not_present",
            Justification::VulnerableCodeNotPresent => "vulnerable_code_not_present",
            Justification::VulnerableCodeNotInExecutePath => "vulnerable_code_not_in_execute_path",
            Justification::VulnerableCodeCannotBeControlledByAdversary => {
                "vulnerable_code_cannot_be_controlled_by_adversary"
            }
            Justification::InlineMitigationsAlreadyExist => "inline_mitigations_already_exist",
        }
    }

    /// Parses the OpenVEX spelling.
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

const HASH_ALGORITHMS: &[&str] = &[
    "md5",
    "sha1",
    "sha-256",
    "sha-384",
    "sha-512",
    "sha3-224",
    "sha3-256",
    "sha3-384",
    "sha3-512",
    "blake2s-256",
    "blake2b-256",
    "blake2b-512",
];

/// Why a VEX document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VexParseError {
    /// Over [`MAX_VEX_BYTES`].
    #[error("vex document is larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// Not JSON, or not the OpenVEX shape.
    #[error(transparent)]
    Json(#[from] sigil_core::json::JsonAt),
    /// A rule of the OpenVEX schema or specification is broken.
    #[error("{path}: {message}")]
    Rule {
        /// Where.
        path: String,
        /// What.
        message: String,
    },
}

fn rule(path: impl Into<String>, message: impl Into<String>) -> VexParseError {
    VexParseError::Rule {
        path: path.into(),
        message: message.into(),
    }
}

/// RFC 3339 date-time with an offset (the schema's `date-time` format).
fn date_time_ok(ts: &str) -> bool {
    ts.parse::<jiff::Timestamp>().is_ok()
}

fn check_component(c: &Component, path: &str, sub: bool) -> Result<(), VexParseError> {
    if c.id.is_none() && c.identifiers.is_none() {
        return Err(rule(path, "a product needs an @id or identifiers"));
    }
    if let Some(ids) = &c.identifiers {
        if ids.purl.is_none() && ids.cpe22.is_none() && ids.cpe23.is_none() {
            return Err(rule(
                format!("{path}.identifiers"),
                "identifiers need a purl, cpe22 or cpe23",
            ));
        }
        if let Some(p) = &ids.purl {
            Purl::parse(p)
                .map_err(|e| rule(format!("{path}.identifiers.purl"), format!("{p:?}: {e}")))?;
        }
    }
    if let Some(h) = &c.hashes {
        if let Some(k) = h.keys().find(|k| !HASH_ALGORITHMS.contains(&k.as_str())) {
            return Err(rule(
                format!("{path}.hashes"),
                format!("unknown hash algorithm {k:?}"),
            ));
        }
    }
    if sub && !c.subcomponents.is_empty() {
        return Err(rule(path, "subcomponents cannot have subcomponents"));
    }
    for (i, s) in c.subcomponents.iter().enumerate() {
        check_component(s, &format!("{path}.subcomponents[{i}]"), true)?;
    }
    Ok(())
}

impl Document {
    /// Parses and checks an OpenVEX document.
    pub fn from_json(text: &str) -> Result<Self, VexParseError> {
        if text.len() > MAX_VEX_BYTES {
            return Err(VexParseError::TooLarge {
                limit: MAX_VEX_BYTES,
            });
        }
        let doc: Document =
            serde_json::from_str(text).map_err(|e| VexParseError::Json(e.into()))?;
        doc.check()?;
        Ok(doc)
    }

    /// The schema's and specification's rules.
    pub fn check(&self) -> Result<(), VexParseError> {
        if !self.context.starts_with("https://openvex.dev/ns") {
            return Err(rule(
                "@context",
                format!("{:?} is not an OpenVEX context", self.context),
            ));
        }
        if self.id.trim().is_empty() {
            return Err(rule("@id", "document @id is empty"));
        }
        if self.version < 1 {
            return Err(rule("version", "version starts at 1"));
        }
        for (name, ts) in [
            ("timestamp", Some(&self.timestamp)),
            ("last_updated", self.last_updated.as_ref()),
        ] {
            if let Some(ts) = ts {
                if !date_time_ok(ts) {
                    return Err(rule(name, format!("{ts:?} is not an RFC 3339 date-time")));
                }
            }
        }
        if self.statements.is_empty() {
            return Err(rule(
                "statements",
                "a document needs at least one statement",
            ));
        }
        for (i, s) in self.statements.iter().enumerate() {
            let p = format!("statements[{i}]");
            if s.version == Some(0) {
                return Err(rule(format!("{p}.version"), "version starts at 1"));
            }
            if s.vulnerability.name.trim().is_empty() {
                return Err(rule(
                    format!("{p}.vulnerability.name"),
                    "vulnerability name is empty",
                ));
            }
            for (name, ts) in [
                ("timestamp", s.timestamp.as_ref()),
                ("last_updated", s.last_updated.as_ref()),
                (
                    "action_statement_timestamp",
                    s.action_statement_timestamp.as_ref(),
                ),
            ] {
                if let Some(ts) = ts {
                    if !date_time_ok(ts) {
                        return Err(rule(
                            format!("{p}.{name}"),
                            format!("{ts:?} is not an RFC 3339 date-time"),
                        ));
                    }
                }
            }
            match s.status {
                Status::NotAffected
                    if s.justification.is_none() && s.impact_statement.is_none() =>
                {
                    return Err(rule(
                        p,
                        "not_affected needs a justification or an impact_statement",
                    ));
                }
                Status::Affected if s.action_statement.is_none() => {
                    return Err(rule(p, "affected needs an action_statement"));
                }
                _ => {}
            }
            for (j, c) in s.products.iter().enumerate() {
                check_component(c, &format!("{p}.products[{j}]"), false)?;
            }
            if self.statements[..i].contains(s) {
                return Err(rule(p, "statement repeated (statements must be unique)"));
            }
        }
        Ok(())
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The statement of this document alone that decides `ids` for `package` audited as a
    /// product of its own (no product context): see [`decide`].
    pub fn statement_for(&self, ids: &[&str], package: &Purl) -> Option<&Statement> {
        decide(std::slice::from_ref(self), ids, package, &[]).map(|(_, s)| s)
    }
}

/// The purls a product or subcomponent names (`@id` and `identifiers.purl`; what does not
/// parse as a purl names nothing here).
fn component_purls(c: &Component) -> impl Iterator<Item = Purl> + '_ {
    [
        c.id.as_deref(),
        c.identifiers.as_ref().and_then(|i| i.purl.as_deref()),
    ]
    .into_iter()
    .flatten()
    .filter_map(|p| Purl::parse(p).ok())
}

/// Whether a product or subcomponent names `p` ([`Purl::covers`]).
fn component_covers(c: &Component, p: &Purl) -> bool {
    component_purls(c).any(|g| g.covers(p))
}

impl Statement {
    /// Whether the statement is about one of `ids` (its name or an alias).
    pub fn names_vulnerability(&self, ids: &[&str]) -> bool {
        std::iter::once(self.vulnerability.name.as_str())
            .chain(self.vulnerability.aliases.iter().map(String::as_str))
            .any(|n| ids.contains(&n))
    }

    /// Whether the statement speaks for `package` as part of one of `products` (the audited
    /// product), with go-vex's `Statement.Matches` semantics. A statement is about its
    /// products (OpenVEX specification, "Statement" and "Product Data Structure"); its
    /// subcomponents only say where in that product the vulnerability originates. So it applies
    /// when one of its product entries
    /// - names `package` itself (the package is the product the statement is about), or
    /// - names one of `products` and has no subcomponents (the whole product), or a
    ///   subcomponent naming `package`.
    ///
    /// A subcomponent of any other product never applies. Names are purls compared with
    /// [`Purl::covers`]: the statement's version and qualifiers must all be present in ours.
    pub fn applies_to(&self, package: &Purl, products: &[Purl]) -> bool {
        self.products.iter().any(|entry| {
            component_covers(entry, package)
                || products.iter().any(|product| {
                    component_covers(entry, product)
                        && (entry.subcomponents.is_empty()
                            || entry
                                .subcomponents
                                .iter()
                                .any(|s| component_covers(s, package)))
                })
        })
    }

    /// When the statement was known to be true: its own `timestamp`, else its document's
    /// (OpenVEX specification, "Inheritance Flow", "Timestamps"; go-vex `SortStatements`).
    pub fn effective_timestamp(&self, document: &Document) -> Option<jiff::Timestamp> {
        self.timestamp
            .as_deref()
            .unwrap_or(&document.timestamp)
            .parse()
            .ok()
    }

    /// Whether the status suppresses a finding (`not_affected`, `fixed`).
    pub fn suppresses(&self) -> bool {
        matches!(self.status, Status::NotAffected | Status::Fixed)
    }
}

/// The statement that decides vulnerability `ids` for `package` in `products`, across
/// `docs`: among the statements naming one of `ids` that [apply](Statement::applies_to), the
/// newest by [statement time](Statement::effective_timestamp), whichever document holds it.
/// OpenVEX orders statements, not documents: "a sequence of statements, each overriding ...
/// the previous ones" ("The VEX Statement"). At equal times a statement that keeps the finding
/// (`affected`, `under_investigation`) wins over one that suppresses it; otherwise the later
/// one (documents in the order given, statements in document order) wins.
pub fn decide<'d>(
    docs: &'d [Document],
    ids: &[&str],
    package: &Purl,
    products: &[Purl],
) -> Option<(&'d Document, &'d Statement)> {
    let mut best: Option<(Option<jiff::Timestamp>, &Document, &Statement)> = None;
    for d in docs {
        for s in &d.statements {
            if !s.names_vulnerability(ids) || !s.applies_to(package, products) {
                continue;
            }
            let ts = s.effective_timestamp(d);
            let wins = match &best {
                None => true,
                Some((bts, _, bs)) => match ts.cmp(bts) {
                    std::cmp::Ordering::Greater => true,
                    std::cmp::Ordering::Less => false,
                    std::cmp::Ordering::Equal => !s.suppresses() || bs.suppresses(),
                },
            };
            if wins {
                best = Some((ts, d, s));
            }
        }
    }
    best.map(|(_, d, s)| (d, s))
}

/// What `vex new` needs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NewStatement {
    /// Product purls.
    pub products: Vec<String>,
    /// Vulnerability id.
    pub vulnerability: String,
    /// Its aliases.
    pub aliases: Vec<String>,
    /// Status.
    pub status: Status,
    /// Justification (`not_affected`).
    pub justification: Option<Justification>,
    /// Impact statement (`not_affected`).
    pub impact_statement: Option<String>,
    /// Action statement (`affected`).
    pub action_statement: Option<String>,
    /// Status notes.
    pub status_notes: Option<String>,
}

impl NewStatement {
    /// A statement about `vulnerability` in `products` with `status`.
    pub fn new(products: Vec<String>, vulnerability: impl Into<String>, status: Status) -> Self {
        Self {
            products,
            vulnerability: vulnerability.into(),
            aliases: Vec::new(),
            status,
            justification: None,
            impact_statement: None,
            action_statement: None,
            status_notes: None,
        }
    }
}

/// Builds a one-statement OpenVEX document issued at `timestamp` (Unix seconds). Without an
/// explicit `id`, the document id is derived from its content (as `vexctl` does), so equal
/// inputs give equal documents.
pub fn new_document(
    author: &str,
    statement: NewStatement,
    timestamp: i64,
    id: Option<String>,
    tooling: &str,
) -> Result<Document, VexParseError> {
    let ts = jiff::Timestamp::from_second(timestamp)
        .map_err(|e| rule("timestamp", e.to_string()))?
        .to_string();
    if statement.products.is_empty() {
        return Err(rule("products", "at least one product purl is needed"));
    }
    let products = statement
        .products
        .iter()
        .map(|p| Component {
            id: Some(p.clone()),
            identifiers: Some(Identifiers {
                purl: Some(p.clone()),
                cpe22: None,
                cpe23: None,
            }),
            hashes: None,
            subcomponents: Vec::new(),
        })
        .collect();
    let mut doc = Document {
        context: CONTEXT.to_owned(),
        id: String::new(),
        author: author.to_owned(),
        role: None,
        timestamp: ts.clone(),
        last_updated: None,
        version: 1,
        tooling: Some(tooling.to_owned()),
        statements: vec![Statement {
            id: None,
            version: None,
            vulnerability: Vulnerability {
                id: None,
                name: statement.vulnerability,
                description: None,
                aliases: statement.aliases,
            },
            timestamp: Some(ts),
            last_updated: None,
            products,
            status: statement.status,
            supplier: None,
            status_notes: statement.status_notes,
            justification: statement.justification,
            impact_statement: statement.impact_statement,
            action_statement: statement.action_statement,
            action_statement_timestamp: None,
        }],
    };
    doc.id = match id {
        Some(i) => i,
        None => {
            let body = serde_json::to_vec(&doc).unwrap_or_default();
            format!(
                "https://openvex.dev/docs/public/vex-{}",
                sigil_core::Sha256Digest::of(&body).to_hex()
            )
        }
    };
    doc.check()?;
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DOC: &str = r#"{
      "@context": "https://openvex.dev/ns/v0.2.0",
      "@id": "https://example.com/vex-1",
      "author": "Jane",
      "timestamp": "2024-01-01T00:00:00Z",
      "version": 1,
      "statements": [
        {"vulnerability": {"name": "CVE-2024-0001"}, "products": [{"@id": "pkg:cargo/app@1.0.0", "subcomponents": [{"@id": "pkg:cargo/dep"}]}],
         "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"},
        {"vulnerability": {"name": "CVE-2024-0001"}, "timestamp": "2023-01-01T00:00:00Z", "products": [{"@id": "pkg:cargo/dep@2.0.0"}],
         "status": "affected", "action_statement": "upgrade"}
      ]
    }"#;

    fn check(input: &str, expect: Result<usize, &str>) {
        match (Document::from_json(input), expect) {
            (Ok(d), Ok(n)) => assert_eq!(d.statements.len(), n),
            (Err(e), Err(m)) => assert_eq!(e.to_string(), m),
            (got, want) => panic!("got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn parses_and_enforces_rules() {
        check(DOC, Ok(2));
        check(
            &DOC.replace(
                r#", "justification": "vulnerable_code_not_in_execute_path""#,
                "",
            ),
            Err("statements[0]: not_affected needs a justification or an impact_statement"),
        );
        check(
            &DOC.replace(r#", "action_statement": "upgrade""#, ""),
            Err("statements[1]: affected needs an action_statement"),
        );
        check(
            &DOC.replace(r#""version": 1,"#, r#""version": 0,"#),
            Err("version: version starts at 1"),
        );
        check(&DOC.replace(r#""author": "Jane","#, r#""author": "Jane", "extra": 1,"#), Err("line 4, column 31: unknown field `extra`, expected one of `@context`, `@id`, `author`, `role`, `timestamp`, `last_updated`, `version`, `tooling`, `statements`"));
        check(&DOC.replace("not_affected", "maybe"), Err("line 9, column 26: unknown variant `maybe`, expected one of `not_affected`, `affected`, `fixed`, `under_investigation`"));
    }

    fn purl(s: &str) -> Purl {
        Purl::parse(s).expect("purl")
    }

    /// The status `decide` picks for `package` in `products`, or "none".
    fn check_decide(
        docs: &[Document],
        ids: &[&str],
        package: &str,
        products: &[&str],
        expect: &str,
    ) {
        let products: Vec<Purl> = products.iter().map(|p| purl(p)).collect();
        let got =
            decide(docs, ids, &purl(package), &products).map_or("none", |(_, s)| s.status.as_str());
        assert_eq!(got, expect, "{ids:?} for {package} in {products:?}");
    }

    #[test]
    fn statement_matching() {
        let d = Document::from_json(DOC).expect("valid");
        let docs = std::slice::from_ref(&d);
        let app = ["pkg:cargo/app@1.0.0"];
        // In app, the subcomponent statement (document time 2024) beats the 2023 statement.
        check_decide(
            docs,
            &["CVE-2024-0001"],
            "pkg:cargo/dep@2.0.0",
            &app,
            "not_affected",
        );
        check_decide(
            docs,
            &["GHSA-x", "CVE-2024-0001"],
            "pkg:cargo/dep@1.0.0",
            &app,
            "not_affected",
        );
        // Without a product, or in another product, app's subcomponent statement says nothing.
        check_decide(
            docs,
            &["CVE-2024-0001"],
            "pkg:cargo/dep@2.0.0",
            &[],
            "affected",
        );
        check_decide(docs, &["CVE-2024-0001"], "pkg:cargo/dep@1.0.0", &[], "none");
        check_decide(
            docs,
            &["CVE-2024-0001"],
            "pkg:cargo/dep@1.0.0",
            &["pkg:cargo/other@1.0.0"],
            "none",
        );
        check_decide(
            docs,
            &["CVE-2024-0001"],
            "pkg:cargo/dep@1.0.0",
            &["pkg:cargo/app@2.0.0"],
            "none",
        );
        // The product itself is named by the statement.
        check_decide(
            docs,
            &["CVE-2024-0001"],
            "pkg:cargo/app@1.0.0",
            &[],
            "not_affected",
        );
        check_decide(
            docs,
            &["CVE-2024-9999"],
            "pkg:cargo/dep@1.0.0",
            &app,
            "none",
        );
        check_decide(
            docs,
            &["CVE-2024-0001"],
            "pkg:cargo/other@1.0.0",
            &app,
            "none",
        );
        assert_eq!(
            d.statement_for(&["CVE-2024-0001"], &purl("pkg:cargo/dep@2.0.0"))
                .map(|s| s.status),
            Some(Status::Affected)
        );
    }

    fn doc(id: &str, timestamp: &str, statements: &str) -> Document {
        Document::from_json(&format!(
            r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "{id}", "author": "A",
                "timestamp": "{timestamp}", "version": 1, "statements": [{statements}]}}"#
        ))
        .expect("valid")
    }

    #[test]
    fn a_product_statement_covers_its_components_and_qualifiers_must_match() {
        let d = doc(
            "d",
            "2024-01-01T00:00:00Z",
            r#"{"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:cargo/app"}],
                "status": "not_affected", "justification": "vulnerable_code_not_present"},
               {"vulnerability": {"name": "CVE-2"}, "products": [{"@id": "pkg:cargo/dep?arch=arm64"}],
                "status": "not_affected", "justification": "vulnerable_code_not_present"}"#,
        );
        let docs = std::slice::from_ref(&d);
        check_decide(
            docs,
            &["CVE-1"],
            "pkg:cargo/dep@1.0.0",
            &["pkg:cargo/app@3.0.0"],
            "not_affected",
        );
        check_decide(
            docs,
            &["CVE-1"],
            "pkg:cargo/dep@1.0.0",
            &["pkg:cargo/other@3.0.0"],
            "none",
        );
        check_decide(docs, &["CVE-2"], "pkg:cargo/dep@1.0.0", &[], "none");
        check_decide(
            docs,
            &["CVE-2"],
            "pkg:cargo/dep@1.0.0?arch=x86_64",
            &[],
            "none",
        );
        check_decide(
            docs,
            &["CVE-2"],
            "pkg:cargo/dep@1.0.0?arch=arm64",
            &[],
            "not_affected",
        );
    }

    #[test]
    fn the_newest_statement_wins_whatever_its_document() {
        // affected in November (inside a January document) is newer than not_affected in
        // February (inside a June document, which inherits nothing: it has its own time).
        let jan = doc(
            "jan",
            "2024-01-15T00:00:00Z",
            r#"{"vulnerability": {"name": "CVE-1"}, "timestamp": "2024-11-01T00:00:00Z",
                "products": [{"@id": "pkg:cargo/dep"}], "status": "affected", "action_statement": "upgrade"}"#,
        );
        let jun = doc(
            "jun",
            "2024-06-01T00:00:00Z",
            r#"{"vulnerability": {"name": "CVE-1"}, "timestamp": "2024-02-01T00:00:00Z",
                "products": [{"@id": "pkg:cargo/dep"}], "status": "not_affected", "justification": "component_not_present"},
               {"vulnerability": {"name": "CVE-2"},
                "products": [{"@id": "pkg:cargo/dep"}], "status": "not_affected", "justification": "component_not_present"}"#,
        );
        for docs in [[jan.clone(), jun.clone()], [jun.clone(), jan.clone()]] {
            check_decide(&docs, &["CVE-1"], "pkg:cargo/dep@1.0.0", &[], "affected");
        }
        // A statement without a timestamp takes its document's.
        let later = doc(
            "later",
            "2024-03-01T00:00:00Z",
            r#"{"vulnerability": {"name": "CVE-2"}, "products": [{"@id": "pkg:cargo/dep"}],
                "status": "under_investigation"}"#,
        );
        check_decide(
            &[jun.clone(), later.clone()],
            &["CVE-2"],
            "pkg:cargo/dep@1.0.0",
            &[],
            "not_affected",
        );
        // At equal times, the statement that keeps the finding wins, in either order.
        let same = doc(
            "same",
            "2024-06-01T00:00:00Z",
            r#"{"vulnerability": {"name": "CVE-2"}, "products": [{"@id": "pkg:cargo/dep"}],
                "status": "under_investigation"}"#,
        );
        for docs in [[jun.clone(), same.clone()], [same.clone(), jun.clone()]] {
            check_decide(
                &docs,
                &["CVE-2"],
                "pkg:cargo/dep@1.0.0",
                &[],
                "under_investigation",
            );
        }
    }

    #[test]
    fn new_document_is_deterministic_and_valid() {
        let mut st = NewStatement::new(
            vec!["pkg:cargo/app@1.0.0".to_owned()],
            "CVE-2024-0001",
            Status::NotAffected,
        );
        st.justification = Some(Justification::ComponentNotPresent);
        let a =
            new_document("Jane", st.clone(), 1_700_000_000, None, "sigil 0.1.0").expect("valid");
        let b = new_document("Jane", st, 1_700_000_000, None, "sigil 0.1.0").expect("valid");
        assert_eq!(a, b);
        assert_eq!(a.timestamp, "2023-11-14T22:13:20Z");
        assert!(a.id.starts_with("https://openvex.dev/docs/public/vex-"));
        assert_eq!(Document::from_json(&a.to_json()), Ok(a));
        let bad = NewStatement::new(
            vec!["pkg:cargo/app".to_owned()],
            "CVE-1",
            Status::NotAffected,
        );
        assert_eq!(
            new_document("Jane", bad, 0, None, "t").map(|_| ()),
            Err(rule(
                "statements[0]",
                "not_affected needs a justification or an impact_statement"
            ))
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,200}") {
            let _ = Document::from_json(&s);
        }
    }
}
