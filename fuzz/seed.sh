#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the repository's fixtures (tests/fixtures, the pipeline
# examples and test cases). Safe to re-run: files are copied under content-derived names, so
# repeated runs add nothing twice. libFuzzer then grows these folders itself; they are not
# committed (see .gitignore).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
fx="$repo/tests/fixtures"

# add TARGET FILE...: copy each existing regular file into corpus/TARGET under its sha256.
add() {
    local target="$1"
    shift
    mkdir -p "$here/corpus/$target"
    local f
    for f in "$@"; do
        [ -f "$f" ] || continue
        cp "$f" "$here/corpus/$target/$(sha256sum "$f" | cut -c1-16)"
    done
}

shopt -s nullglob globstar

add pipeline \
    "$repo"/crates/palisade-syntax/tests/fixtures/*.pal \
    "$repo"/examples/*/pipeline.pal \
    "$repo"/tests/e2e/cases/**/*.pal \
    "$repo"/policies/baseline/tests/*.pal

add cyclonedx_json "$fx"/cyclonedx/*.json "$fx"/cyclonedx-extra/*.json "$repo"/examples/*/sbom/*.json
add cyclonedx_xml "$fx"/cyclonedx/*.xml "$fx"/cyclonedx-extra/*.xml

add sarif "$fx"/sarif/*.sarif "$fx"/sarif-extra/*.sarif "$repo"/examples/*/reports/*.sarif

bundles=(
    "$fx"/sigstore/*.sigstore.json
    "$fx"/model-signing/*.sig.json
    "$fx"/model-signing/cert-mode/cert.sig
    "$repo"/examples/*/attestations/*.json
    "$repo"/examples/*/models/*.sig
)
add bundle "${bundles[@]}"

# in-toto statements: the plain one, and every DSSE payload inside the bundles above.
add intoto "$fx"/sigstore/vsa-statement.json
mkdir -p "$here/corpus/intoto"
for b in "${bundles[@]}"; do
    [ -f "$b" ] || continue
    payload="$(jq -r '(.dsseEnvelope // .).payload // empty' "$b" 2>/dev/null || true)"
    [ -n "$payload" ] || continue
    tmp="$(mktemp)"
    if printf '%s' "$payload" | base64 -d >"$tmp" 2>/dev/null; then
        add intoto "$tmp"
    fi
    rm -f "$tmp"
done

# Every pickle-family fixture but the 300 kB zip bomb, which would slow every run to a crawl
# (the hostile tests cover it).
pickles=()
for f in "$fx"/pickles/* "$fx"/pickles-extra/*; do
    case "$f" in
        *.py | *.md | */zip_bomb.pt) ;;
        *) pickles+=("$f") ;;
    esac
done
add pickle "${pickles[@]}"

for d in "$here"/corpus/*/; do
    printf '%-16s %3d seeds\n' "$(basename "$d")" "$(find "$d" -type f | wc -l)"
done
