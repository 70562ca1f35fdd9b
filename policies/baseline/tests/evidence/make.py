"""Build the evidence the baseline policy test cases point at (../*.pal), with real tools.

    python3 -m venv /tmp/h10-venv
    /tmp/h10-venv/bin/pip install 'bandit[sarif]==1.9.4' cyclonedx-bom==7.5.0 \
        model-signing==1.1.1 pyopenssl==26.4.0 securesystemslib==1.6.0 cryptography==50.0.2 \
        jsonschema==4.26.0 referencing==0.37.0
    PATH=/tmp/h10-venv/bin:$PATH python3 make.py        # also needs openssl and b3sum

What comes from where:
- keys/: release = the P-256 test key of tests/fixtures/model-signing (TEST-ONLY, published);
  other = an openssl P-256 key made once (TEST-ONLY), the "wrong signer".
- src/: app.py (clean), medium_app.py (one bandit MEDIUM: B104), insecure_app.py
  (tests/fixtures/sarif, bandit HIGH findings).
- reports/: `bandit -f sarif` on each of those (bandit 1.9.4); secrets.trivy.sarif is
  tests/fixtures/sarif/secrets.sarif (trivy 0.76: 4 findings).
- models/: safetensors-shaped weights (tests/fixtures/pickles-extra/weights.safetensors) plus a
  config.json naming the model, one directory per model; each signed with
  `model_signing sign key` (model-signing 1.1.1). ranker-tampered/ is ranker/ with config.json
  changed after signing (its signature is ranker's). pickles/: tests/fixtures pickles.
- sbom/: ML-BOMs (CycloneDX 1.6, model card) written here; critical/high SBOMs are the
  examples' (trivy and cyclonedx-py output plus advisories); medium and agpl are
  `cyclonedx-py requirements` output plus one advisory / one component.
  api.cdx.json is hand-written (not generated here): the scan of image "api" in allow-clean.pal,
  one component and an empty `vulnerabilities` array (scanned, nothing found).
- attestations/, signatures/: ../../../../examples/tools/make_provenance.py (securesystemslib
  DSSE, Sigstore bundle v0.3): SLSA provenance per dataset (subject = file sha256) and per image
  (subject = image digest), cosign-style image signatures.
- config/guardrails.yaml: examples/rag-assistant/config/guardrails.yaml.
- ../palisade.lock: palisade-hash's lock format, written here (blake3 via b3sum, sha256 via
  hashlib; a directory's root is each algorithm over the concatenated raw file digests).
  poisoned.csv is pinned with the digests of its original content, then changed.
Image digests are sha256("palisade-test-image:<name>"): the images themselves do not exist.
"""

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
FIX = ROOT / "tests" / "fixtures"
PROVENANCE = ROOT / "examples" / "tools" / "make_provenance.py"
BUILDER = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0"
OTHER_BUILDER = "https://ci.unknown.example/builder@v1"
BUILD_TYPE = "https://github.com/slsa-framework/slsa-github-generator/generic@v1"
REPO = "https://github.com/acme/palisade-baseline-tests"
COMMIT = "5d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a69788776"


def run(*cmd: str, cwd: Path = HERE, ok=(0,)) -> None:
    r = subprocess.run(cmd, cwd=cwd)
    if r.returncode not in ok:
        sys.exit(f"{' '.join(cmd)}: exit {r.returncode}")


def image_digest(name: str) -> str:
    return hashlib.sha256(f"palisade-test-image:{name}".encode()).hexdigest()


def keys() -> None:
    k = HERE / "keys"
    k.mkdir(exist_ok=True)
    shutil.copy(FIX / "model-signing" / "TEST-ONLY-ec-p256-priv.pem", k / "TEST-ONLY-release.key")
    shutil.copy(FIX / "model-signing" / "ec-p256-pub.pem", k / "release.pub")
    if not (k / "TEST-ONLY-other.key").exists():
        run("sh", "-c", "openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out keys/TEST-ONLY-other.key")
    run("openssl", "pkey", "-in", "keys/TEST-ONLY-other.key", "-pubout", "-out", "keys/other.pub")


