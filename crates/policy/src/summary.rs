//! What a policy requires, in words, counted as evaluation counts it (`sigil policy check`).

use crate::model::{KeyRole, Policy};

impl Policy {
    /// Signers that count for evidence of `role`: keys with the role that are not revoked.
    fn signers(&self, role: KeyRole) -> usize {
        self.keys
            .iter()
            .filter(|k| k.has_role(role) && !self.is_revoked(k.key.key_id()))
            .count()
    }

    /// Who may sign evidence of `role`: "2 keys", "1 identity", "1 key or 2 identities".
    fn who(&self, role: KeyRole) -> String {
        let n =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        match (self.signers(role), self.identities.len()) {
            (k, 0) => n(k, "key", "keys"),
            (0, i) => n(i, "identity", "identities"),
            (k, i) => format!(
                "{} or {}",
                n(k, "key", "keys"),
                n(i, "identity", "identities")
            ),
        }
    }

    /// The requirements, one phrase each: the threshold of trusted signers, then provenance
    /// and an SBOM attestation when required (naming who may sign them when some key's
    /// `roles` narrow what it counts for).
    pub fn requirements(&self) -> Vec<String> {
        let restricted = self.keys.iter().any(|k| k.roles.len() < KeyRole::ALL.len());
        let mut out = vec![format!(
            "{} of {} trusted signers",
            self.threshold,
            self.signers(KeyRole::Artifact) + self.identities.len()
        )];
        if self.provenance.is_some() {
            out.push(match restricted {
                true => format!(
                    "provenance (signed by one of {})",
                    self.who(KeyRole::Provenance)
                ),
                false => "provenance".into(),
            });
        }
        if self.sbom.is_some() {
            out.push(match restricted {
                true => format!(
                    "an SBOM attestation (signed by one of {})",
                    self.who(KeyRole::Sbom)
                ),
                false => "an SBOM attestation".into(),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use sigil_keys::{PublicKey, SecretKey};

    use crate::model::{Policy, PolicyFiles};

    struct NoFiles;

    impl PolicyFiles for NoFiles {
        fn public_key(&self, _: &Path) -> Result<PublicKey, String> {
            Err("no files".into())
        }
        fn text(&self, _: &Path) -> Result<String, String> {
            Err("no files".into())
        }
    }

    /// `check(roles of each key, extra tables, expected requirements)`.
    fn check(roles: &[&str], extra: &str, expect: &[&str]) {
        let mut text = String::from("schema = 1\n[trust]\nkeys = [\n");
        for r in roles {
            let k = SecretKey::generate().public().to_minisign();
            let line = k.lines().nth(1).unwrap_or_default().to_owned();
            text.push_str(&format!("  {{ public-key = \"{line}\"{r} }},\n"));
        }
        text.push_str("]\n");
        text.push_str(extra);
        let p = Policy::parse(&text, Path::new("p.toml"), &NoFiles)
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(p.requirements(), expect);
    }

    #[test]
    fn requirements_name_who_may_sign_only_when_roles_narrow_it() {
        check(&[""], "", &["1 of 1 trusted signers"]);
        let both = "[provenance]\n[sbom]\nrequired = true\n";
        check(
            &["", ""],
            both,
            &[
                "1 of 2 trusted signers",
                "provenance",
                "an SBOM attestation",
            ],
        );
        check(
            &["", ", roles = [\"provenance\"]"],
            both,
            &[
                "1 of 1 trusted signers",
                "provenance (signed by one of 2 keys)",
                "an SBOM attestation (signed by one of 1 key)",
            ],
        );
    }
}
