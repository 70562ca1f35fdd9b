#!/usr/bin/env bash
# Interoperability of palisade's signatures with independent implementations, offline:
#   (a) `palisade attest` bundles verify with @sigstore/verify (Node) and securesystemslib (Python);
#   (b) tampered payloads and signatures are rejected by both (and by palisade);
#   (c) `model_signing sign key` signatures of a fresh model verify with `palisade verify`, and
#       modified / added / removed files are rejected;
#   (d) what palisade accepts, `model_signing verify key` accepts too (and rejects the same
#       tampered models), on the fresh model and on the 50 MiB fixture model.
# Installs its tools into tests/interop/.venv and tests/interop/node_modules (gitignored) on the
# first run; later runs reuse them. Prints PASS/FAIL per check; exits nonzero on any FAIL.
# Needs: bash, cargo, python3 (venv, pip), node 20 + npm, openssl. Network only for the first install.
# PALISADE_BIN=path skips the build and uses that binary.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
START=$(date +%s)

# --- tools -----------------------------------------------------------------------------------
VENV="$HERE/.venv"
if [ ! -x "$VENV/bin/model_signing" ] || ! "$VENV/bin/python" -c 'import securesystemslib, OpenSSL' 2>/dev/null; then
  echo "installing model-signing 1.1.1, pyopenssl, securesystemslib into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check model-signing==1.1.1 pyopenssl securesystemslib
fi
if [ ! -d "$HERE/node_modules/@sigstore/verify" ] || [ ! -d "$HERE/node_modules/@sigstore/bundle" ]; then
  echo "installing @sigstore/verify@3 and @sigstore/bundle@4 into $HERE/node_modules"
  (cd "$HERE" && npm install --silent --no-audit --no-fund)
fi
PY="$VENV/bin/python"
MS="$VENV/bin/model_signing"
NODE_VERIFY="$HERE/verify-sigstore-key-bundle.js"
PY_VERIFY="$HERE/verify-dsse-securesystemslib.py"

# --- palisade --------------------------------------------------------------------------------
if [ -n "${PALISADE_BIN:-}" ]; then
  PAL=$PALISADE_BIN # a binary built elsewhere (e.g. by CI's own build step)
else
  echo "building palisade (debug)"
  if ! (cd "$ROOT" && cargo build --quiet -p palisade-cli); then
    echo "FAIL  build palisade (cargo build -p palisade-cli)"; exit 1
  fi
  PAL="${CARGO_TARGET_DIR:-$ROOT/target}/debug/palisade"