CLEAN_APP = '''"""A small scoring service: reads a model path from the environment and serves it."""
import json
import os


def load_config(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main() -> None:
    config = load_config(os.environ.get("MODEL_CONFIG", "config.json"))
    print(json.dumps({"model": config.get("name", "unknown")}))


if __name__ == "__main__":
    main()
'''

MEDIUM_APP = '''"""Serves on every interface (bandit B104, MEDIUM)."""
import http.server


def serve() -> None:
    server = http.server.HTTPServer(("0.0.0.0", 8080), http.server.SimpleHTTPRequestHandler)
    server.serve_forever()
'''


def code() -> None:
    src = HERE / "src"
    src.mkdir(exist_ok=True)
    (src / "app.py").write_text(CLEAN_APP)
    (src / "medium_app.py").write_text(MEDIUM_APP)
    shutil.copy(FIX / "sarif" / "insecure_app.py", src / "insecure_app.py")
    rep = HERE / "reports"
    rep.mkdir(exist_ok=True)
    for name in ["app", "medium_app", "insecure_app"]:
        # bandit exits 1 when it finds something
        run("bandit", "-q", "-f", "sarif", "-o", f"reports/{name}.bandit.sarif", f"src/{name}.py", ok=(0, 1))
    shutil.copy(FIX / "sarif" / "secrets.sarif", rep / "secrets.trivy.sarif")


DATASETS = {
    "catalog": "sku,title,price\n1001,desk lamp,24.90\n1002,office chair,149.00\n1003,monitor arm,59.50\n",
    "public-stats": "month,orders\n2026-01,1200\n2026-02,1315\n",
    "customers": "id,name,email\n1,Test Holder 001,holder001@example.invalid\n2,Test Holder 002,holder002@example.invalid\n",
    "clicks": "user_email,item,ts\nholder001@example.invalid,1001,2026-01-05T10:00:00Z\n",
    "people": "name,email,score\nTest Person 01,person01@example.invalid,0.7\n",
    "scratch": "note\nad-hoc export, never pinned\n",
    "unattested": "sku,clicks\n1001,42\n1002,17\n",
    "poisoned": "sku,label\n1001,ok\n1002,ok\n",
}
POISONED = "sku,label\n1001,ok\n1002,fraud\n"  # one label flipped after pinning


def datasets() -> dict:
    d = HERE / "data"
    d.mkdir(exist_ok=True)
    for name, text in DATASETS.items():
        (d / f"{name}.csv").write_text(text)
    att = HERE / "attestations"
    att.mkdir(exist_ok=True)
    for n, name in enumerate(["catalog", "public-stats", "customers", "clicks", "people", "scratch"]):
        provenance(f"attestations/{name}.intoto.json", ["--subject", f"{name}.csv=data/{name}.csv"], BUILDER, 100 + n)
    # forged: a provenance for other bytes than the dataset's (subject digest does not match)
    (d / "forged.csv").write_text("sku,label\n1001,ok\n")
    provenance("attestations/forged.intoto.json", ["--subject", "forged.csv=data/catalog.csv"], BUILDER, 199)
    (d / "poisoned.csv").write_text(POISONED)
    return {"poisoned": DATASETS["poisoned"].encode()}


def provenance(out: str, subject: list, builder: str, run_id: int, key: str = "release") -> None:
    run(sys.executable, str(PROVENANCE), "--key", f"keys/TEST-ONLY-{key}.key", "--pub", f"keys/{key}.pub",
        *subject, "--builder-id", builder, "--build-type", BUILD_TYPE, "--repository", REPO,
        "--workflow", ".github/workflows/build.yml", "--commit", COMMIT, "--run-id", str(run_id),
        "--started", "2026-02-01T10:00:00Z", "--finished", "2026-02-01T10:05:00Z", "-o", out)


