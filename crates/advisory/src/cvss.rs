//! CVSS v3.0/v3.1 and v4.0 vectors: strict syntax checks (the OSV schema's patterns) and
//! scores computed by the RustSec `cvss` crate.
//!
//! v3.x: the base score is computed from the base metrics; temporal and environmental metrics
//! are checked for syntax and otherwise ignored. v4.0: the score covers every metric the
//! vector gives, and [`Cvss::nomenclature`] says which (`CVSS-B`, `CVSS-BT`, ...).

use std::fmt;
use std::str::FromStr;

/// The qualitative severity rating scale (CVSS v3.1 section 5, v4.0 section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// 0.0.
    None,
    /// 0.1 to 3.9.
    Low,
    /// 4.0 to 6.9.
    Medium,
    /// 7.0 to 8.9.
    High,
    /// 9.0 to 10.0.
    Critical,
}

impl Severity {
    /// The rating for a score.
    pub fn from_score(score: f64) -> Self {
        if score < 0.1 {
            Severity::None
        } else if score < 4.0 {
            Severity::Low
        } else if score < 7.0 {
            Severity::Medium
        } else if score < 9.0 {
            Severity::High
        } else {
            Severity::Critical
        }
    }

    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity word that is not on the rating scale.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity {word:?}: expected none, low, medium (or moderate), high or critical")]
pub struct SeverityParseError {
    /// What was given.
    pub word: String,
}

impl FromStr for Severity {
    type Err = SeverityParseError;

    /// Case-insensitive; GitHub's `MODERATE` is accepted for medium.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(Severity::None),
            "low" => Ok(Severity::Low),
            "medium" | "moderate" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(SeverityParseError { word: s.to_owned() }),
        }
    }
}

/// CVSS version of a vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CvssVersion {
    /// CVSS v3.0.
    V30,
    /// CVSS v3.1.
    V31,
    /// CVSS v4.0.
    V40,
}

impl CvssVersion {
    /// `3.0`, `3.1` or `4.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            CvssVersion::V30 => "3.0",
            CvssVersion::V31 => "3.1",
            CvssVersion::V40 => "4.0",
        }
    }
}

/// Why a CVSS vector was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CvssError {
    /// The vector does not start with `CVSS:3.0/`, `CVSS:3.1/` or `CVSS:4.0/`.
    #[error("cvss vector must start with CVSS:3.0/, CVSS:3.1/ or CVSS:4.0/")]
    Prefix,
    /// A `metric:value` part is malformed or unknown.
    #[error("cvss vector has an invalid metric {part:?}")]
    Metric {
        /// The offending part.
        part: String,
    },
    /// A metric appears twice.
    #[error("cvss vector repeats the metric {metric}")]
    Duplicate {
        /// The metric.
        metric: String,
    },
    /// A mandatory base metric is missing.
    #[error("cvss vector is missing the base metric {metric}")]
    Missing {
        /// The metric.
        metric: String,
    },
    /// A v4.0 metric is out of the specification's order.
    #[error("cvss v4.0 vector has {metric} out of order")]
    Order {
        /// The metric.
        metric: String,
    },
    /// The scoring library refused the vector.
    #[error("cvss vector rejected: {reason}")]
    Library {
        /// Its reason.
        reason: String,
    },
}

/// A parsed, scored CVSS vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Cvss {
    /// The version.
    pub version: CvssVersion,
    /// The vector as given.
    pub vector: String,
    /// The score, 0.0 to 10.0, one decimal.
    pub score: f64,
}

impl Cvss {
    /// The qualitative rating of the score.
    pub fn severity(&self) -> Severity {
        Severity::from_score(self.score)
    }

    /// What the score covers: `CVSS v3.1 base`, or CVSS v4.0 nomenclature (`CVSS-B`...).
    pub fn nomenclature(&self) -> &'static str {
        match self.version {
            CvssVersion::V30 => "CVSS v3.0 base",
            CvssVersion::V31 => "CVSS v3.1 base",
            CvssVersion::V40 => {
                let has = |m: &str| {
                    self.vector
                        .split('/')
                        .skip(1)
                        .any(|p| p.split_once(':').is_some_and(|(k, v)| k == m && v != "X"))
                };
                let threat = has("E");
                let env = [
                    "CR", "IR", "AR", "MAV", "MAC", "MAT", "MPR", "MUI", "MVC", "MVI", "MVA",
                    "MSC", "MSI", "MSA",
                ]
                .iter()
                .any(|m| has(m));
                match (threat, env) {
                    (false, false) => "CVSS-B",
                    (true, false) => "CVSS-BT",
                    (false, true) => "CVSS-BE",
                    (true, true) => "CVSS-BTE",
                }
            }
        }
    }
}

