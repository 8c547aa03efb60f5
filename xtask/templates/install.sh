#!/bin/sh
# sigil installer: downloads a sigil release archive, checks it against the SHA-256 this script
# carries and against the release's minisign signature, and only then installs the binary.
#
#   sh install.sh                  # into ~/.local/bin
#   sh install.sh --to /usr/local/bin
#
# It fails closed. Every failure exits non-zero (1: the download is not the release; 2: a usage,
# setup, download or write error) with a message saying what was wrong, and leaves nothing
# installed and no temporary file behind:
# - no SHA-256 tool (sha256sum, shasum or openssl): refused, nothing is downloaded;
# - no downloader (curl or wget): refused;
# - a download whose SHA-256 is not the one carried here: refused;
# - a signature that does not verify with the release key carried here, or no signature:
#   refused. The signature is checked with minisign when it is installed, else with a sigil
#   already on PATH, else with the downloaded sigil itself (whose bytes the SHA-256 above
#   already proved to be the release's);
# - the binary is copied next to its destination and renamed over it in one step, so an
#   existing sigil stays until the new one replaces it whole.
#
# `cargo xtask release` writes this file into dist/ from xtask/templates/install.sh, filling in
# the four `PINNED_` lines below (xtask/src/installer.rs). The unfilled template installs
# nothing unless --version, --sha256 and --key (or --key-file) are given; the GitHub Action
# (action.yml) runs it that way, with the values pinned in the action.

set -euf

PINNED_VERSION=''
PINNED_PUBKEY=''
PINNED_SHA256=''
PINNED_BASE_URL=''

usage() {
    cat <<'EOF'
usage: install.sh [--to DIR] [--target TRIPLE] [--base-url URL]
                  [--version V --sha256 TRIPLE=HEX... --key RW...|--key-file PUB]

  --to DIR          install DIR/sigil (default ~/.local/bin); missing directories are made
  --target TRIPLE   release target (default: this machine, e.g. x86_64-unknown-linux-gnu)
  --base-url URL    where the release files are (default: the release's GitHub download URL);
                    https, or http to a loopback address only
  --version V       release version (default: the one this installer was written for)
  --sha256 T=HEX    expected SHA-256 of the archive for target T (repeatable; adds to or
                    replaces what this installer carries)
  --key RW...       release public key, the base64 line of a minisign .pub file
  --key-file PUB    release public key file (minisign format)
EOF
}

prog=sigil-install

say() {
    printf '%s: %s\n' "$prog" "$*" >&2
}

# fail CODE MESSAGE: exit with CODE; the EXIT trap removes what this run made.
fail() {
    code=$1
    shift
    printf '%s: error: %s\n' "$prog" "$*" >&2
    printf '%s: nothing was installed\n' "$prog" >&2
    exit "$code"
}

tmp=''
staged=''
made_top=''
made_bottom=''

cleanup() {
    if [ -n "$staged" ]; then
        rm -f "$staged"
    fi
    if [ -n "$made_bottom" ]; then
        # Remove only the directories this run made, from the deepest up, and only if empty.
        d=$made_bottom
        while :; do
            rmdir "$d" 2>/dev/null || break
            [ "$d" = "$made_top" ] && break
            d=$(dirname "$d")
        done
    fi
    if [ -n "$tmp" ]; then
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

version=$PINNED_VERSION
pubkey=$PINNED_PUBKEY
sha256s=$PINNED_SHA256
base_url=$PINNED_BASE_URL
to=''
target=''

need_value() {
    [ "$2" -ge 2 ] || {
        usage >&2
        fail 2 "$1 needs a value"
    }
}

while [ $# -gt 0 ]; do
    case $1 in
    --to)
        need_value "$1" $#
        to=$2
        shift 2
        ;;
    --target)
        need_value "$1" $#
        target=$2
        shift 2
        ;;
    --base-url)
        need_value "$1" $#
        base_url=$2
        shift 2
        ;;
    --version)
        need_value "$1" $#
        version=$2
        shift 2
        ;;
    --sha256)
        need_value "$1" $#
        sha256s="$sha256s $2"
        shift 2
        ;;
    --key)
        need_value "$1" $#
        pubkey=$2
        shift 2
        ;;
    --key-file)
        need_value "$1" $#
        [ -f "$2" ] || fail 2 "--key-file $2 is not a file"
        pubkey=$(sed -n '2p' "$2")
        shift 2
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        usage >&2
        fail 2 "unknown argument: $1"
        ;;
    esac