def sign_image(out: str, name: str, key: str = "release") -> None:
    run(sys.executable, str(PROVENANCE), "--key", f"keys/TEST-ONLY-{key}.key", "--pub", f"keys/{key}.pub",
        "--sign-only", "--subject-digest", f"registry.example/{name}=sha256:{image_digest(name)}", "-o", out)


# name -> (signature key or None, provenance builder or None)
IMAGES = {
    "api": ("release", BUILDER),
    "web": ("release", BUILDER),
    "worker": ("release", BUILDER),
    "chat-public": ("release", BUILDER),
    "chat-guarded": ("release", BUILDER),
    "chat-internal": ("release", BUILDER),
    "unsigned": (None, BUILDER),
    "unbuilt": ("release", None),
    "foreign-built": ("release", OTHER_BUILDER),
    "forged": ("other", BUILDER),
}


def images() -> None:
    sig = HERE / "signatures"
    sig.mkdir(exist_ok=True)
    for n, (name, (key, builder)) in enumerate(IMAGES.items()):
        if key:
            sign_image(f"signatures/{name}.sig.json", name, key)
        if builder:
            provenance(f"attestations/{name}.provenance.json",
                       ["--subject-digest", f"registry.example/{name}=sha256:{image_digest(name)}"], builder, 300 + n)
    (HERE / "image-digests.txt").write_text("".join(f"{n} sha256:{image_digest(n)}\n" for n in IMAGES))


# name -> (ML-BOM metrics, or None for no bom)
MODELS = {
    "ranker": ["accuracy", "adversarial-robustness"],
    "churn": ["accuracy", "adversarial-robustness"],
    "recommender": ["accuracy", "adversarial-robustness"],
    "recommender-dp": ["accuracy", "adversarial-robustness"],
    "scorer": ["accuracy", "adversarial-robustness"],
    "other": ["accuracy", "adversarial-robustness"],
    "untested": ["accuracy"],
    "lookup": ["accuracy"],
    "undocumented": None,
}


def mlbom(name: str, metrics: list) -> dict:
    values = {"accuracy": "0.91", "adversarial-robustness": "0.84"}
    return {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX", "specVersion": "1.6",
        "serialNumber": "urn:uuid:" + str(__import__("uuid").uuid5(__import__("uuid").NAMESPACE_URL, "palisade-test-model:" + name)),
        "version": 1,
        "metadata": {"timestamp": "2026-02-01T00:00:00Z"},
        "components": [{
            "type": "machine-learning-model", "bom-ref": name, "name": name, "version": "1.0.0",
            "modelCard": {
                "modelParameters": {"task": "classification", "approach": {"type": "supervised"}},
                "quantitativeAnalysis": {"performanceMetrics": [
                    {"type": m, "value": values[m], "slice": "held-out test split"} for m in metrics]},
                "considerations": {"useCases": ["baseline policy tests"],
                                   "technicalLimitations": ["a test fixture, not a model"]},
            },
        }],
    }


def models() -> None:
    weights = (FIX / "pickles-extra" / "weights.safetensors").read_bytes()
    mdir = HERE / "models"
    sbom = HERE / "sbom"
    mdir.mkdir(exist_ok=True)
    sbom.mkdir(exist_ok=True)
    for name, metrics in MODELS.items():
        d = mdir / name
        if d.exists():
            shutil.rmtree(d)
        d.mkdir()
        (d / "model.safetensors").write_bytes(weights)
        (d / "config.json").write_text(json.dumps({"name": name, "format": "safetensors"}) + "\n")
        run("model_signing", "sign", "key", f"models/{name}", "--private_key", "keys/TEST-ONLY-release.key",
            "--signature", f"models/{name}.sig")
        run("model_signing", "verify", "key", f"models/{name}", "--signature", f"models/{name}.sig",
            "--public_key", "keys/release.pub")
        if metrics is not None:
            (sbom / f"{name}.mlbom.json").write_text(json.dumps(mlbom(name, metrics), indent=1) + "\n")
    # ranker-tampered: ranker's files and signature, then one file changed
    t = mdir / "ranker-tampered"
    if t.exists():
        shutil.rmtree(t)
    shutil.copytree(mdir / "ranker", t)
    shutil.copy(mdir / "ranker.sig", mdir / "ranker-tampered.sig")
    (t / "config.json").write_text(json.dumps({"name": "ranker", "format": "safetensors", "labels": 3}) + "\n")
    pk = mdir / "pickles"
    pk.mkdir(exist_ok=True)
    for f in ["evil_os_system.pkl", "evil_builtins_eval.pkl", "safe_dict.pkl"]:
        shutil.copy(FIX / "pickles" / f, pk / f)
    for f in ["legacy_torch.pt", "torch_evil.pt", "objects_evil.npy"]:
        shutil.copy(FIX / "pickles-extra" / f, pk / f)


