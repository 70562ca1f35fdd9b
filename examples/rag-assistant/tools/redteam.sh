#!/bin/sh
# The red-team run regen.sh step 11 records: garak (GARAK, default `garak` on PATH) against the
# assistant in process (tools/garak_target.py), its report copied to redteam/garak.report.jsonl.
# Takes no arguments, so the recorded command names no path of the machine it ran on.
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/garak-run.yaml" <<YAML
---
system:
  parallel_attempts: false
  lite: true
run:
  seed: 42
  generations: 1
  soft_probe_prompt_cap: 8
reporting:
  report_dir: $work
YAML
"${GARAK:-garak}" --config "$work/garak-run.yaml" --target_type function \
  --target_name garak_target#ask \
  --spec probes.promptinject.HijackHateHumans,probes.latentinjection.LatentInjectionFactSnippetEiffel,probes.dan.Dan_11_0 \
  --generations 1 --report_prefix rag-assistant >/dev/null
cp "$work/rag-assistant.report.jsonl" redteam/garak.report.jsonl
