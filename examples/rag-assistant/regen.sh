#!/usr/bin/env bash
# Rebuild every generated file of this example with the real tools that produce them.
#
#   python3 -m venv /tmp/palisade-examples && . /tmp/palisade-examples/bin/activate
#   pip install -r ../tools/requirements.txt
#   ./regen.sh
#
# Deterministic: the datasets (seeded), the base model, the adapter and its metrics, the index,
# the ML-BOM, the SBOMs. Not deterministic: signatures (ECDSA), the bandit report's timestamp.
# The key pair is made once and kept: it is a published TEST-ONLY key (see README.md).
# Trivy cannot be installed here, so reports/trivy-secrets.sarif is hand-written (see README.md).
set -euo pipefail
# One BLAS thread: a multi-threaded sum may round differently from run to run.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
# No __pycache__ in src/: it would change the hashed code directory (palisade.lock).
export PYTHONDONTWRITEBYTECODE=1
cd "$(dirname "$0")"
ROOT=../..
SCHEMAS=$ROOT/tests/fixtures/cyclonedx/schema
PALISADE=${PALISADE:-$ROOT/target/debug/palisade}
IMAGE=registry.acme.example/support/rag-serve
IMAGE_DIGEST=sha256:6b1f0e3c9d2a4b7e8f5c1a0d3e6b9c2f4a7d0e3b6c9f2a5d8e1b4c7f0a3d6e9b
REPO=https://github.com/acme/support-assistant
SLSA_GENERIC="https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0"
COMMIT=3f6a1c9e2b7d4f8a0c5e1b3d7f9a2c4e6b8d0f1a
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# 1. Data: 120 synthetic tickets (fake names/e-mails); data/kb-articles.jsonl is hand-written.
python3 tools/make_tickets.py data/support-tickets.jsonl

# 2. The base model as the registry serves it; its sha256 must be the digest pipeline.pal pins.
python3 tools/make_base_llm.py data/kb-articles.jsonl "$WORK/base.safetensors"
BASE_SHA256=$(sha256sum "$WORK/base.safetensors" | cut -d' ' -f1)
grep -q "digest = \"sha256:$BASE_SHA256\"" pipeline.pal \
  || { echo "base model sha256:$BASE_SHA256 is not the digest pipeline.pal pins" >&2; exit 1; }

# 3. The vector index, and the DP fine-tune (writes the adapter and its metrics).
(cd src && python3 ingest.py ../data/kb-articles.jsonl ../index/kb-index.safetensors)
rm -rf models/support-lora
(cd src && python3 finetune.py "$WORK/base.safetensors" ../data/support-tickets.jsonl \
  ../models/support-lora ../reports/model-metrics.json)

# 4. SAST (bandit exits 1 when it finds anything; this code has no findings, so expect 0).
bandit -r src -f sarif -o reports/bandit.sarif || [ $? -eq 1 ]

# 5. SBOMs: cyclonedx-py from the pinned requirements; the image's adds its advisories + VEX;
#    the ML-BOM carries the model card. All validated against the official schemas.
SOURCE_DATE_EPOCH=1769817600 cyclonedx-py requirements src/requirements.txt \
  --sv 1.6 --of JSON --output-reproducible -o sbom/app.cdx.json
python3 tools/make_serving_sbom.py sbom/app.cdx.json "$IMAGE_DIGEST" sbom/rag-serve.cdx.json
python3 tools/make_mlbom.py models/support-lora "$BASE_SHA256" reports/model-metrics.json \
  data/support-tickets.jsonl sbom/support-lora.mlbom.json
python3 ../tools/validate_cdx.py $SCHEMAS sbom/app.cdx.json sbom/rag-serve.cdx.json \
  sbom/support-lora.mlbom.json

# 6. The TEST-ONLY release key (P-256, PKCS#8), made once.
if [ ! -f keys/TEST-ONLY-release.key ]; then
  openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt \
    -out keys/TEST-ONLY-release.key
fi
openssl pkey -in keys/TEST-ONLY-release.key -pubout -out keys/release.pub
KEY=(--key keys/TEST-ONLY-release.key --pub keys/release.pub)

# 7. Model signature (OpenSSF model signing) over the adapter directory.
model_signing sign key models/support-lora --private_key keys/TEST-ONLY-release.key \
  --signature models/support-lora.sig
model_signing verify key models/support-lora --signature models/support-lora.sig \
  --public_key keys/release.pub