done

# --- What to install, checked before anything is downloaded.

case $version in
'') fail 2 "no version: this is the unfilled template; give --version (or use a release's install.sh)" ;;
*[!0-9A-Za-z.+-]*) fail 2 "version '$version' has characters a release version never has" ;;
esac

case $pubkey in
'') fail 2 "no release public key: give --key or --key-file (or use a release's install.sh)" ;;
*[!0-9A-Za-z+/=]*) fail 2 "the release public key is not a minisign base64 key line" ;;
esac
[ ${#pubkey} -eq 56 ] || fail 2 "the release public key is not a minisign base64 key line (56 characters)"

if [ -z "$target" ]; then
    os=$(uname -s)
    arch=$(uname -m)
    case $arch in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) fail 2 "no sigil release for CPU '$arch'; build from source: cargo install --locked --git <repository>" ;;
    esac
    case $os in
    Linux) target=$arch-unknown-linux-gnu ;;
    Darwin) target=$arch-apple-darwin ;;
    *) fail 2 "no sigil release for '$os'; build from source with cargo" ;;
    esac
fi
case $target in
'' | *[!0-9A-Za-z_.-]*) fail 2 "target '$target' is not a target triple" ;;
esac

expected=''
for pair in $sha256s; do
    case $pair in
    "$target="*) expected=${pair#*=} ;;
    esac
done
[ -n "$expected" ] || fail 2 "this installer carries no SHA-256 for $target (it has:$sha256s)"
case $expected in
*[!0-9a-f]*) fail 2 "the SHA-256 for $target is not lowercase hex" ;;
esac
[ ${#expected} -eq 64 ] || fail 2 "the SHA-256 for $target is not 64 hex digits"

if [ -z "$base_url" ]; then
    base_url="https://github.com/sigil-project/sigil/releases/download/v$version"
fi
base_url=${base_url%/}
case $base_url in
https://*) ;;
http://127.* | http://localhost:* | http://localhost/* | http://\[::1\]*) ;;
*) fail 2 "--base-url must be https (plain http only to a loopback address): $base_url" ;;
esac

if [ -z "$to" ]; then
    [ -n "${HOME:-}" ] || fail 2 "HOME is not set; give --to DIR"
    to=$HOME/.local/bin
fi

# --- Tools: a SHA-256 tool is required; without one, nothing is downloaded.

if command -v sha256sum >/dev/null 2>&1; then
    hasher=sha256sum
elif command -v shasum >/dev/null 2>&1; then
    hasher=shasum
elif command -v openssl >/dev/null 2>&1; then
    hasher=openssl
else
    fail 2 "no SHA-256 tool found (sha256sum, shasum or openssl): refusing to install a download that cannot be checked"
fi

sha256_of() {
    case $hasher in
    sha256sum) out=$(sha256sum <"$1") ;;
    shasum) out=$(shasum -a 256 <"$1") ;;
    openssl) out=$(openssl dgst -sha256 -r <"$1") ;;
    esac
    out=${out%% *}
    printf '%s\n' "$out" | tr 'A-F' 'a-f'
}

if command -v curl >/dev/null 2>&1; then
    fetcher=curl
elif command -v wget >/dev/null 2>&1; then
    fetcher=wget
    # GNU Wget retries 20 times by default; BusyBox wget does not retry (nor know --version).
    if wget --version 2>/dev/null | grep -q 'GNU Wget'; then
        fetcher=gnu-wget
    fi