def sboms() -> None:
    sbom = HERE / "sbom"
    shutil.copy(ROOT / "examples" / "fraud-detection" / "sbom" / "serving.cdx.json", sbom / "critical.cdx.json")
    shutil.copy(ROOT / "examples" / "rag-assistant" / "sbom" / "rag-serve.cdx.json", sbom / "high.cdx.json")
    req = HERE / "sbom" / "requirements.txt"
    req.write_text("requests==2.31.0\nultralytics==8.3.0\n")
    run("cyclonedx-py", "requirements", str(req), "--sv", "1.6", "--of", "JSON", "--output-reproducible",
        "-o", "sbom/base.cdx.json")
    base = json.loads((sbom / "base.cdx.json").read_text())
    (sbom / "base.cdx.json").unlink()
    req.unlink()
    by_name = {c["name"]: c for c in base["components"]}
    # medium: requests 2.31.0 with GHSA-9wx4-h78v-vm56 (CVE-2024-35195, CVSS 5.6, medium), plus
    # CVE-2024-47081 (.netrc credential leak, rated high here) analysed not_affected (VEX).
    medium = json.loads(json.dumps(base))
    medium["components"] = [by_name["requests"]]
    medium["dependencies"] = [d for d in medium.get("dependencies", []) if d["ref"] == by_name["requests"]["bom-ref"]]
    ref = by_name["requests"]["bom-ref"]
    medium["vulnerabilities"] = [
        {"id": "CVE-2024-35195", "source": {"name": "ghsa", "url": "https://github.com/advisories/GHSA-9wx4-h78v-vm56"},
         "ratings": [{"source": {"name": "ghsa"}, "score": 5.6, "severity": "medium", "method": "CVSSv3",
                      "vector": "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:H/I:H/A:N"}],
         "description": "Requests Session keeps verify=False for later requests to the same host.",
         "recommendation": "Upgrade requests to 2.32.0",
         "affects": [{"ref": ref}]},
        {"id": "CVE-2024-47081", "source": {"name": "ghsa", "url": "https://github.com/advisories/GHSA-9hjg-9r4m-mvj7"},
         "ratings": [{"source": {"name": "other"}, "severity": "high", "method": "other"}],
         "description": "Requests may leak .netrc credentials to third parties for crafted URLs.",
         "analysis": {"state": "not_affected", "justification": "code_not_reachable",
                      "detail": "the service never reads .netrc (NETRC unset, trust_env=False)"},
         "affects": [{"ref": ref}]},
    ]
    (sbom / "medium.cdx.json").write_text(json.dumps(medium, indent=1) + "\n")
    # agpl: ultralytics is AGPL-3.0 (its PyPI metadata); requirements mode records no licenses,
    # so they are added the way `cyclonedx-py environment` writes declared licenses.
    agpl = json.loads(json.dumps(base))
    for c in agpl["components"]:
        if c["name"] == "ultralytics":
            c["licenses"] = [{"license": {"id": "AGPL-3.0-only", "acknowledgement": "declared"}}]
        if c["name"] == "requests":
            c["licenses"] = [{"license": {"id": "Apache-2.0", "acknowledgement": "declared"}}]
    # PyMuPDF is dual-licensed, AGPL or Artifex's commercial license: an OR expression, which the
    # licensee may satisfy with the allowed branch, so it is not denied.
    agpl["components"].append({
        "type": "library", "bom-ref": "pkg:pypi/pymupdf@1.24.10", "name": "pymupdf", "version": "1.24.10",
        "purl": "pkg:pypi/pymupdf@1.24.10",
        "licenses": [{"expression": "AGPL-3.0-only OR LicenseRef-Artifex-Commercial", "acknowledgement": "declared"}],
    })
    (sbom / "agpl.cdx.json").write_text(json.dumps(agpl, indent=1) + "\n")
    (HERE / "purls.txt").write_text("".join(f"{c['name']} {c.get('purl', '')}\n" for c in base["components"]))