fi
[ -x "$PAL" ] || { echo "FAIL build: $PAL not found"; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
FAILED=0
PASSED=0

# accept NAME CMD...: the command must exit 0.
accept() {
  local name=$1; shift
  if "$@" >"$WORK/out" 2>&1; then
    echo "PASS  $name"; PASSED=$((PASSED + 1))
  else
    echo "FAIL  $name (exit $?)"; sed 's/^/      /' "$WORK/out" | head -20; FAILED=$((FAILED + 1))
  fi
}

# reject NAME CODE CMD...: the command must exit with CODE (a verification failure, not an
# unusable input or a crash). CODE "any" accepts any nonzero exit (model_signing has no codes).
reject() {
  local name=$1 want=$2; shift 2
  local code=0
  "$@" >"$WORK/out" 2>&1 || code=$?
  if { [ "$want" = any ] && [ "$code" -ne 0 ]; } || [ "$code" = "$want" ]; then
    echo "PASS  $name (rejected: $(grep -m1 -E 'REJECTED|NOT VERIFIED|rror' "$WORK/out" | cut -c1-110))"
    PASSED=$((PASSED + 1))
  else
    echo "FAIL  $name (exit $code, wanted $want)"; sed 's/^/      /' "$WORK/out" | head -20; FAILED=$((FAILED + 1))
  fi
}

# --- (a) palisade attest → independent verifiers ----------------------------------------------
A="$WORK/attest"
mkdir -p "$A/models" "$A/policies"
printf 'weights v1' >"$A/models/m.bin"
cat >"$A/policies/team.cedar" <<'EOF'
@id("allow-all")
permit (principal, action, resource);
EOF
cat >"$A/pipeline.pal" <<'EOF'
pipeline "interop" {
  policies = ["policies"]
  model "m" { path = "models/m.bin" format = "safetensors" }
  image "api" { ref = "registry.example/api@sha256:7777777777777777777777777777777777777777777777777777777777777777" }
  release "prod" { artifacts = [model "m", image "api"] environment = "production" exposure = "internal" }
}
EOF
(
  cd "$A"
  "$PAL" keygen --out release >/dev/null
  "$PAL" attest --key release.key -o vsa.json --at 2026-12-01T00:00:00Z 2>/dev/null
  PALISADE_KEY_PASSWORD=interop-pw "$PAL" keygen --out cosign --cosign >/dev/null
  PALISADE_KEY_PASSWORD=interop-pw "$PAL" attest --key cosign.key -o vsa-cosign.json --at 2026-12-01T00:00:00Z 2>/dev/null
)
accept "(a) palisade attest → @sigstore/verify" node "$NODE_VERIFY" "$A/vsa.json" "$A/release.pub"
accept "(a) palisade attest → securesystemslib DSSE" "$PY" "$PY_VERIFY" "$A/vsa.json" "$A/release.pub"
accept "(a) cosign-encrypted key attest → @sigstore/verify" node "$NODE_VERIFY" "$A/vsa-cosign.json" "$A/cosign.pub"
accept "(a) cosign-encrypted key attest → securesystemslib DSSE" "$PY" "$PY_VERIFY" "$A/vsa-cosign.json" "$A/cosign.pub"
accept "(a) palisade verify --artifact" "$PAL" verify "$A/vsa.json" --key "$A/release.pub" --artifact "$A/models/m.bin" --require-passed
reject "(a) @sigstore/verify refuses another key" 1 node "$NODE_VERIFY" "$A/vsa.json" "$A/cosign.pub"
reject "(a) securesystemslib refuses another key" 1 "$PY" "$PY_VERIFY" "$A/vsa.json" "$A/cosign.pub"

# --- (a2) palisade sign → independent verifiers (a message signature, as cosign sign-blob) --
(
  cd "$A"
  printf 'id,amount\n1,10\n' >data.csv
  "$PAL" sign data.csv --key release.key 2>/dev/null
  "$PY" -c 'import base64,json,sys; b=json.load(open(sys.argv[1])); open(sys.argv[2],"wb").write(base64.b64decode(b["messageSignature"]["signature"]))' data.csv.sigstore.json data.csv.sig.der
  printf 'id,amount\n1,99\n' >data-changed.csv
)
accept "(a2) palisade sign → @sigstore/verify" node "$NODE_VERIFY" "$A/data.csv.sigstore.json" "$A/release.pub" "$A/data.csv"
accept "(a2) palisade sign → openssl dgst -verify" openssl dgst -sha256 -verify "$A/release.pub" -signature "$A/data.csv.sig.der" "$A/data.csv"
accept "(a2) palisade sign → palisade verify --artifact" "$PAL" verify "$A/data.csv.sigstore.json" --key "$A/release.pub" --artifact "$A/data.csv"
reject "(a2) @sigstore/verify refuses a changed file" 1 node "$NODE_VERIFY" "$A/data.csv.sigstore.json" "$A/release.pub" "$A/data-changed.csv"
reject "(a2) openssl refuses a changed file" 1 openssl dgst -sha256 -verify "$A/release.pub" -signature "$A/data.csv.sig.der" "$A/data-changed.csv"

# --- (b) tampered bundles --------------------------------------------------------------------
"$PY" "$HERE/tamper.py" payload "$A/vsa.json" "$A/tampered-payload.json"
"$PY" "$HERE/tamper.py" signature "$A/vsa.json" "$A/tampered-signature.json"
for what in payload signature; do
  reject "(b) tampered $what → @sigstore/verify rejects" 1 node "$NODE_VERIFY" "$A/tampered-$what.json" "$A/release.pub"
  reject "(b) tampered $what → securesystemslib rejects" 1 "$PY" "$PY_VERIFY" "$A/tampered-$what.json" "$A/release.pub"
  reject "(b) tampered $what → palisade verify rejects" 1 "$PAL" verify "$A/tampered-$what.json" --key "$A/release.pub"
done

# --- (c) model_signing sign key → palisade verify ----------------------------------------------
M="$WORK/model"
mkdir -p "$M/fresh/tokenizer"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$M/key.pem" 2>/dev/null
openssl pkey -in "$M/key.pem" -pubout -out "$M/pub.pem" 2>/dev/null
printf '{"architectures": ["Interop"], "hidden_size": 64}\n' >"$M/fresh/config.json"
printf '{"version": "1.0", "vocab": {"a": 0, "b": 1}}\n' >"$M/fresh/tokenizer/tokenizer.json"
head -c 3000000 /dev/urandom >"$M/fresh/model.safetensors"
printf '# interop model\n' >"$M/fresh/README.md"
"$MS" sign key "$M/fresh" --signature "$M/fresh.sig" --private_key "$M/key.pem" >"$WORK/out" 2>&1 \
  || { echo "FAIL  (c) model_signing sign key"; sed 's/^/      /' "$WORK/out"; exit 1; }

variant() { # variant NAME: a copy of the fresh model, changed as NAME says
  local dir="$M/$1"
  rm -rf "$dir"; cp -R "$M/fresh" "$dir"
  case $1 in
    modified) printf 'x' | dd of="$dir/model.safetensors" bs=1 seek=1000 conv=notrunc 2>/dev/null ;;
    added) printf 'import os\n' >"$dir/extra.py" ;;
    removed) rm "$dir/tokenizer/tokenizer.json" ;;
  esac
}
accept "(c) model_signing sign key → palisade verify --key --artifact" \
  "$PAL" verify "$M/fresh.sig" --key "$M/pub.pem" --artifact "$M/fresh"
