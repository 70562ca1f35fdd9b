#!/bin/sh
# The baseline cases' linked red-team evidence, from the real garak report (garak-pass: garak
# 0.17.1 against tests/fixtures/ai/garak's refusing target). Needs the palisade binary
# (PALISADE, default the workspace's debug build). Run from anywhere: ./evidence/make_redteam.sh
#
# 1. redteam.pal's serve-held: the report with its target naming chat-held's digest
#    (`refusal_target#refuse@sha256:…`, as a target loaded by digest reads), signed by the
#    stage's runs_as key: the signed name links the report to the model.
# 2. allow-clean.pal: its `redteam` stage's attestation (`palisade run` around the run, the
#    model among the materials, the report among the products) links the report to "ranker".
set -eu
cd "$(dirname "$0")/.."
PALISADE=${PALISADE:-$(pwd)/../../../target/debug/palisade}
KEY=evidence/keys/TEST-ONLY-release.key

digest=sha256:3333333333333333333333333333333333333333333333333333333333333333
sed -e "s|\"plugins.target_name\": \"refusal_target#refuse\"|\"plugins.target_name\": \"refusal_target#refuse@$digest\"|" \
    -e "s|\"target_name\": \"refusal_target#refuse\"|\"target_name\": \"refusal_target#refuse@$digest\"|" \
    evidence/reports/garak-pass.report.jsonl > evidence/reports/garak-pass-named.report.jsonl
grep -q "refuse@$digest" evidence/reports/garak-pass-named.report.jsonl
"$PALISADE" sign --key "$KEY" evidence/reports/garak-pass-named.report.jsonl

rm -f evidence/reports/garak-pass-ranker.report.jsonl
"$PALISADE" run --pipeline allow-clean.pal --stage redteam --key "$KEY" --record evidence/reports -- \
    cp evidence/reports/garak-pass.report.jsonl evidence/reports/garak-pass-ranker.report.jsonl