def digests(data: bytes) -> tuple:
    b3 = subprocess.run(["b3sum", "--no-names"], input=data, capture_output=True, check=True).stdout.split()[0].decode()
    return b3, hashlib.sha256(data).hexdigest(), len(data)


def entry(rel: str, override: bytes | None = None) -> dict:
    path = HERE.parent / rel
    if path.is_file():
        b3, sha, size = digests(override if override is not None else path.read_bytes())
        return {"path": rel, "kind": "file", "size": size, "blake3": b3, "sha256": sha,
                "files": [{"path": path.name, "size": size, "blake3": b3, "sha256": sha}]}
    files = sorted((p for p in path.rglob("*") if p.is_file()), key=lambda p: p.relative_to(path).parts)
    listed, raw_b3, raw_sha, total = [], b"", b"", 0
    for p in files:
        b3, sha, size = digests(p.read_bytes())
        listed.append({"path": p.relative_to(path).as_posix(), "size": size, "blake3": b3, "sha256": sha})
        raw_b3 += bytes.fromhex(b3)
        raw_sha += bytes.fromhex(sha)
        total += size
    return {"path": rel, "kind": "directory", "size": total, "blake3": digests(raw_b3)[0],
            "sha256": hashlib.sha256(raw_sha).hexdigest(), "files": listed}


def lock(originals: dict) -> None:
    artifacts = {
        "code app": entry("evidence/src/app.py"),
        "code medium": entry("evidence/src/medium_app.py"),
        "code insecure": entry("evidence/src/insecure_app.py"),
    }
    for name in ["catalog", "public-stats", "customers", "clicks", "people", "unattested"]:
        artifacts[f"dataset {name}"] = entry(f"evidence/data/{name}.csv")
    artifacts["dataset poisoned"] = entry("evidence/data/poisoned.csv", originals["poisoned"])
    for name in MODELS:
        artifacts[f"model {name}"] = entry(f"evidence/models/{name}")
    # the same files under another name (signatures.pal: a pinned but unsigned model)
    artifacts["model unsigned-model"] = entry("evidence/models/churn")
    # ranker-tampered is pinned as it is now: its signature, not its lock entry, catches it
    artifacts["model ranker-tampered"] = entry("evidence/models/ranker-tampered")
    text = json.dumps({"version": 1, "artifacts": dict(sorted(artifacts.items()))}, indent=2) + "\n"
    (HERE.parent / "palisade.lock").write_text(text)


def config() -> None:
    # stages with guardrails point at a real file: the rag-assistant example's rails
    (HERE / "config").mkdir(exist_ok=True)
    shutil.copy(ROOT / "examples" / "rag-assistant" / "config" / "guardrails.yaml", HERE / "config" / "guardrails.yaml")


def main() -> None:
    config()
    keys()
    code()
    originals = datasets()
    images()
    models()
    sboms()
    # every SBOM and ML-BOM written or copied here is valid against the official schema
    run(sys.executable, str(ROOT / "examples" / "tools" / "validate_cdx.py"),
        str(FIX / "cyclonedx" / "schema"), *sorted(str(p) for p in (HERE / "sbom").glob("*.json")))
    lock(originals)


if __name__ == "__main__":
    main()