for change in modified added removed; do
  variant "$change"
  reject "(c) $change file → palisade verify rejects" 1 \
    "$PAL" verify "$M/fresh.sig" --key "$M/pub.pem" --artifact "$M/$change"
done
reject "(c) another key → palisade verify rejects" 1 \
  "$PAL" verify "$M/fresh.sig" --key "$A/release.pub" --artifact "$M/fresh"

# --- (d) palisade-accepted model signatures → model_signing verify key ------------------------
accept "(d) fresh model: model_signing verify key agrees" \
  "$MS" verify key "$M/fresh" --signature "$M/fresh.sig" --public_key "$M/pub.pem"
for change in modified added removed; do
  reject "(d) $change file → model_signing verify key rejects too" any \
    "$MS" verify key "$M/$change" --signature "$M/fresh.sig" --public_key "$M/pub.pem"
done
FIX="$ROOT/tests/fixtures/model-signing"
sh "$FIX/regen-model.sh" "$M/fixture-model"
accept "(d) fixture model (50 MiB): palisade verify" \
  "$PAL" verify "$FIX/model.sig.json" --key "$FIX/ec-p256-pub.pem" --artifact "$M/fixture-model"
accept "(d) fixture model (50 MiB): model_signing verify key agrees" \
  "$MS" verify key "$M/fixture-model" --signature "$FIX/model.sig.json" --public_key "$FIX/ec-p256-pub.pem"

# --- (e), (f) in-toto links and palisade run attestations (tests/interop/intoto.sh) ----------
. "$HERE/intoto.sh"

echo "interop: $PASSED passed, $FAILED failed in $(($(date +%s) - START)) s"
[ "$FAILED" -eq 0 ]
