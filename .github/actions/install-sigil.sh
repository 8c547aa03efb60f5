#!/bin/sh
# The install step of the sigil GitHub Action (action.yml at the repository root), kept as a
# script so tests/it/adoption.rs runs exactly what the action runs.
#
# It installs sigil with the release installer (xtask/templates/install.sh, unfilled) and the
# values pinned in action.yml: the archive must have the SHA-256 pinned there, and its minisign
# signature must verify with the action's own keys/release.pub. Nothing is installed otherwise.
#
# Environment (action.yml sets it):
#   SIGIL_PINNED_VERSION  version pinned in action.yml
#   SIGIL_PINNED_SHA256   "TARGET=HEX ..." pinned in action.yml for that version
#   INPUT_VERSION         optional: another version; then INPUT_SHA256 is required
#   INPUT_SHA256          optional: "TARGET=HEX" words (spaces or newlines) for INPUT_VERSION
#   INPUT_BASE_URL        optional: a mirror of the release files (https)
#   GITHUB_ACTION_PATH    the action's checkout (keys/release.pub)
#   RUNNER_TEMP, GITHUB_PATH, GITHUB_OUTPUT  as on every runner
set -euf

here=$(cd "$(dirname "$0")" && pwd)
installer=$here/../../xtask/templates/install.sh

error() {
    # One line GitHub shows as an annotation, then the same on stderr for logs.
    printf '::error title=sigil action::%s\n' "$*"
    printf 'sigil action: error: %s\n' "$*" >&2
    exit 2
}

: "${SIGIL_PINNED_VERSION:?set by action.yml}"
: "${SIGIL_PINNED_SHA256:?set by action.yml}"
: "${GITHUB_ACTION_PATH:?not running as an action}"
: "${RUNNER_TEMP:?not running on a runner}"

version=${INPUT_VERSION:-}
sha=${INPUT_SHA256:-}
if [ -z "$version" ] || [ "$version" = "$SIGIL_PINNED_VERSION" ]; then
    version=$SIGIL_PINNED_VERSION
    [ -n "$sha" ] || sha=$SIGIL_PINNED_SHA256
elif [ -z "$sha" ]; then
    error "version $version is not the one this action pins ($SIGIL_PINNED_VERSION): give its archive SHA-256 values as the sha256 input (TARGET=HEX, from the release's SHA256SUMS after verifying it)"
fi

bin_dir=$RUNNER_TEMP/sigil-action/bin
set -- --version "$version" --key-file "$GITHUB_ACTION_PATH/keys/release.pub" --to "$bin_dir"
for pair in $sha; do
    set -- "$@" --sha256 "$pair"
done
if [ -n "${INPUT_BASE_URL:-}" ]; then
    set -- "$@" --base-url "$INPUT_BASE_URL"
fi

sh "$installer" "$@"

if [ -n "${GITHUB_PATH:-}" ]; then
    printf '%s\n' "$bin_dir" >>"$GITHUB_PATH"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf 'sigil-path=%s\n' "$bin_dir/sigil" >>"$GITHUB_OUTPUT"
fi