# 8. SLSA provenance (in-toto v1 in DSSE, Sigstore bundle v0.3) for each dataset and the image,
#    and the image's signature (cosign's sign predicate over the image digest).
provenance() { # OUT WORKFLOW RUN_ID STARTED FINISHED SUBJECT-ARGS...
  local out=$1 workflow=$2 run=$3 started=$4 finished=$5; shift 5
  python3 ../tools/make_provenance.py "${KEY[@]}" "$@" \
    --builder-id "$SLSA_GENERIC" \
    --build-type "https://github.com/slsa-framework/slsa-github-generator/generic@v1" \
    --repository $REPO --workflow "$workflow" --commit $COMMIT --run-id "$run" \
    --started "$started" --finished "$finished" -o "$out"
}
provenance attestations/support-tickets.intoto.json .github/workflows/export-tickets.yml \
  9011223344 2026-01-29T01:00:02Z 2026-01-29T01:04:17Z \
  --subject support-tickets.jsonl=data/support-tickets.jsonl
provenance attestations/kb-articles.intoto.json .github/workflows/export-help-center.yml \
  9011223390 2026-01-29T01:10:00Z 2026-01-29T01:10:48Z \
  --subject kb-articles.jsonl=data/kb-articles.jsonl
provenance attestations/kb-index.intoto.json .github/workflows/index.yml \
  9011224001 2026-01-29T02:00:11Z 2026-01-29T02:01:02Z \
  --subject kb-index.safetensors=index/kb-index.safetensors
provenance attestations/rag-serve.provenance.json .github/workflows/release.yml \
  9011229876 2026-01-30T09:12:40Z 2026-01-30T09:19:05Z \
  --subject-digest "$IMAGE=$IMAGE_DIGEST"
python3 ../tools/make_provenance.py "${KEY[@]}" --sign-only \
  --subject-digest "$IMAGE=$IMAGE_DIGEST" -o attestations/rag-serve.sig.json
for f in support-tickets=data/support-tickets.jsonl kb-articles=data/kb-articles.jsonl \
         kb-index=index/kb-index.safetensors; do
  python3 ../tools/verify_bundle.py "attestations/${f%%=*}.intoto.json" keys/release.pub "${f#*=}"
done
python3 ../tools/verify_bundle.py attestations/rag-serve.provenance.json keys/release.pub
# The ML-BOM's signature (`bom_signature`): its model card's DP claim counts only when signed.
python3 ../tools/make_provenance.py "${KEY[@]}" --sign-only \
  --subject support-lora.mlbom.json=sbom/support-lora.mlbom.json -o sbom/support-lora.mlbom.sig.json
python3 ../tools/verify_bundle.py sbom/support-lora.mlbom.sig.json keys/release.pub \
  sbom/support-lora.mlbom.json
python3 ../tools/verify_bundle.py attestations/rag-serve.sig.json keys/release.pub

# 11 (before the lock, which pins what it reads). The red team: garak 0.17.1 against the
#    assistant itself (tools/garak_target.py: src/app.py's POST /ask in process, over the base
#    model, the DP adapter and the index), recorded by `palisade run` as stage "redteam" and
#    signed by its identity's key. The base model is fetched into redteam/ as the registry
#    serves it, so the record's materials hold both models at their current digests and its
#    products the report: that links the report to this version of each model
#    (llm-redteam-unlinked, llm-redteam-stale). garak needs its own environment (3.6 GB of
#    torch; see tests/fixtures/ai/regen.sh): GARAK names its binary, and the environment also
#    needs `pip install fastapi==0.115.5 starlette==0.41.3` for the app.
GARAK=${GARAK:-/work/venvs/ai-garak/bin/garak}
[ -x "$GARAK" ] || { echo "garak not found at $GARAK (set GARAK)" >&2; exit 1; }
rm -rf redteam && mkdir -p redteam
cp "$WORK/base.safetensors" redteam/base-llm.safetensors
BASE_MODEL=redteam/base-llm.safetensors ADAPTER=models/support-lora/adapter_model.safetensors \
KB_INDEX=index/kb-index.safetensors PYTHONPATH=tools:src HF_HUB_OFFLINE=1 OTEL_SDK_DISABLED=true \
GARAK=$GARAK "$PALISADE" run --stage redteam --key keys/TEST-ONLY-release.key --record redteam -- \
  sh tools/redteam.sh
rm redteam/base-llm.safetensors    # the registry's file: not part of the example

# 9. Pin every local path in palisade.lock, when the binary has the `lock` command.
if "$PALISADE" lock --help >/dev/null 2>&1; then
  "$PALISADE" lock pipeline.pal
else
  # The committed palisade.lock was written with palisade-hash's Lockfile (the code `lock`
  # will use), keys "<kind> <name>", for every artifact with a local `path`.
  echo "note: $PALISADE has no 'lock' command yet; palisade.lock not refreshed" >&2
fi

# 10. The model registry's gate judges the base model and signs its verdict; model "base-llm"
#     declares it as its `summary` (another gate's PASSED verdict, verified by key "release").
"$PALISADE" attest registry/pipeline.pal --key keys/TEST-ONLY-release.key \
  --public-key keys/release.pub --resource-uri model-registry --at 2026-12-01T00:00:00Z \
  -o attestations/base-llm.vsa.json
"$PALISADE" verify attestations/base-llm.vsa.json --key keys/release.pub --require-passed
