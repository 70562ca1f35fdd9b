"""Write sbom/serving.cdx.json from real trivy 0.76 output plus one known-vulnerable package.

The base is trivy's CycloneDX 1.7 SBOM of a numpy + scikit-learn requirements project
(tests/fixtures/cyclonedx/pyproj.trivy.cdx.json). The serving image also vendors an old
urllib3 1.22, and we add it the way `trivy image --format cyclonedx --scanners vuln` reports it:
a component, its place in the dependency graph, and CVE-2018-20060 (Authorization header kept
on cross-host redirects; NVD CVSS 3.0 9.8, critical; fixed in 1.23). That is what the
pipeline's `legacy-urllib3` waiver covers.

    python tools/make_serving_sbom.py ../../tests/fixtures/cyclonedx/pyproj.trivy.cdx.json OUT
"""

import json
import sys
from pathlib import Path

PURL = "pkg:pypi/urllib3@1.22"


def main() -> None:
    bom = json.loads(Path(sys.argv[1]).read_text())
    bom["components"].append({
        "bom-ref": PURL,
        "type": "library",
        "name": "urllib3",
        "version": "1.22",
        "purl": PURL,
        "properties": [
            {"name": "aquasecurity:trivy:FilePath",
             "value": "usr/local/lib/python3.11/site-packages/urllib3-1.22.dist-info/METADATA"},
            {"name": "aquasecurity:trivy:PkgID", "value": "urllib3@1.22"},
            {"name": "aquasecurity:trivy:PkgType", "value": "python-pkg"},
        ],
    })
    for dependency in bom["dependencies"]:
        # The requirements.txt node is the one that lists the direct dependencies.
        if "pkg:pypi/numpy@2.4.6" in dependency.get("dependsOn", []):
            dependency["dependsOn"] = sorted(dependency["dependsOn"] + [PURL])
    bom["dependencies"].append({"ref": PURL, "dependsOn": []})
    bom["vulnerabilities"] = [{
        "id": "CVE-2018-20060",
        "source": {"name": "ghsa",
                   "url": "https://github.com/advisories?query=type%3Areviewed+ecosystem%3Apip"},
        "ratings": [
            {"source": {"name": "ghsa"}, "score": 9.8, "severity": "critical",
             "method": "CVSSv3", "vector": "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
            {"source": {"name": "nvd"}, "score": 9.8, "severity": "critical",
             "method": "CVSSv3", "vector": "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
        ],
        "cwes": [200],
        "description": "urllib3 before 1.23 does not remove the Authorization HTTP header when "
                       "following a cross-origin redirect, which may leak credentials.",
        "recommendation": "Upgrade urllib3 to version 1.23",
        "advisories": [
            {"url": "https://github.com/advisories/GHSA-www2-v7xj-xrc6"},
            {"url": "https://nvd.nist.gov/vuln/detail/CVE-2018-20060"},
        ],
        "published": "2018-12-11T17:29:00+00:00",
        "updated": "2024-11-21T04:00:00+00:00",
        "affects": [{"ref": PURL, "versions": [{"version": "1.22", "status": "affected"}]}],
    }]
    Path(sys.argv[2]).write_text(json.dumps(bom, indent=1) + "\n")


if __name__ == "__main__":
    main()
