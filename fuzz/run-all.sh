#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 60) each, one after the other, continuing past
# crashes (libFuzzer fork mode) so one known crash does not hide others. Crash inputs land in
# artifacts/<target>/; a summary line per target goes to stdout.
# Usage: ./run-all.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(pipeline cyclonedx_json cyclonedx_xml sarif bundle intoto pickle)
fi
[ -d corpus ] || ./seed.sh
for t in "${targets[@]}"; do
    mkdir -p "artifacts/$t" "corpus/$t"
    log="artifacts/$t.log"
    stamp="artifacts/.$t.started"
    touch "$stamp"
    cargo +nightly fuzz run "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
        -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -artifact_prefix="artifacts/$t/" >"$log" 2>&1 || true
    # Only inputs written by this run (the committed known crashes are older than the stamp).
    crashes=$(find "artifacts/$t" -type f -newer "$stamp" | wc -l)
    execs=$(grep -o 'exec/s: [0-9]*' "$log" | tail -1 || true)
    echo "$t: ${crashes} new artifact(s); last ${execs:-exec/s: ?}; log $log"
done
