#!/bin/sh
# The run step of the sigil GitHub Action (action.yml): runs the installed sigil with the
# `args` input, one argument per line (no shell evaluation: a line is one argument as written,
# except that a line with a glob (`dist/*.tar.gz`) expands to the files it matches), and names
# every file the command wrote or changed under the working directory in the `files` output.
#
# Environment: SIGIL (the installed binary), INPUT_ARGS, GITHUB_OUTPUT, RUNNER_TEMP.
set -eu

: "${SIGIL:?set by action.yml}"
: "${RUNNER_TEMP:?not running on a runner}"

nl='
'
set --
old_ifs=$IFS
IFS=$nl
# Globs expand (set +f is the default; it is named here on purpose); nothing else does.
set +f
for arg in ${INPUT_ARGS:-}; do
    set -- "$@" "$arg"
done
IFS=$old_ifs

if [ $# -eq 0 ]; then
    echo "sigil action: no args given: sigil is installed and on PATH for later steps" >&2
    exit 0
fi

marker=$RUNNER_TEMP/sigil-action/started
mkdir -p "$RUNNER_TEMP/sigil-action"
: >"$marker"

printf 'sigil action: $ sigil' >&2
printf ' %s' "$@" >&2
printf '\n' >&2
code=0
"$SIGIL" "$@" || code=$?

files=$(find . -path ./.git -prune -o -type f -newer "$marker" -print | sed 's|^\./||' | LC_ALL=C sort)
if [ -n "${GITHUB_OUTPUT:-}" ]; then
    delim=SIGIL_FILES_$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
    {
        printf 'exit-code=%s\n' "$code"
        printf 'files<<%s\n' "$delim"
        if [ -n "$files" ]; then
            printf '%s\n' "$files"
        fi
        printf '%s\n' "$delim"
    } >>"$GITHUB_OUTPUT"
fi
if [ -n "$files" ]; then
    printf 'sigil action: files written:\n%s\n' "$files" >&2
fi
exit "$code"
