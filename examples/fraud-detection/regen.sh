#!/usr/bin/env bash
# Rebuild every generated file of this example with the real tools that produce them.
#
#   python3 -m venv /tmp/palisade-examples && . /tmp/palisade-examples/bin/activate
#   pip install -r ../tools/requirements.txt
#   ./regen.sh
#
# Deterministic: the dataset (seeded), the model and its metrics (given the pinned numpy,
# scikit-learn and scipy: another scipy changes the weights' last bits), the ML-BOM, the SBOMs,
# the train stage's attestation (deterministic ECDSA, RFC 6979) and palisade.lock.
# Not deterministic: signatures (ECDSA), the bandit report's timestamp. The key pair is made
# once and kept: it is a published TEST-ONLY key (see README.md), never use it for anything real.
# Trivy cannot be installed here, so reports/trivy-secrets.sarif is hand-written (see README.md)
# and is not regenerated.
set -euo pipefail
# One BLAS thread: a multi-threaded sum may round differently from run to run.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
# No __pycache__ in src/: it would change the hashed code directory (palisade.lock).
export PYTHONDONTWRITEBYTECODE=1
cd "$(dirname "$0")"
ROOT=../..                       # the repository (for the CycloneDX schemas and trivy fixture)
SCHEMAS=$ROOT/tests/fixtures/cyclonedx/schema
PALISADE=${PALISADE:-$ROOT/target/debug/palisade}

# 1. A small synthetic dataset (obviously fake names and e-mails, 200 rows).
python3 tools/make_transactions.py data/transactions.csv

# 2. Train the model; safetensors weights + config.json, and the metrics the model card quotes.
#    `palisade run` records the run: the stage's declared inputs hashed before, its model after,
#    signed by the trainer identity's key into attestations/train.intoto.json (in-toto link
#    predicate in DSSE). --record data: every file in data/ counts as readable by the command.
rm -rf models/fraud-xgb
"$PALISADE" run --stage train --key keys/TEST-ONLY-release.key --record data -- \
  sh -c 'cd src && python3 train.py ../data/transactions.csv ../models/fraud-xgb ../reports/model-metrics.json'

# 3. SAST with bandit (exit 1 means "findings": there is one medium, B104, by design).
bandit -r src -f sarif -o reports/bandit.sarif || [ $? -eq 1 ]

# 4. SBOM of the app's pinned requirements (offline: reads the file, resolves nothing).
SOURCE_DATE_EPOCH=1769817600 cyclonedx-py requirements src/requirements.txt \
  --sv 1.6 --of JSON --output-reproducible -o sbom/app.cdx.json

# 5. ML-BOM with a model card (accuracy, roc-auc, adversarial-robustness) and the dataset.
python3 tools/make_mlbom.py models/fraud-xgb reports/model-metrics.json data/transactions.csv \
  sbom/fraud-xgb.mlbom.json

# 6. The serving image's SBOM: real trivy output + urllib3 1.22 with CVE-2018-20060 (critical).
python3 tools/make_serving_sbom.py $ROOT/tests/fixtures/cyclonedx/pyproj.trivy.cdx.json \
  sbom/serving.cdx.json
python3 ../tools/validate_cdx.py $SCHEMAS sbom/app.cdx.json sbom/fraud-xgb.mlbom.json \
  sbom/serving.cdx.json

# 7. The TEST-ONLY release key (P-256, PKCS#8), made once.
if [ ! -f keys/TEST-ONLY-release.key ]; then
  openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt \
    -out keys/TEST-ONLY-release.key
fi
openssl pkey -in keys/TEST-ONLY-release.key -pubout -out keys/release.pub

# 8. Sign the model directory with OpenSSF model signing, and check it verifies.
model_signing sign key models/fraud-xgb --private_key keys/TEST-ONLY-release.key \
  --signature models/fraud-xgb.sig
model_signing verify key models/fraud-xgb --signature models/fraud-xgb.sig \
  --public_key keys/release.pub

# 9. SLSA provenance for the dataset: in-toto Statement v1, DSSE, Sigstore bundle v0.3.
python3 ../tools/make_provenance.py --key keys/TEST-ONLY-release.key --pub keys/release.pub \
  --subject transactions.csv=data/transactions.csv \
  --builder-id "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0" \
  --build-type "https://github.com/slsa-framework/slsa-github-generator/generic@v1" \
  --repository https://github.com/acme/fraud --workflow .github/workflows/export-transactions.yml \
  --commit 9c1d2e6f0b7a4c3d8e5f6a1b2c3d4e5f6a7b8c9d --run-id 8123456789 \
  --started 2026-01-30T02:00:05Z --finished 2026-01-30T02:03:41Z \
  -o attestations/transactions.intoto.json
python3 ../tools/verify_bundle.py attestations/transactions.intoto.json keys/release.pub \
  data/transactions.csv

# 10. Pin every local path in palisade.lock, when the binary has the `lock` command.
if "$PALISADE" lock --help >/dev/null 2>&1; then
  "$PALISADE" lock pipeline.pal
else
  # The committed palisade.lock was written with palisade-hash's Lockfile (the code `lock`
  # will use), keys "<kind> <name>", for every artifact with a local `path`.
  echo "note: $PALISADE has no 'lock' command yet; palisade.lock not refreshed" >&2
fi
