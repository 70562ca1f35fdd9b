"""Write sbom/rag-serve.cdx.json: the serving image's SBOM with its vulnerability findings.

The components are cyclonedx-py's (sbom/app.cdx.json, from src/requirements.txt); the image
adds its own identity and two advisories a scanner reports for those pins:
- CVE-2024-53981 (GHSA-59g5-xgcq-4qw3), python-multipart < 0.0.18: denial of service through
  a malformed multipart boundary, CVSS 3.1 7.5, high. Waived in pipeline.pal until SUP-311.
- CVE-2025-54121 (GHSA-2c2j-9gv5-cj73), starlette < 0.47.2: event loop blocked while rolling
  large multipart uploads to disk, moderate. VEX `not_affected`: no route accepts file uploads.

    python tools/make_serving_sbom.py sbom/app.cdx.json IMAGE_DIGEST OUT
"""

import json
import sys
from pathlib import Path


def ref_of(bom: dict, name: str) -> str:
    return next(c["bom-ref"] for c in bom["components"] if c["name"] == name)


def main() -> None:
    bom = json.loads(Path(sys.argv[1]).read_text())
    digest = sys.argv[2]
    bom["metadata"]["component"] = {
        "type": "container",
        "bom-ref": "rag-serve",
        "name": "registry.acme.example/support/rag-serve",
        "version": digest,
        "hashes": [{"alg": "SHA-256", "content": digest.removeprefix("sha256:")}],
    }
    bom["dependencies"] = [{"ref": "rag-serve",
                            "dependsOn": sorted(c["bom-ref"] for c in bom["components"])}] + [
        {"ref": c["bom-ref"], "dependsOn": []} for c in bom["components"]]
    bom["vulnerabilities"] = [
        {
            "bom-ref": "vuln-CVE-2024-53981",
            "id": "CVE-2024-53981",
            "source": {"name": "GitHub Advisories",
                       "url": "https://github.com/advisories/GHSA-59g5-xgcq-4qw3"},
            "ratings": [{"source": {"name": "ghsa"}, "score": 7.5, "severity": "high",
                         "method": "CVSSv31",
                         "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
            "cwes": [770],
            "description": "python-multipart logs every byte before or after a multipart "
                           "boundary, so a crafted body stalls the event loop (denial of service).",
            "recommendation": "Upgrade python-multipart to 0.0.18",
            "affects": [{"ref": ref_of(bom, "python-multipart"),
                         "versions": [{"version": "0.0.17", "status": "affected"}]}],
        },
        {
            "bom-ref": "vuln-CVE-2025-54121",
            "id": "CVE-2025-54121",
            "source": {"name": "GitHub Advisories",
                       "url": "https://github.com/advisories/GHSA-2c2j-9gv5-cj73"},
            "ratings": [{"source": {"name": "ghsa"}, "score": 5.3, "severity": "medium",
                         "method": "CVSSv31",
                         "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"}],
            "description": "Starlette blocks the event loop while rolling a large multipart "
                           "upload over to disk.",
            "recommendation": "Upgrade starlette to 0.47.2",
            "analysis": {
                "state": "not_affected",
                "justification": "code_not_reachable",
                "detail": "The service has no route with UploadFile or Form parameters, so "
                          "Starlette never parses multipart bodies.",
            },
            "affects": [{"ref": ref_of(bom, "starlette"),
                         "versions": [{"version": "0.41.3", "status": "affected"}]}],
        },
    ]
    Path(sys.argv[3]).write_text(json.dumps(bom, indent=2) + "\n")


if __name__ == "__main__":
    main()