impl Cvss {
    /// The vector reduced to what the score covers: v3.x base metrics in the specification's
    /// order (temporal and environmental metrics dropped); v4.0 vectors unchanged.
    pub fn base_vector(&self) -> String {
        match self.version {
            CvssVersion::V40 => self.vector.clone(),
            CvssVersion::V30 | CvssVersion::V31 => {
                let parts: Vec<&str> = self.vector.split('/').skip(1).collect();
                let base: Vec<&str> = V3_METRICS
                    .iter()
                    .filter(|(_, _, mandatory)| *mandatory)
                    .filter_map(|(m, _, _)| {
                        parts
                            .iter()
                            .find(|p| p.split_once(':').is_some_and(|(k, _)| k == *m))
                            .copied()
                    })
                    .collect();
                format!("CVSS:{}/{}", self.version.as_str(), base.join("/"))
            }
        }
    }
}

impl fmt::Display for Cvss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1} {} ({})", self.score, self.severity(), self.vector)
    }
}

/// (metric, allowed values, mandatory) for v3.x, base metrics first, as the OSV schema allows.
const V3_METRICS: &[(&str, &[&str], bool)] = &[
    ("AV", &["N", "A", "L", "P"], true),
    ("AC", &["L", "H"], true),
    ("PR", &["N", "L", "H"], true),
    ("UI", &["N", "R"], true),
    ("S", &["U", "C"], true),
    ("C", &["N", "L", "H"], true),
    ("I", &["N", "L", "H"], true),
    ("A", &["N", "L", "H"], true),
    ("E", &["X", "U", "P", "F", "H"], false),
    ("RL", &["X", "O", "T", "W", "U"], false),
    ("RC", &["X", "U", "R", "C"], false),
    ("CR", &["X", "L", "M", "H"], false),
    ("IR", &["X", "L", "M", "H"], false),
    ("AR", &["X", "L", "M", "H"], false),
    ("MAV", &["X", "N", "A", "L", "P"], false),
    ("MAC", &["X", "L", "H"], false),
    ("MPR", &["X", "N", "L", "H"], false),
    ("MUI", &["X", "N", "R"], false),
    ("MS", &["X", "U", "C"], false),
    ("MC", &["X", "N", "L", "H"], false),
    ("MI", &["X", "N", "L", "H"], false),
    ("MA", &["X", "N", "L", "H"], false),
];

/// v4.0 metrics in the order the specification (and the OSV schema) fixes.
const V4_METRICS: &[(&str, &[&str], bool)] = &[
    ("AV", &["N", "A", "L", "P"], true),
    ("AC", &["L", "H"], true),
    ("AT", &["N", "P"], true),
    ("PR", &["N", "L", "H"], true),
    ("UI", &["N", "P", "A"], true),
    ("VC", &["H", "L", "N"], true),
    ("VI", &["H", "L", "N"], true),
    ("VA", &["H", "L", "N"], true),
    ("SC", &["H", "L", "N"], true),
    ("SI", &["H", "L", "N"], true),
    ("SA", &["H", "L", "N"], true),
    ("E", &["X", "A", "P", "U"], false),
    ("CR", &["X", "H", "M", "L"], false),
    ("IR", &["X", "H", "M", "L"], false),
    ("AR", &["X", "H", "M", "L"], false),
    ("MAV", &["X", "N", "A", "L", "P"], false),
    ("MAC", &["X", "L", "H"], false),
    ("MAT", &["X", "N", "P"], false),
    ("MPR", &["X", "N", "L", "H"], false),
    ("MUI", &["X", "N", "P", "A"], false),
    ("MVC", &["X", "N", "L", "H"], false),
    ("MVI", &["X", "N", "L", "H"], false),
    ("MVA", &["X", "N", "L", "H"], false),
    ("MSC", &["X", "N", "L", "H"], false),
    ("MSI", &["X", "N", "L", "H", "S"], false),
    ("MSA", &["X", "N", "L", "H", "S"], false),
    ("S", &["X", "N", "P"], false),
    ("AU", &["X", "N", "Y"], false),
    ("R", &["X", "A", "U", "I"], false),
    ("V", &["X", "D", "C"], false),
    ("RE", &["X", "L", "M", "H"], false),
    ("U", &["X", "Clear", "Green", "Amber", "Red"], false),
];

