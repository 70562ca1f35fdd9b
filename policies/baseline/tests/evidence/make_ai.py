"""Build the AI-evidence files of the baseline policy test cases (../leakage-*.pal,
../model-docs-robustness.pal), after make.py (it reuses its keys and models).

    PATH=/tmp/h10-venv/bin:$PATH python3 make_ai.py     # the venv of make.py

- sbom/recommender-dp-{signed,loose}.mlbom.json: ML-BOMs whose model card records DP training
  as cyclonedx-python-lib producers write it (model-card properties `acme:ai:training:dp:*`),
  epsilon 3.0 and 12.0; sbom/recommender-fragile.mlbom.json reports adversarial-robustness 0.31.
- signatures/*.mlbom.sig.json: ../../../../examples/tools/make_provenance.py --sign-only with
  the ML-BOM file as the subject (its sha256): the `bom_signature` of a model. The forged one
  is signed with the "other" key.
- reports/customers{,.deidentified}.scan.json: copies of tests/fixtures/ai/pii/ (Presidio
  analyzer 2.2.366 scans of a CSV with personal data and of its de-identified output), and
  data/customers.deidentified.csv, that output (the scan covers it record for record).
- reports/*.scan.json.sigstore.json: each scan signed by the "release" key (make_provenance.py
  --sign-only, the scan as the subject), the key of identity "deid" that runs the
  de-identification stage: a `pii_scan` counts only when bound to its stage;
  attestations/customers-deidentified.intoto.json, the output's provenance (make.py's
  `provenance`). Its lock entries (`dataset clicks-anon*` in ../palisade.lock) were written by
  `palisade lock` on a one-dataset pipeline with that path and copied (sha256 added).
- ../palisade.lock: the models these cases declare under new names point at make.py's model
  folders; their lock entries are copies of those folders' entries (make.py writes the lock).
"""

import json
import shutil
import sys
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
PROVENANCE = ROOT / "examples" / "tools" / "make_provenance.py"
PII = ROOT / "tests" / "fixtures" / "ai" / "pii"


def mlbom(name: str, metrics: dict, properties: dict) -> dict:
    return {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX", "specVersion": "1.6",
        "serialNumber": "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "palisade-test-model:" + name)),
        "version": 1,
        "metadata": {"timestamp": "2026-02-01T00:00:00Z"},
        "components": [{
            "type": "machine-learning-model", "bom-ref": name, "name": name, "version": "1.0.0",
            "modelCard": {
                "modelParameters": {"task": "classification", "approach": {"type": "supervised"}},
                "quantitativeAnalysis": {"performanceMetrics": [
                    {"type": k, "value": v, "slice": "held-out test split"} for k, v in metrics.items()]},
                "considerations": {"useCases": ["baseline policy tests"],
                                   "technicalLimitations": ["a test fixture, not a model"]},
                "properties": [{"name": k, "value": v} for k, v in properties.items()],
            },
        }],
    }


def dp(epsilon: str) -> dict:
    return {"acme:ai:training:dp:epsilon": epsilon, "acme:ai:training:dp:delta": "1e-05",
            "acme:ai:training:dp:mechanism": "DP-SGD", "acme:ai:training:dp:accountant": "rdp"}


def sign(bom: str, out: str, key: str = "release") -> None:
    import subprocess
    r = subprocess.run([sys.executable, str(PROVENANCE), "--key", f"keys/TEST-ONLY-{key}.key", "--pub",
                        f"keys/{key}.pub", "--sign-only", "--subject", f"{Path(bom).name}={bom}", "-o", out],
                       cwd=HERE)
    if r.returncode:
        sys.exit(f"signing {bom}: exit {r.returncode}")


def main() -> None:
    robust = {"accuracy": "0.91", "adversarial-robustness": "0.84"}
    boms = {
        "recommender-dp-signed": mlbom("recommender-dp-signed", robust, dp("3.0")),
        "recommender-dp-loose": mlbom("recommender-dp-loose", robust, dp("12.0")),
        "recommender-fragile": mlbom("recommender-fragile", {"accuracy": "0.91", "adversarial-robustness": "0.31"}, {}),
    }
    for name, bom in boms.items():
        (HERE / "sbom" / f"{name}.mlbom.json").write_text(json.dumps(bom, indent=1) + "\n")
    sign("sbom/recommender-dp-signed.mlbom.json", "signatures/recommender-dp-signed.mlbom.sig.json")
    sign("sbom/recommender-dp-loose.mlbom.json", "signatures/recommender-dp-loose.mlbom.sig.json")
    sign("sbom/recommender-dp-signed.mlbom.json", "signatures/recommender-dp-forged.mlbom.sig.json", key="other")
    declassify_evidence()
    lock = HERE.parent / "palisade.lock"
    pinned = json.loads(lock.read_text())
    artifacts = pinned["artifacts"]
    for alias, model in ALIASES.items():
        artifacts[f"model {alias}"] = artifacts[f"model {model}"]
    pinned["artifacts"] = dict(sorted(artifacts.items()))
    lock.write_text(json.dumps(pinned, indent=2) + "\n")


def declassify_evidence() -> None:
    """The de-identification case: the output, its scans, and their signatures."""
    shutil.copy(PII / "customers.deidentified.csv", HERE / "data" / "customers.deidentified.csv")
    for f in ["customers.scan.json", "customers.deidentified.scan.json"]:
        shutil.copy(PII / f, HERE / "reports" / f)
        sign(f"reports/{f}", f"reports/{f}.sigstore.json")
    import make
    make.provenance("attestations/customers-deidentified.intoto.json",
                    ["--subject", "customers.deidentified.csv=data/customers.deidentified.csv"], make.BUILDER, 150)


# model names of the AI cases -> the make.py model folder they declare as `path`
ALIASES = {
    "dp-signed": "recommender-dp", "dp-loose": "recommender-dp", "dp-unsigned": "recommender-dp",
    "dp-forged": "recommender-dp", "scored": "ranker", "scored-dirty": "ranker",
    "scored-unscanned": "ranker", "scored-unbound": "ranker", "fragile": "ranker",
}


if __name__ == "__main__":
    main()
