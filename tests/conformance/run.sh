#!/usr/bin/env bash
# Runs every case of the vendored Sigstore conformance `bundle-verify` suite through a client
# adapter speaking the suite's protocol (default: ./palisade-conformance) and prints
# "N of M cases pass". A valid case passes when the client exits 0. A `_fail` case passes when
# the client exits non-zero and its stderr names the step expected-failures.tsv gives for it
# (`palisade::keyless::<step>`), i.e. it was rejected for the reason its README states; a
# usage error (which names no step) or a rejection at another step is a miss. The exit code
# itself may be 1 (invalid) or 2 (unusable input, e.g. a malformed bundle), as the CLI decides.
# Exits 1 on any miss.
#
#   tests/conformance/run.sh [--digest] [--verbose] [ADAPTER]
#
# --digest passes each artifact as `sha256:<hex>` instead of a path (the suite does both).
# Examples (.ci/run runs the first two):
#   PALISADE=target/debug/palisade tests/conformance/run.sh
#   PALISADE=target/debug/palisade tests/conformance/run.sh --digest
#   PALISADE=target/debug/examples/keyless-verify tests/conformance/run.sh   # the library alone
set -u

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
suite="$repo/tests/fixtures/sigstore-conformance/bundle-verify"
default_root="$repo/tests/fixtures/sigstore-conformance/public-good-trusted_root.json"
expected="$here/expected-failures.tsv"
default_identity="https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
default_issuer="https://token.actions.githubusercontent.com"

digest=0
verbose=0
adapter="$here/palisade-conformance"
for arg in "$@"; do
    case "$arg" in
        --digest) digest=1 ;;
        --verbose) verbose=1 ;;
        -*) echo "run.sh: unknown option $arg" >&2; exit 2 ;;
        *) adapter="$arg" ;;
    esac
done

pass=0
total=0
misses=()
for dir in "$suite"/*/; do
    case="$(basename "$dir")"
    [ -f "$dir/bundle.sigstore.json" ] || continue
    total=$((total + 1))
    artifact="$suite/a.txt"
    [ -f "$dir/artifact" ] && artifact="$dir/artifact"
    root="$default_root"
    [ -f "$dir/trusted_root.json" ] && root="$dir/trusted_root.json"
    subject="$artifact"
    if [ "$digest" = 1 ]; then
        subject="sha256:$(sha256sum "$artifact" | cut -d' ' -f1)"
    fi
    args=(verify-bundle --bundle "$dir/bundle.sigstore.json" --trusted-root "$root")
    if [ -f "$dir/key.pub" ]; then
        args+=(--key "$dir/key.pub")
    else
        identity="$default_identity"
        issuer="$default_issuer"
        [ -f "$dir/identity" ] && identity="$(cat "$dir/identity")"
        [ -f "$dir/issuer" ] && issuer="$(cat "$dir/issuer")"
        args+=(--certificate-identity "$identity" --certificate-oidc-issuer "$issuer")
    fi
    args+=("$subject")

    stderr="$(mktemp)"
    "$adapter" "${args[@]}" >/dev/null 2>"$stderr"
    status=$?
    reason="$(head -c 600 "$stderr" | tr '\n' ' ')"
    rm -f "$stderr"

    ok=0
    why=""
    case "$case" in
        *_fail)
            step="$(awk -F'\t' -v c="$case" '$1 == c { print $2 }' "$expected")"
            if [ -z "$step" ]; then
                why="no expected step for this case in expected-failures.tsv"
            elif [ "$status" -eq 0 ]; then
                why="accepted, must be rejected"
            elif [[ "$reason" != *"palisade::keyless::$step"* ]]; then
                why="rejected, but not for $step"
            else
                ok=1
            fi
            ;;
        *)
            if [ "$status" -eq 0 ]; then ok=1; else why="expected acceptance, got exit $status"; fi
            ;;
    esac
    if [ "$ok" = 1 ]; then
        pass=$((pass + 1))
        [ "$verbose" = 1 ] && echo "ok    $case ${reason:+($reason)}"
    else
        misses+=("$case: $why: $reason")
        echo "MISS  $case: $why: $reason"
    fi
done

echo "$pass of $total cases pass"
[ "$pass" -eq "$total" ] && [ "$total" -gt 0 ]