/// Parses and scores a CVSS v3.0, v3.1 or v4.0 vector string.
pub fn parse(vector: &str) -> Result<Cvss, CvssError> {
    let (version, rest) = if let Some(r) = vector.strip_prefix("CVSS:3.1/") {
        (CvssVersion::V31, r)
    } else if let Some(r) = vector.strip_prefix("CVSS:3.0/") {
        (CvssVersion::V30, r)
    } else if let Some(r) = vector.strip_prefix("CVSS:4.0/") {
        (CvssVersion::V40, r)
    } else {
        return Err(CvssError::Prefix);
    };
    let table = if version == CvssVersion::V40 {
        V4_METRICS
    } else {
        V3_METRICS
    };
    let mut seen: Vec<Option<&str>> = vec![None; table.len()];
    let mut last_index = None;
    for part in rest.split('/') {
        let (k, v) = part.split_once(':').ok_or_else(|| CvssError::Metric {
            part: part.to_owned(),
        })?;
        let idx = table
            .iter()
            .position(|(m, _, _)| *m == k)
            .ok_or_else(|| CvssError::Metric {
                part: part.to_owned(),
            })?;
        if !table[idx].1.contains(&v) {
            return Err(CvssError::Metric {
                part: part.to_owned(),
            });
        }
        if seen[idx].is_some() {
            return Err(CvssError::Duplicate {
                metric: k.to_owned(),
            });
        }
        if version == CvssVersion::V40 {
            if last_index.is_some_and(|l| idx < l) {
                return Err(CvssError::Order {
                    metric: k.to_owned(),
                });
            }
            last_index = Some(idx);
        }
        seen[idx] = Some(v);
    }
    for (i, (m, _, mandatory)) in table.iter().enumerate() {
        if *mandatory && seen[i].is_none() {
            return Err(CvssError::Missing {
                metric: (*m).to_owned(),
            });
        }
    }
    let lib = |e: cvss::Error| CvssError::Library {
        reason: e.to_string(),
    };
    let score = match version {
        CvssVersion::V30 | CvssVersion::V31 => {
            // Base metrics only: the library scores the base group.
            let base: Vec<String> = table
                .iter()
                .zip(&seen)
                .filter(|((_, _, m), _)| *m)
                .filter_map(|((k, _, _), v)| v.map(|v| format!("{k}:{v}")))
                .collect();
            let text = format!("CVSS:{}/{}", version.as_str(), base.join("/"));
            cvss::v3::Base::from_str(&text)
                .map_err(lib)?
                .score()
                .value()
        }
        CvssVersion::V40 => cvss::v4::Vector::from_str(vector)
            .map_err(lib)?
            .score()
            .value(),
    };
    Ok(Cvss {
        version,
        vector: vector.to_owned(),
        score,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(vector: &str, expect: Result<(f64, &str), &str>) {
        match (parse(vector), expect) {
            (Ok(c), Ok((score, sev))) => {
                assert!(
                    (c.score - score).abs() < 1e-9,
                    "{vector}: score {} != {score}",
                    c.score
                );
                assert_eq!(c.severity().as_str(), sev, "{vector}");
            }
            (Err(e), Err(msg)) => assert_eq!(e.to_string(), msg, "{vector}"),
            (got, want) => panic!("{vector}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn v3_scores() {
        check(
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            Ok((9.8, "critical")),
        );
        check(
            "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N",
            Ok((6.8, "medium")),
        );
        check(
            "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:N",
            Ok((0.0, "none")),
        );
        check(
            "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
            Ok((6.1, "medium")),
        );
        // Temporal metrics are allowed and do not change the base score.
        check(
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O",
            Ok((9.8, "critical")),
        );
        // Order is free in v3.
        check(
            "CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N",
            Ok((9.8, "critical")),
        );
    }

    #[test]
    fn v4_scores_from_the_specification_examples() {
        // Expected scores as the FIRST calculator (and Red Hat's reference library) give them.
        check(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
            Ok((10.0, "critical")),
        );
        check(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N",
            Ok((5.1, "medium")),
        );
        check(
            "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
            Ok((4.6, "medium")),
        );
        check(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
            Ok((0.0, "none")),
        );
        check(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U",
            Ok((8.1, "high")),
        );
    }

    #[test]
    fn refusals() {
        check(
            "AV:N/AC:L",
            Err("cvss vector must start with CVSS:3.0/, CVSS:3.1/ or CVSS:4.0/"),
        );
        check(
            "CVSS:2.0/AV:N",
            Err("cvss vector must start with CVSS:3.0/, CVSS:3.1/ or CVSS:4.0/"),
        );
        check(
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
            Err("cvss vector is missing the base metric A"),
        );
        check(
            "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            Err("cvss vector repeats the metric AV"),
        );
        check(
            "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            Err("cvss vector has an invalid metric \"AV:Q\""),
        );
        check(
            "CVSS:3.1/av:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            Err("cvss vector has an invalid metric \"av:n\""),
        );
        check(
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",
            Err("cvss vector has an invalid metric \"\""),
        );
        check(
            "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
            Err("cvss v4.0 vector has AV out of order"),
        );
        check(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H",
            Err("cvss vector is missing the base metric SA"),
        );
    }

    #[test]
    fn severity_words() {
        assert_eq!("MODERATE".parse::<Severity>(), Ok(Severity::Medium));
        assert_eq!("Critical".parse::<Severity>(), Ok(Severity::Critical));
        assert!("urgent".parse::<Severity>().is_err());
        assert!(Severity::Low < Severity::High);
    }
}
