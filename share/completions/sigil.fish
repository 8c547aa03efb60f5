# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sigil_global_optspecs
    string join \n format= q/quiet h/help V/version
end

function __fish_sigil_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sigil_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sigil_using_subcommand
    set -l cmd (__fish_sigil_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sigil -n "__fish_sigil_needs_command" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_needs_command" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_needs_command" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "key" -d 'Generate and convert keys'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "sign" -d 'Sign files with a minisign secret key (writes FILE.minisig)'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "verify" -d 'Verify a file\'s signature'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "sums" -d 'Create and verify SHA256SUMS checksum lists'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "attest" -d 'Sign an in-toto attestation (DSSE) about artifacts; appends to OUT.intoto.jsonl'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "provenance" -d 'Write SLSA v1 provenance for artifacts from the CI environment (or local git)'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "verify-attestation" -d 'Verify attestations: signature, subject, predicate type, builder and source'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "sbom" -d 'Write CycloneDX/SPDX SBOMs for a Cargo workspace, a pack or a binary; diff two SBOMs'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "pack" -d 'Sign, verify, archive and install data packs'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "scan" -d 'Find secrets (API keys, tokens, private keys) in files and trees; exit 1 on leaks'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "policy" -d 'Check policy files'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "install" -d 'Install a file (path or https URL) only if it passes a policy; atomic, nothing on failure'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "run" -d 'Verify a program against a policy, then run exactly the verified bytes'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "log" -d 'Show or verify the tamper-evident audit log of decisions'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "advisory" -d 'Write, validate and export OSV advisories'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "audit" -d 'Audit an SBOM or Cargo.lock against OSV/RustSec advisories, with OpenVEX applied'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "vex" -d 'Write OpenVEX documents'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "trust" -d 'Sigstore trust roots kept fresh through TUF: update, show'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "repo" -d 'TUF repositories of packs for any static host: init, add, publish, rotate'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "generate" -d 'Write shell completions and man pages into a directory (for packagers and the release)'
complete -c sigil -n "__fish_sigil_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand key; and not __fish_seen_subcommand_from generate export help" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand key; and not __fish_seen_subcommand_from generate export help" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand key; and not __fish_seen_subcommand_from generate export help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand key; and not __fish_seen_subcommand_from generate export help" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand key; and not __fish_seen_subcommand_from generate export help" -f -a "generate" -d 'Generate a minisign key pair: PREFIX.key (0600, scrypt-encrypted) and PREFIX.pub'
complete -c sigil -n "__fish_sigil_using_subcommand key; and not __fish_seen_subcommand_from generate export help" -f -a "export" -d 'Convert a public key between minisign and SPKI PEM'
complete -c sigil -n "__fish_sigil_using_subcommand key; and not __fish_seen_subcommand_from generate export help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand key; and __fish_seen_subcommand_from generate" -l out -d 'Path prefix: writes PREFIX.key and PREFIX.pub' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand key; and __fish_seen_subcommand_from generate" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand key; and __fish_seen_subcommand_from generate" -l no-password -d 'Write the secret key unencrypted (only when you really mean it)'
complete -c sigil -n "__fish_sigil_using_subcommand key; and __fish_seen_subcommand_from generate" -l force -d 'Overwrite existing key files'
complete -c sigil -n "__fish_sigil_using_subcommand key; and __fish_seen_subcommand_from generate" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand key; and __fish_seen_subcommand_from generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand key; and __fish_seen_subcommand_from generate" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand key; and __fish_seen_subcommand_from export" -l key-id -d 'With `--format minisign` from a PEM key: the key id of the minisign key it came from (16 hex digits, as `sigil key generate` and minisign print it). PEM has no key id and sigil does not invent one, since signatures carry the original id' -r
complete -c sigil -n "__fish_sigil_using_subcommand key; and __fish_seen_subcommand_from export" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand key; and __fish_seen_subcommand_from export" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand key; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand key; and __fish_seen_subcommand_from export" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "generate" -d 'Generate a minisign key pair: PREFIX.key (0600, scrypt-encrypted) and PREFIX.pub'
complete -c sigil -n "__fish_sigil_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "export" -d 'Convert a public key between minisign and SPKI PEM'
complete -c sigil -n "__fish_sigil_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand sign" -s k -l key -d 'Secret key file (minisign format, as made by `sigil key generate` or `minisign -G`)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand sign" -l identity-token -d 'OIDC identity token, or @FILE to read it from a file (else SIGSTORE_ID_TOKEN, else GitHub Actions\' ambient token)' -r
complete -c sigil -n "__fish_sigil_using_subcommand sign" -l signing-config -d 'Sigstore SigningConfig v0.2 naming Fulcio, Rekor and TSA URLs with validity windows' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand sign" -l trusted-root -d 'trusted_root.json to verify each new bundle against before it is written (default: the embedded public-good root, or the staging root with --staging)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand sign" -l service-timeout -d 'Longest a single service request may take, in seconds' -r
complete -c sigil -n "__fish_sigil_using_subcommand sign" -s t -l trusted-comment -d 'Signed comment; default `timestamp:<unix time>\\tfile:<name>\\thashed`, as minisign writes' -r
complete -c sigil -n "__fish_sigil_using_subcommand sign" -s c -l untrusted-comment -d 'Unsigned comment on the first line' -r
complete -c sigil -n "__fish_sigil_using_subcommand sign" -s x -l output -d 'Write the signature here instead of FILE.minisig (one FILE only)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand sign" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand sign" -l keyless -d 'Sign keyless: an OIDC identity token, a Fulcio certificate, Rekor and a timestamp authority, written as a Sigstore bundle (FILE.sigstore.json). No key is kept'
complete -c sigil -n "__fish_sigil_using_subcommand sign" -l staging -d 'Use Sigstore\'s staging instance and its embedded trusted root'
complete -c sigil -n "__fish_sigil_using_subcommand sign" -l insecure-allow-http -d 'Allow plain http:// services on 127.0.0.1 or [::1] (a local Sigstore for tests)'
complete -c sigil -n "__fish_sigil_using_subcommand sign" -s f -l force -d 'Overwrite an existing signature file (it may be another signer\'s)'
complete -c sigil -n "__fish_sigil_using_subcommand sign" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand sign" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand verify" -s k -l key -d 'Trusted public key (minisign or SPKI PEM)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand verify" -s x -l signature -d 'Signature file; default FILE.minisig' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l bundle -d 'Sigstore bundle (keyless with the --certificate-* flags, or managed key with --key PEM); repeat it for several FILEs, one --bundle per FILE in the same order' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l bundle-dir -d 'Verify every artifact X of a directory with the bundle X.sigstore.json beside it, on every core; one line (or JSON entry) per artifact, exit 1 if any fails' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l trusted-root -d 'Sigstore trusted_root.json; default: the embedded public-good root' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l certificate-identity -d 'Expected certificate identity (SAN), exactly' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l certificate-identity-regexp -d 'Expected certificate identity (SAN), as a regular expression (unanchored, like cosign)' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l certificate-oidc-issuer -d 'Expected OIDC issuer, exactly (alias --cert-oidc-issuer; default with the publisher flags: GitHub Actions\')' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l certificate-oidc-issuer-regexp -d 'Expected OIDC issuer, as a regular expression' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l source-ref -d 'The source ref the certificate must name (Source Repository Ref), e.g. refs/tags/v1' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l owner -d 'The repository owner the certificate must name (Source Repository Owner URI); a full `https://HOST/OWNER` URL for other forges' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l repo -d 'The repository the certificate must name (Source Repository URI): OWNER/REPO, or a full `https://HOST/PATH` URL (GitLab and other forges)' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l signer-workflow -d 'The workflow that signed, any ref: [HOST/]OWNER/REPO/PATH (Build Signer URI)' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l signer-repo -d 'The repository of the workflow that signed (a reusable workflow\'s repository)' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l source-digest -d 'The commit the certificate must name (Source Repository Digest)' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l policy -d 'Evaluate a policy: gather sidecar evidence by convention and report every rule' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l expect-name -d 'The name the trusted comment must state: the signed file name (`file:`) for a file (default: the file\'s own name), the pack name for a pack, the release name (`release:NAME-VERSION`) for a checksum list' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l expect-version -d 'The version the trusted comment must state (`release:NAME-VERSION`, or the pack\'s version)' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l audit-db -d 'Audit log database; default $XDG_DATA_HOME/sigil/audit.db (or ~/.local/share/sigil/audit.db)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l staging -d 'Use the embedded Sigstore staging trusted root'
complete -c sigil -n "__fish_sigil_using_subcommand verify" -l deny-self-hosted-runners -d 'Refuse certificates from self-hosted runners (Runner Environment must be github-hosted)'
complete -c sigil -n "__fish_sigil_using_subcommand verify" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand verify" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand sums; and not __fish_seen_subcommand_from create verify help" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand sums; and not __fish_seen_subcommand_from create verify help" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand sums; and not __fish_seen_subcommand_from create verify help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand sums; and not __fish_seen_subcommand_from create verify help" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand sums; and not __fish_seen_subcommand_from create verify help" -f -a "create" -d 'Write a SHA256SUMS list (GNU coreutils format) for files'
complete -c sigil -n "__fish_sigil_using_subcommand sums; and not __fish_seen_subcommand_from create verify help" -f -a "verify" -d 'Verify SHA256SUMS.minisig, then every file the list names'
complete -c sigil -n "__fish_sigil_using_subcommand sums; and not __fish_seen_subcommand_from create verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from create" -s o -l output -d 'Write the list here (names relative to its directory); default stdout' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from create" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from verify" -s k -l key -d 'Trusted public key (minisign or SPKI PEM)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from verify" -l bundle -d 'Sigstore bundle of the list (default LIST.sigstore.json when identity flags are given)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from verify" -l certificate-identity -d 'Expected certificate identity (SAN), exactly' -r
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from verify" -l certificate-identity-regexp -d 'Expected certificate identity, as a regular expression (anchor it with ^...$)' -r
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from verify" -l certificate-oidc-issuer -d 'Expected OIDC issuer, exactly' -r
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from verify" -l certificate-oidc-issuer-regexp -d 'Expected OIDC issuer, as a regular expression' -r
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from verify" -l trusted-root -d 'Sigstore trusted_root.json (default: the embedded public-good root)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from verify" -s x -l signature -d 'Signature of the list; default SHA256SUMS.minisig' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from verify" -l expect-name -d 'The name the trusted comment must state: the signed file name (`file:`) for a file (default: the file\'s own name), the pack name for a pack, the release name (`release:NAME-VERSION`) for a checksum list' -r
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from verify" -l expect-version -d 'The version the trusted comment must state (`release:NAME-VERSION`, or the pack\'s version)' -r
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from verify" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from verify" -l staging -d 'Use the embedded Sigstore staging trusted root'
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from help" -f -a "create" -d 'Write a SHA256SUMS list (GNU coreutils format) for files'
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Verify SHA256SUMS.minisig, then every file the list names'
complete -c sigil -n "__fish_sigil_using_subcommand sums; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand attest" -s k -l key -d 'Secret key file (minisign format, as made by `sigil key generate`)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand attest" -l identity-token -d 'OIDC identity token, or @FILE to read it from a file (else SIGSTORE_ID_TOKEN, else GitHub Actions\' ambient token)' -r
complete -c sigil -n "__fish_sigil_using_subcommand attest" -l signing-config -d 'Sigstore SigningConfig v0.2 naming Fulcio, Rekor and TSA URLs with validity windows' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand attest" -l trusted-root -d 'trusted_root.json to verify each new bundle against before it is written (default: the embedded public-good root, or the staging root with --staging)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand attest" -l service-timeout -d 'Longest a single service request may take, in seconds' -r
complete -c sigil -n "__fish_sigil_using_subcommand attest" -l predicate-type -d 'The predicate type URI (e.g. https://slsa.dev/provenance/v1, https://cyclonedx.org/bom)' -r
complete -c sigil -n "__fish_sigil_using_subcommand attest" -l predicate -d 'The predicate: any JSON object, or a whole in-toto Statement (taken as the statement)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand attest" -s o -l output -d 'Attestation file; one envelope line is appended (several attestations can share a file)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand attest" -l digest -d 'Digest algorithm for the subjects' -r -f -a "sha256\t'SHA-256 (default)'
sha512\t'SHA-512'"
complete -c sigil -n "__fish_sigil_using_subcommand attest" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand attest" -l keyless -d 'Sign keyless: an OIDC identity token, a Fulcio certificate, Rekor and a timestamp authority, written as a Sigstore bundle (FILE.sigstore.json). No key is kept'
complete -c sigil -n "__fish_sigil_using_subcommand attest" -l staging -d 'Use Sigstore\'s staging instance and its embedded trusted root'
complete -c sigil -n "__fish_sigil_using_subcommand attest" -l insecure-allow-http -d 'Allow plain http:// services on 127.0.0.1 or [::1] (a local Sigstore for tests)'
complete -c sigil -n "__fish_sigil_using_subcommand attest" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand attest" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand attest" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand provenance" -s o -l output -d 'Where to write the statement (pretty JSON)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand provenance" -l builder-id -d 'Builder id; default from the environment (GitHub: the workflow ref)' -r
complete -c sigil -n "__fish_sigil_using_subcommand provenance" -l build-type -d 'Build type; default from the environment' -r
complete -c sigil -n "__fish_sigil_using_subcommand provenance" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand provenance" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand provenance" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand provenance" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -l attestation -d '`.intoto.jsonl`, a DSSE envelope, a Sigstore bundle, `gh attestation download` JSON Lines, an npm attestations document, a cosign `--bundle` document, or a PEP 740 attestation (`.publish.attestation`) or provenance (`.provenance`) object' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -s k -l key -d 'Trusted public key (minisign or PEM); repeat to trust several' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -l trusted-root -d 'Sigstore trusted_root.json for keyless bundles (default: the embedded public-good root)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -l certificate-identity -d 'Expected certificate identity (SAN), exactly' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -l certificate-identity-regexp -d 'Expected certificate identity, as a regular expression' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -l certificate-oidc-issuer -d 'Expected OIDC issuer (default https://token.actions.githubusercontent.com; alias --cert-oidc-issuer)' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -l owner -d 'The repository owner the certificate must name (Source Repository Owner URI); a full `https://HOST/OWNER` URL for other forges' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -l repo -d 'The repository the certificate must name (Source Repository URI): OWNER/REPO, or a full `https://HOST/PATH` URL (GitLab and other forges)' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -l signer-workflow -d 'The workflow that signed, any ref: [HOST/]OWNER/REPO/PATH (Build Signer URI)' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -l signer-repo -d 'The repository of the workflow that signed (a reusable workflow\'s repository)' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -l source-digest -d 'The commit the certificate must name (Source Repository Digest)' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -l predicate-type -d 'Expected predicate type' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -l builder-id -d 'Expected builder id: exact, or without `@ref` to accept any ref' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -l source-uri -d 'Expected source repository (e.g. github.com/org/repo)' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -l source-ref -d 'Expected source ref (refs/tags/v1.2.3, or a short tag/branch name); with the publisher flags, the certificate\'s Source Repository Ref exactly' -r
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -l staging -d 'Use the embedded Sigstore staging trusted root'
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -l deny-self-hosted-runners -d 'Refuse certificates from self-hosted runners (Runner Environment must be github-hosted)'
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand verify-attestation" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and not __fish_seen_subcommand_from cargo pack binary diff help" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and not __fish_seen_subcommand_from cargo pack binary diff help" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and not __fish_seen_subcommand_from cargo pack binary diff help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and not __fish_seen_subcommand_from cargo pack binary diff help" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and not __fish_seen_subcommand_from cargo pack binary diff help" -f -a "cargo" -d 'SBOM of a Cargo workspace (runs `cargo metadata --locked` for the host platform)'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and not __fish_seen_subcommand_from cargo pack binary diff help" -f -a "pack" -d 'SBOM of a data pack: every regular file with its SHA-256 (`.sigil/` excluded)'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and not __fish_seen_subcommand_from cargo pack binary diff help" -f -a "binary" -d 'SBOM of a binary from the dependency list `cargo auditable build` embeds'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and not __fish_seen_subcommand_from cargo pack binary diff help" -f -a "diff" -d 'Components added, removed and changed between two SBOMs (CycloneDX or SPDX JSON)'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and not __fish_seen_subcommand_from cargo pack binary diff help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from cargo" -l manifest-path -d 'The workspace\'s Cargo.toml; default: found from the current directory' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from cargo" -l spec -d 'Document format' -r -f -a "cyclonedx-1.6\t'CycloneDX 1.6 JSON'
cyclonedx-1.5\t'CycloneDX 1.5 JSON'
spdx-2.3\t'SPDX 2.3 JSON'"
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from cargo" -s o -l output -d 'Write the SBOM here; default stdout' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from cargo" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from cargo" -l include-dev -d 'Also list dev-dependencies of workspace members'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from cargo" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from cargo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from cargo" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from pack" -l name -d 'Name of the root component; default the directory\'s name' -r
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from pack" -l pack-version -d 'Version of the root component' -r
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from pack" -l spec -d 'Document format' -r -f -a "cyclonedx-1.6\t'CycloneDX 1.6 JSON'
cyclonedx-1.5\t'CycloneDX 1.5 JSON'
spdx-2.3\t'SPDX 2.3 JSON'"
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from pack" -s o -l output -d 'Write the SBOM here; default stdout' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from pack" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from pack" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from pack" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from pack" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from binary" -l spec -d 'Document format' -r -f -a "cyclonedx-1.6\t'CycloneDX 1.6 JSON'
cyclonedx-1.5\t'CycloneDX 1.5 JSON'
spdx-2.3\t'SPDX 2.3 JSON'"
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from binary" -s o -l output -d 'Write the SBOM here; default stdout' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from binary" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from binary" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from binary" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from binary" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from diff" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from diff" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from diff" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from help" -f -a "cargo" -d 'SBOM of a Cargo workspace (runs `cargo metadata --locked` for the host platform)'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from help" -f -a "pack" -d 'SBOM of a data pack: every regular file with its SHA-256 (`.sigil/` excluded)'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from help" -f -a "binary" -d 'SBOM of a binary from the dependency list `cargo auditable build` embeds'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from help" -f -a "diff" -d 'Components added, removed and changed between two SBOMs (CycloneDX or SPDX JSON)'
complete -c sigil -n "__fish_sigil_using_subcommand sbom; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and not __fish_seen_subcommand_from sign verify archive install check help" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand pack; and not __fish_seen_subcommand_from sign verify archive install check help" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and not __fish_seen_subcommand_from sign verify archive install check help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and not __fish_seen_subcommand_from sign verify archive install check help" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and not __fish_seen_subcommand_from sign verify archive install check help" -f -a "sign" -d 'Check the data-only rules, scan for secrets, then write and sign .sigil/SHA256SUMS'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and not __fish_seen_subcommand_from sign verify archive install check help" -f -a "verify" -d 'Verify a pack directory against its signed manifest, exactly'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and not __fish_seen_subcommand_from sign verify archive install check help" -f -a "archive" -d 'Write a deterministic .tar.gz of a signed pack'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and not __fish_seen_subcommand_from sign verify archive install check help" -f -a "install" -d 'Verify ARCHIVE.minisig, unpack into private staging, verify the pack, move it into place'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and not __fish_seen_subcommand_from sign verify archive install check help" -f -a "check" -d 'Re-verify an installed pack (detects tampering after install)'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and not __fish_seen_subcommand_from sign verify archive install check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from sign" -s k -l key -d 'Secret key (minisign format)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from sign" -l identity-token -d 'OIDC identity token, or @FILE to read it from a file (else SIGSTORE_ID_TOKEN, else GitHub Actions\' ambient token)' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from sign" -l signing-config -d 'Sigstore SigningConfig v0.2 naming Fulcio, Rekor and TSA URLs with validity windows' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from sign" -l trusted-root -d 'trusted_root.json to verify each new bundle against before it is written (default: the embedded public-good root, or the staging root with --staging)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from sign" -l service-timeout -d 'Longest a single service request may take, in seconds' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from sign" -l name -d 'Pack name (signed)' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from sign" -l version -d 'Pack version (signed)' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from sign" -l allowlist -d 'Secret-scan allowlist file' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from sign" -l max-files -d 'Most files in the pack' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from sign" -l max-file-bytes -d 'Largest single file, in bytes' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from sign" -l max-total-bytes -d 'Largest total size, in bytes' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from sign" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from sign" -l keyless -d 'Sign keyless: an OIDC identity token, a Fulcio certificate, Rekor and a timestamp authority, written as a Sigstore bundle (FILE.sigstore.json). No key is kept'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from sign" -l staging -d 'Use Sigstore\'s staging instance and its embedded trusted root'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from sign" -l insecure-allow-http -d 'Allow plain http:// services on 127.0.0.1 or [::1] (a local Sigstore for tests)'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from sign" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from verify" -s k -l key -d 'Trusted public key (minisign or SPKI PEM); repeat for several' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from verify" -l bundle -d 'Sigstore bundle of the list (default LIST.sigstore.json when identity flags are given)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from verify" -l certificate-identity -d 'Expected certificate identity (SAN), exactly' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from verify" -l certificate-identity-regexp -d 'Expected certificate identity, as a regular expression (anchor it with ^...$)' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from verify" -l certificate-oidc-issuer -d 'Expected OIDC issuer, exactly' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from verify" -l certificate-oidc-issuer-regexp -d 'Expected OIDC issuer, as a regular expression' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from verify" -l trusted-root -d 'Sigstore trusted_root.json (default: the embedded public-good root)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from verify" -l expect-name -d 'The name the trusted comment must state: the signed file name (`file:`) for a file (default: the file\'s own name), the pack name for a pack, the release name (`release:NAME-VERSION`) for a checksum list' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from verify" -l expect-version -d 'The version the trusted comment must state (`release:NAME-VERSION`, or the pack\'s version)' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from verify" -l allowlist -d 'Allowlist whose `content GLOB REASON` lines excuse files from the content rules' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from verify" -l max-files -d 'Most files in the pack' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from verify" -l max-file-bytes -d 'Largest single file, in bytes' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from verify" -l max-total-bytes -d 'Largest total size, in bytes' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from verify" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from verify" -l staging -d 'Use the embedded Sigstore staging trusted root'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from archive" -s o -l output -d 'Output archive (.tar.gz)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from archive" -l max-files -d 'Most files in the pack' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from archive" -l max-file-bytes -d 'Largest single file, in bytes' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from archive" -l max-total-bytes -d 'Largest total size, in bytes' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from archive" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from archive" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from archive" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from archive" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from install" -s k -l key -d 'Trusted public key for the archive and the pack (minisign or SPKI PEM); repeat for several' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from install" -s x -l signature -d 'Archive signature; default ARCHIVE.minisig' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from install" -l to -d 'Destination directory (must not exist unless --replace)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from install" -l expect-name -d 'The name the trusted comment must state: the signed file name (`file:`) for a file (default: the file\'s own name), the pack name for a pack, the release name (`release:NAME-VERSION`) for a checksum list' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from install" -l expect-version -d 'The version the trusted comment must state (`release:NAME-VERSION`, or the pack\'s version)' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from install" -l allowlist -d 'Allowlist whose `content GLOB REASON` lines excuse files from the content rules' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from install" -l max-files -d 'Most files in the pack' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from install" -l max-file-bytes -d 'Largest single file, in bytes' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from install" -l max-total-bytes -d 'Largest total size, in bytes' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from install" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from install" -l replace -d 'Replace an existing DEST atomically (only an unchanged installed pack)'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from install" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from install" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from check" -s k -l key -d 'Trusted public key (minisign or SPKI PEM); repeat for several' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from check" -l bundle -d 'Sigstore bundle of the list (default LIST.sigstore.json when identity flags are given)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from check" -l certificate-identity -d 'Expected certificate identity (SAN), exactly' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from check" -l certificate-identity-regexp -d 'Expected certificate identity, as a regular expression (anchor it with ^...$)' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from check" -l certificate-oidc-issuer -d 'Expected OIDC issuer, exactly' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from check" -l certificate-oidc-issuer-regexp -d 'Expected OIDC issuer, as a regular expression' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from check" -l trusted-root -d 'Sigstore trusted_root.json (default: the embedded public-good root)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from check" -l expect-name -d 'The name the trusted comment must state: the signed file name (`file:`) for a file (default: the file\'s own name), the pack name for a pack, the release name (`release:NAME-VERSION`) for a checksum list' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from check" -l expect-version -d 'The version the trusted comment must state (`release:NAME-VERSION`, or the pack\'s version)' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from check" -l allowlist -d 'Allowlist whose `content GLOB REASON` lines excuse files from the content rules' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from check" -l max-files -d 'Most files in the pack' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from check" -l max-file-bytes -d 'Largest single file, in bytes' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from check" -l max-total-bytes -d 'Largest total size, in bytes' -r
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from check" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from check" -l staging -d 'Use the embedded Sigstore staging trusted root'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from help" -f -a "sign" -d 'Check the data-only rules, scan for secrets, then write and sign .sigil/SHA256SUMS'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Verify a pack directory against its signed manifest, exactly'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from help" -f -a "archive" -d 'Write a deterministic .tar.gz of a signed pack'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from help" -f -a "install" -d 'Verify ARCHIVE.minisig, unpack into private staging, verify the pack, move it into place'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from help" -f -a "check" -d 'Re-verify an installed pack (detects tampering after install)'
complete -c sigil -n "__fish_sigil_using_subcommand pack; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand scan" -l allowlist -d 'Allowlist file: `path GLOB`, `rule ID` or `fingerprint HEX` per line' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand scan" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand scan" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand scan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand scan" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and not __fish_seen_subcommand_from check help" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand policy; and not __fish_seen_subcommand_from check help" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and not __fish_seen_subcommand_from check help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and not __fish_seen_subcommand_from check help" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and not __fish_seen_subcommand_from check help" -f -a "check" -d 'Check a policy file: strict TOML, every key known, every regex compiles, every key loads'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and not __fish_seen_subcommand_from check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and __fish_seen_subcommand_from check" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand policy; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "check" -d 'Check a policy file: strict TOML, every key known, every regex compiles, every key loads'
complete -c sigil -n "__fish_sigil_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand install" -l policy -d 'The policy to enforce' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand install" -l to -d 'Destination file, or an existing directory to install into' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand install" -l expect-name -d 'The name the trusted comment must state: the signed file name (`file:`) for a file (default: the file\'s own name), the pack name for a pack, the release name (`release:NAME-VERSION`) for a checksum list' -r
complete -c sigil -n "__fish_sigil_using_subcommand install" -l expect-version -d 'The version the trusted comment must state (`release:NAME-VERSION`, or the pack\'s version)' -r
complete -c sigil -n "__fish_sigil_using_subcommand install" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c sigil -n "__fish_sigil_using_subcommand install" -l read-timeout -d 'Seconds to wait for the response or for any read of the body' -r
complete -c sigil -n "__fish_sigil_using_subcommand install" -l audit-db -d 'Audit log database; default $XDG_DATA_HOME/sigil/audit.db (or ~/.local/share/sigil/audit.db)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand install" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand install" -l replace -d 'Replace an existing file (or pack directory) at DEST; the old one stays until the new one replaces it in one atomic rename'
complete -c sigil -n "__fish_sigil_using_subcommand install" -l insecure-allow-http -d 'Allow plain http://, and only to loopback IP addresses (test servers, local mirrors)'
complete -c sigil -n "__fish_sigil_using_subcommand install" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand install" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand run" -l policy -d 'The policy to enforce (it must say `[run] allow = true`)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand run" -l audit-db -d 'Audit log database; default $XDG_DATA_HOME/sigil/audit.db (or ~/.local/share/sigil/audit.db)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand run" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand run" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand run" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand log; and not __fish_seen_subcommand_from list verify checkpoint help" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand log; and not __fish_seen_subcommand_from list verify checkpoint help" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand log; and not __fish_seen_subcommand_from list verify checkpoint help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand log; and not __fish_seen_subcommand_from list verify checkpoint help" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand log; and not __fish_seen_subcommand_from list verify checkpoint help" -f -a "list" -d 'Show recorded decisions'
complete -c sigil -n "__fish_sigil_using_subcommand log; and not __fish_seen_subcommand_from list verify checkpoint help" -f -a "verify" -d 'Check the hash chain: exit 1 when a row was edited, deleted or reordered. Without an anchor (--expect-head or --key) this cannot catch a rewrite that recomputed the chain'
complete -c sigil -n "__fish_sigil_using_subcommand log; and not __fish_seen_subcommand_from list verify checkpoint help" -f -a "checkpoint" -d 'Sign the current head (rows and hash) with a minisign key, as a checkpoint that `log verify --key` checks later'
complete -c sigil -n "__fish_sigil_using_subcommand log; and not __fish_seen_subcommand_from list verify checkpoint help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from list" -l since -d 'Only entries at or after T: RFC 3339 (2026-01-02T03:04:05Z), a date, or an age (30m, 24h, 7d)' -r
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from list" -l audit-db -d 'Audit log database; default $XDG_DATA_HOME/sigil/audit.db (or ~/.local/share/sigil/audit.db)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from list" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from verify" -l audit-db -d 'Audit log database; default $XDG_DATA_HOME/sigil/audit.db (or ~/.local/share/sigil/audit.db)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from verify" -l expect-head -d 'Exit 1 unless the head hash is exactly HEX (as printed by an earlier `log verify`)' -r
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from verify" -l key -d 'Check the signed checkpoint with this public key: the checkpointed head must still be the hash of the row at the same position. A missing checkpoint is exit 1' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from verify" -l checkpoint -d 'Checkpoint file (its signature is FILE.minisig); default DB.checkpoint' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from verify" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from checkpoint" -l audit-db -d 'Audit log database; default $XDG_DATA_HOME/sigil/audit.db (or ~/.local/share/sigil/audit.db)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from checkpoint" -l key -d 'Minisign secret key to sign the checkpoint with' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from checkpoint" -s o -l out -d 'Where to write the checkpoint (and FILE.minisig); default DB.checkpoint. Keep a copy where whoever can write the log cannot' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from checkpoint" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from checkpoint" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from checkpoint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from checkpoint" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from help" -f -a "list" -d 'Show recorded decisions'
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check the hash chain: exit 1 when a row was edited, deleted or reordered. Without an anchor (--expect-head or --key) this cannot catch a rewrite that recomputed the chain'
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from help" -f -a "checkpoint" -d 'Sign the current head (rows and hash) with a minisign key, as a checkpoint that `log verify --key` checks later'
complete -c sigil -n "__fish_sigil_using_subcommand log; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and not __fish_seen_subcommand_from new validate export help" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and not __fish_seen_subcommand_from new validate export help" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and not __fish_seen_subcommand_from new validate export help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and not __fish_seen_subcommand_from new validate export help" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and not __fish_seen_subcommand_from new validate export help" -f -a "new" -d 'Write an OSV 1.7 advisory (flags, or prompts when stdin is a terminal)'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and not __fish_seen_subcommand_from new validate export help" -f -a "validate" -d 'Check OSV advisories against the schema and the OSV specification\'s semantics'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and not __fish_seen_subcommand_from new validate export help" -f -a "export" -d 'Export an advisory: `--format rustsec` (RustSec advisory-db) or `--format markdown`'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and not __fish_seen_subcommand_from new validate export help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l id -d 'Advisory id: GHSA-..., RUSTSEC-... or CVE-...; default a draft placeholder (RUSTSEC-0000-0000 for crates.io, else GHSA-xxxx-xxxx-xxxx)' -r
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l summary -d 'One-line summary' -r
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l details -d 'Details (Markdown)' -r
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l details-file -d 'Read the details (Markdown) from a file' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l package -d 'Affected package as a package URL (pkg:cargo/NAME, pkg:npm/NAME...)' -r
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l ecosystem -d 'Affected package\'s OSV ecosystem (with --name, instead of --package)' -r
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l name -d 'Affected package\'s name (with --ecosystem)' -r
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l range -d 'An affected range: `introduced=1.0.0,fixed=1.2.3` (also last_affected=, limit=). Repeatable' -r
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l introduced -d 'Shorthand for one range: where it starts (default 0, all earlier versions)' -r
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l fixed -d 'Shorthand for one range: the first fixed version' -r
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l last-affected -d 'Shorthand for one range: the last affected version' -r
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l range-type -d 'Range type (default SEMVER for SemVer ecosystems such as crates.io, else ECOSYSTEM)' -r -f -a "semver\t'SemVer 2.0 versions'
ecosystem\t'The ecosystem\'s own versions'"
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l affected-version -d 'An explicitly affected version. Repeatable' -r
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l severity -d 'CVSS v3.1 or v4.0 vector; sigil computes and shows the score' -r
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l alias -d 'Another id for the same vulnerability (CVE-..., GHSA-...). Repeatable' -r
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l reference -d 'A reference: `TYPE:URL` (ADVISORY, FIX, REPORT, WEB...) or a URL. Repeatable' -r
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l credit -d 'A credit: `TYPE:NAME` (FINDER, REPORTER...) or a name. Repeatable' -r
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -s o -l out -d 'Write the advisory here instead of stdout' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -l force -d 'Overwrite --out if it exists'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from new" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from validate" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from validate" -l final -d 'Reject draft placeholder ids (RUSTSEC-0000-0000, GHSA-xxxx-xxxx-xxxx...)'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from validate" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from validate" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from export" -s o -l out -d 'Write the export here instead of stdout' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from export" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from export" -l force -d 'Overwrite --out if it exists'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from export" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from export" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from help" -f -a "new" -d 'Write an OSV 1.7 advisory (flags, or prompts when stdin is a terminal)'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from help" -f -a "validate" -d 'Check OSV advisories against the schema and the OSV specification\'s semantics'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from help" -f -a "export" -d 'Export an advisory: `--format rustsec` (RustSec advisory-db) or `--format markdown`'
complete -c sigil -n "__fish_sigil_using_subcommand advisory; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand audit" -l sbom -d 'CycloneDX or SPDX JSON SBOM to audit' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand audit" -l lockfile -d 'Cargo.lock to audit' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand audit" -l advisories -d 'Directory of OSV JSON advisories (any depth), or a RustSec advisory-db checkout' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand audit" -l vex -d 'OpenVEX documents to apply. Repeatable' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand audit" -l fail-on -d 'Fail (exit 1) when a finding at or above this severity remains. Unscored and undecidable findings always count, and so do unaudited components unless --insecure-allow-unaudited' -r -f -a "low\t'Any finding with a score of 0.1 or more'
medium\t'4.0 or more'
high\t'7.0 or more'
critical\t'9.0 or more'"
complete -c sigil -n "__fish_sigil_using_subcommand audit" -l product -d 'The audited product\'s package URL, which VEX statements about subcomponents must name. Repeatable. Default: the SBOM\'s described component (CycloneDX `metadata.component`, SPDX `DESCRIBES`); a lockfile has none' -r
complete -c sigil -n "__fish_sigil_using_subcommand audit" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand audit" -l insecure-allow-unaudited -d 'Report components that could not be audited (no purl, no version...) without failing'
complete -c sigil -n "__fish_sigil_using_subcommand audit" -l fail-on-informational -d 'Also fail (exit 1) on findings of informational advisories (unmaintained, unsound, notice), which are otherwise reported apart without failing'
complete -c sigil -n "__fish_sigil_using_subcommand audit" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand audit" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand vex; and not __fish_seen_subcommand_from new help" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand vex; and not __fish_seen_subcommand_from new help" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand vex; and not __fish_seen_subcommand_from new help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand vex; and not __fish_seen_subcommand_from new help" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand vex; and not __fish_seen_subcommand_from new help" -f -a "new" -d 'Write an OpenVEX 0.2 document with one statement'
complete -c sigil -n "__fish_sigil_using_subcommand vex; and not __fish_seen_subcommand_from new help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand vex; and __fish_seen_subcommand_from new" -l product -d 'Product package URL the statement is about. Repeatable' -r
complete -c sigil -n "__fish_sigil_using_subcommand vex; and __fish_seen_subcommand_from new" -l vulnerability -d 'Vulnerability id (CVE-..., GHSA-..., RUSTSEC-...)' -r
complete -c sigil -n "__fish_sigil_using_subcommand vex; and __fish_seen_subcommand_from new" -l alias -d 'Other ids of the vulnerability. Repeatable' -r
complete -c sigil -n "__fish_sigil_using_subcommand vex; and __fish_seen_subcommand_from new" -l status -d 'not_affected, affected, fixed or under_investigation' -r
complete -c sigil -n "__fish_sigil_using_subcommand vex; and __fish_seen_subcommand_from new" -l justification -d 'For not_affected: component_not_present, vulnerable_code_not_present, vulnerable_code_not_in_execute_path, vulnerable_code_cannot_be_controlled_by_adversary, inline_mitigations_already_exist' -r
complete -c sigil -n "__fish_sigil_using_subcommand vex; and __fish_seen_subcommand_from new" -l impact-statement -d 'For not_affected: why, in words' -r
complete -c sigil -n "__fish_sigil_using_subcommand vex; and __fish_seen_subcommand_from new" -l action-statement -d 'For affected (required there): what users should do' -r
complete -c sigil -n "__fish_sigil_using_subcommand vex; and __fish_seen_subcommand_from new" -l status-notes -d 'How the status was determined' -r
complete -c sigil -n "__fish_sigil_using_subcommand vex; and __fish_seen_subcommand_from new" -l author -d 'Author of the statement' -r
complete -c sigil -n "__fish_sigil_using_subcommand vex; and __fish_seen_subcommand_from new" -l id -d 'Document @id (default: derived from the content)' -r
complete -c sigil -n "__fish_sigil_using_subcommand vex; and __fish_seen_subcommand_from new" -s o -l out -d 'Write the document here instead of stdout' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand vex; and __fish_seen_subcommand_from new" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand vex; and __fish_seen_subcommand_from new" -l force -d 'Overwrite --out if it exists'
complete -c sigil -n "__fish_sigil_using_subcommand vex; and __fish_seen_subcommand_from new" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand vex; and __fish_seen_subcommand_from new" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand vex; and __fish_seen_subcommand_from new" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand vex; and __fish_seen_subcommand_from help" -f -a "new" -d 'Write an OpenVEX 0.2 document with one statement'
complete -c sigil -n "__fish_sigil_using_subcommand vex; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and not __fish_seen_subcommand_from update show conformance-client help" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand trust; and not __fish_seen_subcommand_from update show conformance-client help" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and not __fish_seen_subcommand_from update show conformance-client help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and not __fish_seen_subcommand_from update show conformance-client help" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and not __fish_seen_subcommand_from update show conformance-client help" -f -a "update" -d 'Refresh an instance\'s trusted_root.json (and signing config) through TUF into the cache'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and not __fish_seen_subcommand_from update show conformance-client help" -f -a "show" -d 'Show what the cache holds: instance, repository, TUF versions, expiry'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and not __fish_seen_subcommand_from update show conformance-client help" -f -a "conformance-client" -d 'The tuf-conformance client-under-test protocol (init, refresh, download); for `cargo xtask tuf-conformance`. Exits 0 or 1'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and not __fish_seen_subcommand_from update show conformance-client help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from update" -l instance -d 'The Sigstore instance: public-good, staging or github' -r
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from update" -l repo -d 'Fetch from this TUF repository instead of the instance\'s own (a mirror). Targets are read from its sibling `targets` when the URL ends in `/metadata`, else from `URL/targets`' -r
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from update" -l root -d 'Start from this TUF root.json instead of the embedded one (only with --repo)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from update" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from update" -l insecure-allow-http -d 'Allow plain http:// to a loopback address (tests, local mirrors)'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from update" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from update" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from show" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from conformance-client" -l metadata-dir -d 'Where trusted metadata is kept (unversioned names)' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from conformance-client" -l metadata-url -d 'Base URL of the repository\'s metadata' -r
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from conformance-client" -l target-name -d 'Target path to download (repeatable; processed in order)' -r
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from conformance-client" -l target-base-url -d 'Base URL of the repository\'s targets' -r
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from conformance-client" -l target-dir -d 'Where downloaded targets are stored' -r -F
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from conformance-client" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from conformance-client" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from conformance-client" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from conformance-client" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "update" -d 'Refresh an instance\'s trusted_root.json (and signing config) through TUF into the cache'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show what the cache holds: instance, repository, TUF versions, expiry'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "conformance-client" -d 'The tuf-conformance client-under-test protocol (init, refresh, download); for `cargo xtask tuf-conformance`. Exits 0 or 1'
complete -c sigil -n "__fish_sigil_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and not __fish_seen_subcommand_from init add publish rotate help" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand repo; and not __fish_seen_subcommand_from init add publish rotate help" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and not __fish_seen_subcommand_from init add publish rotate help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and not __fish_seen_subcommand_from init add publish rotate help" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and not __fish_seen_subcommand_from init add publish rotate help" -f -a "init" -d 'Create a repository: a key per role (root, targets, snapshot, timestamp) and root v1'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and not __fish_seen_subcommand_from init add publish rotate help" -f -a "add" -d 'Add packs (and the signatures beside them) as targets; `publish` makes them visible'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and not __fish_seen_subcommand_from init add publish rotate help" -f -a "publish" -d 'Sign new targets, snapshot and timestamp metadata; serve DIR/site from any static host'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and not __fish_seen_subcommand_from init add publish rotate help" -f -a "rotate" -d 'Replace a role\'s key: writes the next root version, signed by the old and new root keys'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and not __fish_seen_subcommand_from init add publish rotate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from init" -l expiry -d 'Expiry period of a role, in days (repeatable); defaults: root=365, targets=90, snapshot=7, timestamp=1' -r
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from init" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from init" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from init" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from add" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from publish" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from publish" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from publish" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from publish" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from rotate" -l role -d 'The role whose key is replaced: root, targets, snapshot or timestamp' -r
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from rotate" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from rotate" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from rotate" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from help" -f -a "init" -d 'Create a repository: a key per role (root, targets, snapshot, timestamp) and root v1'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add packs (and the signatures beside them) as targets; `publish` makes them visible'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from help" -f -a "publish" -d 'Sign new targets, snapshot and timestamp metadata; serve DIR/site from any static host'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from help" -f -a "rotate" -d 'Replace a role\'s key: writes the next root version, signed by the old and new root keys'
complete -c sigil -n "__fish_sigil_using_subcommand repo; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand generate" -l format -d 'Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`; `rustsec`/`markdown` for `advisory export`' -r -f -a "human\t'Text for people'
json\t'Exactly one JSON document on stdout'
pem\t'`key export` only: SPKI PEM'
minisign\t'`key export` only: minisign public key file'
rustsec\t'`advisory export` only: RustSec advisory (TOML front matter and Markdown)'
markdown\t'`advisory export` only: Markdown notice'"
complete -c sigil -n "__fish_sigil_using_subcommand generate" -s q -l quiet -d 'Print only errors (and results that fail)'
complete -c sigil -n "__fish_sigil_using_subcommand generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sigil -n "__fish_sigil_using_subcommand generate" -s V -l version -d 'Print version'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "key" -d 'Generate and convert keys'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "sign" -d 'Sign files with a minisign secret key (writes FILE.minisig)'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "verify" -d 'Verify a file\'s signature'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "sums" -d 'Create and verify SHA256SUMS checksum lists'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "attest" -d 'Sign an in-toto attestation (DSSE) about artifacts; appends to OUT.intoto.jsonl'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "provenance" -d 'Write SLSA v1 provenance for artifacts from the CI environment (or local git)'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "verify-attestation" -d 'Verify attestations: signature, subject, predicate type, builder and source'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "sbom" -d 'Write CycloneDX/SPDX SBOMs for a Cargo workspace, a pack or a binary; diff two SBOMs'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "pack" -d 'Sign, verify, archive and install data packs'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "scan" -d 'Find secrets (API keys, tokens, private keys) in files and trees; exit 1 on leaks'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "policy" -d 'Check policy files'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "install" -d 'Install a file (path or https URL) only if it passes a policy; atomic, nothing on failure'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "run" -d 'Verify a program against a policy, then run exactly the verified bytes'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "log" -d 'Show or verify the tamper-evident audit log of decisions'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "advisory" -d 'Write, validate and export OSV advisories'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "audit" -d 'Audit an SBOM or Cargo.lock against OSV/RustSec advisories, with OpenVEX applied'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "vex" -d 'Write OpenVEX documents'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "trust" -d 'Sigstore trust roots kept fresh through TUF: update, show'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "repo" -d 'TUF repositories of packs for any static host: init, add, publish, rotate'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "generate" -d 'Write shell completions and man pages into a directory (for packagers and the release)'
complete -c sigil -n "__fish_sigil_using_subcommand help; and not __fish_seen_subcommand_from key sign verify sums attest provenance verify-attestation sbom pack scan policy install run log advisory audit vex trust repo generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "generate" -d 'Generate a minisign key pair: PREFIX.key (0600, scrypt-encrypted) and PREFIX.pub'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "export" -d 'Convert a public key between minisign and SPKI PEM'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from sums" -f -a "create" -d 'Write a SHA256SUMS list (GNU coreutils format) for files'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from sums" -f -a "verify" -d 'Verify SHA256SUMS.minisig, then every file the list names'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from sbom" -f -a "cargo" -d 'SBOM of a Cargo workspace (runs `cargo metadata --locked` for the host platform)'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from sbom" -f -a "pack" -d 'SBOM of a data pack: every regular file with its SHA-256 (`.sigil/` excluded)'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from sbom" -f -a "binary" -d 'SBOM of a binary from the dependency list `cargo auditable build` embeds'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from sbom" -f -a "diff" -d 'Components added, removed and changed between two SBOMs (CycloneDX or SPDX JSON)'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from pack" -f -a "sign" -d 'Check the data-only rules, scan for secrets, then write and sign .sigil/SHA256SUMS'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from pack" -f -a "verify" -d 'Verify a pack directory against its signed manifest, exactly'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from pack" -f -a "archive" -d 'Write a deterministic .tar.gz of a signed pack'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from pack" -f -a "install" -d 'Verify ARCHIVE.minisig, unpack into private staging, verify the pack, move it into place'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from pack" -f -a "check" -d 'Re-verify an installed pack (detects tampering after install)'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "check" -d 'Check a policy file: strict TOML, every key known, every regex compiles, every key loads'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from log" -f -a "list" -d 'Show recorded decisions'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from log" -f -a "verify" -d 'Check the hash chain: exit 1 when a row was edited, deleted or reordered. Without an anchor (--expect-head or --key) this cannot catch a rewrite that recomputed the chain'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from log" -f -a "checkpoint" -d 'Sign the current head (rows and hash) with a minisign key, as a checkpoint that `log verify --key` checks later'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from advisory" -f -a "new" -d 'Write an OSV 1.7 advisory (flags, or prompts when stdin is a terminal)'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from advisory" -f -a "validate" -d 'Check OSV advisories against the schema and the OSV specification\'s semantics'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from advisory" -f -a "export" -d 'Export an advisory: `--format rustsec` (RustSec advisory-db) or `--format markdown`'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from vex" -f -a "new" -d 'Write an OpenVEX 0.2 document with one statement'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from trust" -f -a "update" -d 'Refresh an instance\'s trusted_root.json (and signing config) through TUF into the cache'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from trust" -f -a "show" -d 'Show what the cache holds: instance, repository, TUF versions, expiry'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from trust" -f -a "conformance-client" -d 'The tuf-conformance client-under-test protocol (init, refresh, download); for `cargo xtask tuf-conformance`. Exits 0 or 1'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from repo" -f -a "init" -d 'Create a repository: a key per role (root, targets, snapshot, timestamp) and root v1'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from repo" -f -a "add" -d 'Add packs (and the signatures beside them) as targets; `publish` makes them visible'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from repo" -f -a "publish" -d 'Sign new targets, snapshot and timestamp metadata; serve DIR/site from any static host'
complete -c sigil -n "__fish_sigil_using_subcommand help; and __fish_seen_subcommand_from repo" -f -a "rotate" -d 'Replace a role\'s key: writes the next root version, signed by the old and new root keys'
