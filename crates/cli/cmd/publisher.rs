//! The publisher flags of `sigil verify --bundle` and `sigil verify-attestation`, named as
//! `gh attestation verify` names them; the rules are `sigil_sigstore::PublisherPolicy`.

use sigil_sigstore::extensions::GITHUB_ACTIONS_ISSUER;
use sigil_sigstore::{Matcher, PublisherPolicy};

use crate::output::Failure;

/// `--owner`, `--repo`, `--signer-workflow`, `--signer-repo`, `--source-digest`,
/// `--deny-self-hosted-runners`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PublisherArgs {
    /// The repository owner the certificate must name (Source Repository Owner URI); a
    /// full `https://HOST/OWNER` URL for other forges.
    #[arg(long, value_name = "OWNER")]
    pub owner: Option<String>,
    /// The repository the certificate must name (Source Repository URI): OWNER/REPO, or a full
    /// `https://HOST/PATH` URL (GitLab and other forges).
    #[arg(long = "repo", value_name = "OWNER/REPO")]
    pub repository: Option<String>,
    /// The workflow that signed, any ref: [HOST/]OWNER/REPO/PATH (Build Signer URI).
    #[arg(long, value_name = "[HOST/]OWNER/REPO/PATH")]
    pub signer_workflow: Option<String>,
    /// The repository of the workflow that signed (a reusable workflow's repository).
    #[arg(long = "signer-repo", value_name = "OWNER/REPO")]
    pub signer_repository: Option<String>,
    /// The commit the certificate must name (Source Repository Digest).
    #[arg(long, value_name = "SHA")]
    pub source_digest: Option<String>,
    /// Refuse certificates from self-hosted runners (Runner Environment must be github-hosted).
    #[arg(long)]
    pub deny_self_hosted_runners: bool,
}

impl PublisherArgs {
    /// Whether any publisher flag (or `--source-ref` for the certificate) was given.
    pub fn any(&self, source_ref: Option<&String>) -> bool {
        self.claims(None, source_ref.cloned()).asks_claims()
    }

    /// The claims the flags name, with the issuer (default GitHub Actions') and `source_ref`.
    pub fn claims(&self, issuer: Option<Matcher>, source_ref: Option<String>) -> PublisherPolicy {
        let mut p =
            PublisherPolicy::new(issuer.unwrap_or_else(|| Matcher::exact(GITHUB_ACTIONS_ISSUER)));
        p.owner.clone_from(&self.owner);
        p.repository.clone_from(&self.repository);
        p.signer_workflow.clone_from(&self.signer_workflow);
        p.signer_repository.clone_from(&self.signer_repository);
        p.source_digest.clone_from(&self.source_digest);
        p.source_ref = source_ref;
        p.deny_self_hosted_runners = self.deny_self_hosted_runners;
        p
    }

    /// The certificate policy: the claims with the SAN when given; without an owner,
    /// repository, signer or SAN there is no identity (refused).
    pub fn policy(
        &self,
        identity: Option<Matcher>,
        issuer: Option<Matcher>,
        source_ref: Option<String>,
    ) -> Result<PublisherPolicy, Failure> {
        let mut p = self.claims(issuer, source_ref);
        p.identity = identity;
        sigil_gate::attest_report::require_signer(p)
    }
}