else
    fail 2 "neither curl nor wget is installed: cannot download"
fi

download() {
    case $fetcher in
    curl) curl --fail --silent --show-error --location --proto '=https,http' --proto-redir '=https' \
        --max-time 600 --output "$2" "$1" ;;
    gnu-wget) wget -q --tries=1 -T 60 -O "$2" "$1" ;;
    # No -T: BusyBox 1.35's wget (Debian 12) crashes with it.
    wget) wget -q -O "$2" "$1" ;;
    esac
}

# --- Download into a private directory, then check.

old_umask=$(umask)
umask 077
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sigil-install.XXXXXX") || fail 2 "cannot make a temporary directory"
name=sigil-$version-$target.tar.gz
archive=$tmp/$name

say "downloading $base_url/$name"
download "$base_url/$name" "$archive" || fail 2 "download of $base_url/$name failed"

actual=$(sha256_of "$archive")
[ "$actual" = "$expected" ] ||
    fail 1 "SHA-256 mismatch for $name: expected $expected, got $actual (the download is not the release this installer was written for)"
say "SHA-256 of $name matches ($hasher): $actual"

download "$base_url/$name.minisig" "$archive.minisig" ||
    fail 1 "the signature $base_url/$name.minisig could not be downloaded: refusing to install an unsigned download"

pubfile=$tmp/release.pub
printf 'untrusted comment: sigil release public key\n%s\n' "$pubkey" >"$pubfile"

mkdir "$tmp/x"
gzip -dc "$archive" | (cd "$tmp/x" && tar -xf -) || fail 1 "$name is not a readable tar.gz"
bin=$tmp/x/sigil-$version-$target/sigil
if [ ! -f "$bin" ] || [ -h "$bin" ]; then
    fail 1 "$name holds no sigil-$version-$target/sigil file"
fi

tab=$(printf '\t')
if command -v minisign >/dev/null 2>&1; then
    verifier=minisign
    out=$(minisign -V -m "$archive" -x "$archive.minisig" -P "$pubkey" 2>&1) ||
        fail 1 "the signature of $name does not verify with the release key (minisign): $out"
    # The signed comment names the file, so a signed file served under another name is refused.
    case "$out$tab" in
    *"file:$name$tab"*) ;;
    *) fail 1 "the signature of $name was made for another file: $out" ;;
    esac
else
    if command -v sigil >/dev/null 2>&1; then
        verifier="sigil on PATH ($(command -v sigil))"
        checker=sigil
    else
        verifier="the downloaded sigil, whose SHA-256 matched"
        checker=$bin
    fi
    out=$("$checker" verify --key "$pubfile" --signature "$archive.minisig" "$archive" 2>&1) ||
        fail 1 "the signature of $name does not verify with the release key ($verifier): $out"
fi
say "signature of $name verifies with the release key ($verifier)"

# --- Install: copy beside the destination, then one rename.

umask "$old_umask"

if [ ! -d "$to" ]; then
    d=$to
    while [ ! -e "$d" ] && [ ! -h "$d" ]; do
        made_top=$d
        d=$(dirname "$d")
    done
    mkdir -p "$to" 2>/dev/null || fail 2 "cannot create the directory $to"
    made_bottom=$to
fi
dest=$to/sigil
if [ -d "$dest" ]; then
    fail 2 "$dest is a directory"
fi
staged=$to/.sigil.install.$$
cp "$bin" "$staged" 2>/dev/null || fail 2 "cannot write to $to"
chmod 755 "$staged" || fail 2 "cannot make $staged executable"
mv -f "$staged" "$dest" || fail 2 "cannot rename $staged to $dest"
staged=''
made_bottom=''

say "installed sigil $version ($target) to $dest"
case ":${PATH:-}:" in
*":$to:"*) ;;
*) say "$to is not on PATH; add it, e.g. export PATH=\"$to:\$PATH\"" ;;
esac
