#!/bin/sh
# Growth benchmarks of issue 13 (items 3 and 4): a long lineage chain, pickle DUP bombs and
# hashing a model folder, each timed as a whole process by /usr/bin/time -v (wall, user +
# system CPU, peak RSS). Rerun: `crates/palisade-bench/growth.sh [chain] [pickle] [hash]`
# (default all). Inputs are generated under $GROWTH_DIR (default target/growth) and the
# 1 GiB model folder is deleted at the end.
#
# - chain: `palisade check` and `palisade evaluate` on a 49,990-stage chain (the same text as
#   palisade_bench::scale::write_chain_case), and on 10,000 and 25,000 stages for the curve.
# - pickle: the palisade-pickle memory bench's `dup`, `dup_x8` and `budget_x8` scenarios.
# - hash: a 1 GiB folder (8 x 128 MiB + 100 small files): `palisade lock` (blake3, what the
#   lock pins), `palisade hash` (blake3 and sha256 in one read per file, files in parallel)
#   and model_signing 1.1.1's sha256 hashing of the same folder (its Python API,
#   `model_signing.hashing.Config().use_file_serialization().hash`), alternating, 3 runs each.
#   model_signing is installed in a venv under $GROWTH_DIR/venv (needs the network once).
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
OUT=${GROWTH_DIR:-$ROOT/target/growth}
CASES=${*:-chain pickle hash}
PAL=$ROOT/target/release/palisade
mkdir -p "$OUT"
# The bench profile (output in target/release), whole workspace, as scale.sh builds it:
# `--release --bin palisade` unifies features differently and rebuilds cedar and friends.
cargo build --profile bench --workspace --bins

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $(uptime)"

# Prints "wall s, cpu s, peak MiB" for one run of the command.
timed() {
    /usr/bin/time -v "$@" >/dev/null 2>"$OUT/time.txt" || true
    awk -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
        /User time/ { u = $2 } /System time/ { s = $2 }
        /Maximum resident set size/ { m = $2 }
        END { printf "%.2f s wall, %.2f s CPU, %.0f MiB\n", w, u + s, m / 1024 }' "$OUT/time.txt"
}

chain_case() { # dir depth
    mkdir -p "$1/data"
    printf 'a,b\n1,2\n' >"$1/data/d.csv"
    awk -v n="$2" 'BEGIN {
        print "pipeline \"chain\" {\n  policies = [\"@baseline\"]"
        for (i = 0; i <= n; i++) printf "  dataset \"d%d\" { path = \"data/d.csv\" }\n", i
        for (i = 0; i < n; i++) printf "  stage \"s%d\" { inputs = [dataset \"d%d\"] outputs = [dataset \"d%d\"] }\n", i, i, i + 1
        print "}" }' >"$1/chain.pal"
}

for case in $CASES; do
    case $case in
    chain)
        for depth in 10000 25000 49990; do
            dir=$OUT/chain-$depth
            chain_case "$dir" "$depth"
            size=$(wc -c <"$dir/chain.pal")
            cd "$dir"
            echo "chain $depth stages ($size bytes) check:    $(timed "$PAL" check chain.pal)"
            echo "chain $depth stages ($size bytes) evaluate: $(timed "$PAL" evaluate chain.pal --at 2026-12-01T00:00:00Z --format json)"
            cd "$ROOT"
        done
        ;;
    pickle)
        cargo bench -p palisade-pickle --bench memory -- dup dup_x8 budget_x8
        ;;
    hash)
        model=$OUT/model
        rm -rf "$model" && mkdir -p "$model/model/sub"
        for i in 0 1 2 3 4 5 6 7; do
            head -c 134217728 /dev/urandom >"$model/model/shard-$i.safetensors"
        done
        for i in $(seq 0 99); do head -c $((i * 997 + 10)) /dev/urandom >"$model/model/sub/small-$i.json"; done
        printf 'pipeline "m" {\n  model "m" { path = "model" }\n}\n' >"$model/pipeline.pal"
        if [ ! -x "$OUT/venv/bin/python" ]; then
            python3 -m venv "$OUT/venv"
            "$OUT/venv/bin/pip" install -q model-signing==1.1.1 pyopenssl
        fi
        cat >"$OUT/ms_hash.py" <<'EOF'
import sys
import model_signing.hashing as h
h.Config().use_file_serialization(hashing_algorithm="sha256").hash(sys.argv[1])
EOF
        cat "$model"/model/*.safetensors >/dev/null # warm the page cache
        for run in 1 2 3; do
            echo "hash run $run palisade lock (blake3):          $(cd "$model" && timed "$PAL" lock)"
            echo "hash run $run palisade hash (blake3 + sha256): $(timed "$PAL" hash "$model/model")"
            echo "hash run $run model_signing 1.1.1 (sha256):    $(timed "$OUT/venv/bin/python" "$OUT/ms_hash.py" "$model/model")"
        done
        rm -rf "$model"
        ;;
    *) echo "unknown case $case (chain, pickle, hash)" >&2; exit 2 ;;
    esac
done
