# Sourced by run.sh (uses its accept/reject, $PAL, $VENV, $WORK, $NODE_VERIFY):
#   (e) links written by in-toto-run (classic and --use-dsse) of a fresh run are read and
#       verified by palisade (stage `attestation = …` verified against its runs_as key), and
#       the attack (a PII file read but not declared) is denied;
#   (f) attestations `palisade run` writes verify with in-toto's own tools (DSSE) and with
#       @sigstore/verify (bundle); a tampered one is rejected by them.
# Installs in-toto 3.1.0 and in-toto-attestation into the interop venv on the first run.
if ! "$VENV/bin/python" -c 'import in_toto, in_toto_attestation' 2>/dev/null; then
  echo "installing in-toto 3.1.0, in-toto-attestation 0.9.3 into $VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check in-toto==3.1.0 in-toto-attestation==0.9.3
fi
INTOTO_RUN="$VENV/bin/in-toto-run"
L="$WORK/lineage"
mkdir -p "$L/data" "$L/models" "$L/keys" "$L/attestations"
openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$L/keys/trainer.key"
openssl pkey -in "$L/keys/trainer.key" -pubout -out "$L/keys/trainer.pub"
printf 'amount,fraud\n12,0\n900,1\n' >"$L/data/transactions.csv"
printf 'name,email\nTest Person,test@example.invalid\n' >"$L/data/customers.csv"
lineage_pipeline() { # $1: the attestation line of stage train
  cat >"$L/pipeline.pal" <<PAL
pipeline "interop-lineage" {
  key "trainer" { public_key = "keys/trainer.pub" }
  identity "trainer" { key = key "trainer" }
  dataset "transactions" { path = "data/transactions.csv" }
  dataset "customers" { path = "data/customers.csv" labels = ["pii"] }
  model "fraud" { path = "models/model.bin" }
  stage "profile" { runs_as = identity "trainer" inputs = [dataset "customers"] }
  stage "train" { runs_as = identity "trainer" inputs = [dataset "transactions"] outputs = [model "fraud"] $1 }
  release "public" { artifacts = [model "fraud"] environment = "production" exposure = "public" }
}
PAL
}
# attestation_state FILE: prints stage train's attestation fact (verified/invalid/absent).
attestation_state() {
  lineage_pipeline "attestation = \"$1\""
  (cd "$L" && "$PAL" explain --no-lock --json stage train) |
    "$VENV/bin/python" -c 'import json,sys; l=json.load(sys.stdin)["facts"]["evidence"]["lineage"]; print(l["attestation"], ",".join(r["path"] for r in l["undeclared_inputs"]))'
}
expect_state() { # NAME FILE WANT
  local got
  got=$(attestation_state "$2" 2>&1 || true)
  if [ "$got" = "$3" ]; then echo "PASS  $1 ($got)"; PASSED=$((PASSED + 1))
  else echo "FAIL  $1 (got '$got', wanted '$3')"; FAILED=$((FAILED + 1)); fi
}
(cd "$L" && "$INTOTO_RUN" -n train --signing-key keys/trainer.key \
  -m data/transactions.csv data/customers.csv -p models/model.bin -- \
  sh -c 'cat data/transactions.csv data/customers.csv > models/model.bin' && mv train.*.link attestations/classic.link)
(cd "$L" && "$INTOTO_RUN" -n train --signing-key keys/trainer.key --use-dsse \
  -m data/transactions.csv data/customers.csv -p models/model.bin -- \
  sh -c 'cat data/transactions.csv data/customers.csv > models/model.bin' && mv train.*.link attestations/dsse.link)
expect_state "(e) in-toto-run classic link → palisade verifies, customers.csv undeclared" \
  attestations/classic.link "verified data/customers.csv"
expect_state "(e) in-toto-run --use-dsse link → palisade verifies, customers.csv undeclared" \
  attestations/dsse.link "verified data/customers.csv"
sed 's/"return-value": 0/"return-value": 1/' "$L/attestations/classic.link" >"$L/attestations/tampered.link"
expect_state "(e) tampered in-toto-run link → palisade: invalid" \
  attestations/tampered.link "invalid data/customers.csv"
lineage_pipeline 'attestation = "attestations/classic.link"'
reject "(e) the attack recorded by in-toto-run → palisade evaluate denies" 1 \
  sh -c "cd '$L' && '$PAL' evaluate --no-lock"

# (f) palisade run → in-toto's tools and @sigstore/verify.
lineage_pipeline 'attestation = "attestations/train.dsse.json"'
accept "(f) palisade run writes a DSSE link statement" \
  sh -c "cd '$L' && '$PAL' run --stage train --key keys/trainer.key -- sh -c 'cat data/transactions.csv > models/model.bin'"
accept "(f) palisade run DSSE → in-toto Envelope.verify_signature + in-toto-attestation" \
  "$VENV/bin/python" "$ROOT/tests/fixtures/intoto/verify-with-in-toto.py" "$L/attestations/train.dsse.json" "$L/keys/trainer.pub"
lineage_pipeline 'attestation = "attestations/train.sigstore.json"'
accept "(f) palisade run writes a Sigstore bundle" \
  sh -c "cd '$L' && '$PAL' run --stage train --key keys/trainer.key -- sh -c 'cat data/transactions.csv > models/model.bin'"
accept "(f) palisade run bundle → @sigstore/verify" node "$NODE_VERIFY" "$L/attestations/train.sigstore.json" "$L/keys/trainer.pub"
accept "(f) palisade run bundle → in-toto's tools" \
  "$VENV/bin/python" "$ROOT/tests/fixtures/intoto/verify-with-in-toto.py" "$L/attestations/train.sigstore.json" "$L/keys/trainer.pub"
"$VENV/bin/python" - "$L/attestations/train.dsse.json" "$L/attestations/tampered.dsse.json" <<'PY'
import base64, json, sys
env = json.load(open(sys.argv[1]))
statement = json.loads(base64.b64decode(env["payload"]))
statement["predicate"]["materials"] = []
env["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
json.dump(env, open(sys.argv[2], "w"))
PY
reject "(f) tampered palisade run DSSE → in-toto's tools reject" 1 \
  "$VENV/bin/python" "$ROOT/tests/fixtures/intoto/verify-with-in-toto.py" "$L/attestations/tampered.dsse.json" "$L/keys/trainer.pub"
