#!/usr/bin/env python3
"""Palisade's own SBOM: CycloneDX 1.6 JSON of the workspace and every crate it depends on.

    python3 sbom/generate.py [--output sbom/palisade.cdx.json] [--filter-platform TRIPLE]
    python3 sbom/generate.py --check     # exit 1 if the committed file is out of date

Offline and with the Python standard library only: the dependency graph comes from
`cargo metadata --format-version 1 --locked` (which fails rather than touch Cargo.lock), the
crates' sha256 checksums from Cargo.lock. The output is deterministic (sorted, no timestamp,
serial number derived from the content), so regenerating an unchanged workspace gives the
same bytes and a dependency change shows up as a small diff.

What is in it:
- `metadata.component`: the shipped binary, `palisade-cli`;
- one component per package (workspace crates and crates.io crates), purl `pkg:cargo/NAME@VERSION`,
  licenses (a single SPDX id as `license.id`, anything else as an SPDX `expression`), the
  crates.io `.crate` sha256, description and repository/homepage links;
- `scope`: `required` for what `palisade-cli` needs to build and run (normal and build
  dependencies, transitively), `excluded` for the rest (dev-dependencies, the benchmark crate);
- `dependencies`: every package's direct dependencies (all kinds), by bom-ref.

Without `--filter-platform` the graph covers every target platform (as Cargo.lock does), so
Windows-only crates appear too; pass a target triple to keep only one platform's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = "palisade-cli"
# The official SPDX license list as the CycloneDX schema carries it: an id outside it must be
# written as an expression, or the document is not schema-valid.
SPDX_SCHEMA = ROOT / "tests" / "fixtures" / "cyclonedx" / "schema" / "spdx.schema.json"
CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index"


def cargo_metadata(filter_platform: str | None) -> dict:
    command = ["cargo", "metadata", "--format-version", "1", "--locked"]
    if filter_platform:
        command += ["--filter-platform", filter_platform]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"generate.py: `{' '.join(command)}` failed:\n{result.stderr}")
    return json.loads(result.stdout)


def lock_checksums() -> dict[tuple[str, str], str]:
    """(name, version) -> sha256 of the .crate file, for registry packages."""
    with open(ROOT / "Cargo.lock", "rb") as f:
        lock = tomllib.load(f)
    return {
        (p["name"], p["version"]): p["checksum"]
        for p in lock.get("package", [])
        if "checksum" in p
    }


def spdx_ids() -> set[str]:
    try:
        return set(json.loads(SPDX_SCHEMA.read_text())["enum"])
    except (OSError, KeyError, ValueError):
        return set()


def licenses(package: dict, known: set[str]) -> list[dict]:
    text = package.get("license")
    if text:
        # Old Cargo manifests write "MIT/Apache-2.0" for "MIT OR Apache-2.0".
        expression = " OR ".join(part.strip() for part in text.split("/"))
        if expression in known:
            return [{"license": {"id": expression}}]
        return [{"expression": expression}]
    if package.get("license_file"):
        return [{"license": {"name": f"see {Path(package['license_file']).name} in the crate"}}]
    return []


def purl(package: dict) -> str:
    return f"pkg:cargo/{package['name']}@{package['version']}"


def reachable(start: str, nodes: dict[str, dict], kinds: set[str | None]) -> set[str]:
    """Package ids reachable from `start` through dependency edges of the given kinds."""
    seen = {start}
    todo = [start]
    while todo:
        for dep in nodes[todo.pop()]["deps"]:
            if any(k["kind"] in kinds for k in dep["dep_kinds"]) and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                todo.append(dep["pkg"])
    return seen


def build(meta: dict) -> dict:
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    members = set(meta["workspace_members"])
    shipped = next(
        (i for i in members if packages[i]["name"] == SHIPPED), None
    )
    if shipped is None:
        sys.exit(f"generate.py: no workspace member named {SHIPPED}")
    required = reachable(shipped, nodes, {None, "build"})
    checksums = lock_checksums()
    known = spdx_ids()

    refs: dict[str, str] = {}
    for pid, package in packages.items():
        ref = purl(package)
        if ref in refs.values():
            # The same name@version from two sources: keep refs unique.
            ref += "#" + hashlib.sha256(pid.encode()).hexdigest()[:12]
        refs[pid] = ref

    components = []
    for pid, package in packages.items():
        if pid == shipped:
            continue
        components.append(component(package, refs[pid], pid in members, pid in required,
                                    checksums, known))
    components.sort(key=lambda c: (c["name"], c["version"], c["bom-ref"]))

    dependencies = [
        {
            "ref": refs[pid],
            "dependsOn": sorted({refs[d["pkg"]] for d in nodes[pid]["deps"]}),
        }
        for pid in nodes
    ]
    dependencies.sort(key=lambda d: d["ref"])

    root = packages[shipped]
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": "",
        "version": 1,
        "metadata": {
            "tools": {
                "components": [
                    {
                        "type": "application",
                        "name": "sbom/generate.py",
                        "description": "palisade's SBOM generator (cargo metadata + Cargo.lock, Python stdlib)",
                    }
                ]
            },
            "component": {
                "type": "application",
                "bom-ref": refs[shipped],
                "name": root["name"],
                "version": root["version"],
                "description": root.get("description")
                or "Policy-as-code release gate for software and ML supply chains",
                "licenses": licenses(root, known),
                "purl": purl(root),
            },
        },
        "components": components,
        "dependencies": dependencies,
    }
    # A stable serial number: the same dependency set always gives the same document.
    digest = hashlib.sha256(json.dumps(bom, sort_keys=True).encode()).hexdigest()
    bom["serialNumber"] = "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "palisade-sbom:" + digest))
    return bom


def component(package: dict, ref: str, member: bool, required: bool,
              checksums: dict, known: set[str]) -> dict:
    out: dict = {
        "type": "application" if member and package["name"] == SHIPPED else "library",
        "bom-ref": ref,
        "name": package["name"],
        "version": package["version"],
    }
    if package.get("description"):
        out["description"] = " ".join(package["description"].split())
    out["scope"] = "required" if required else "excluded"
    found = licenses(package, known)
    if found:
        out["licenses"] = found
    checksum = checksums.get((package["name"], package["version"]))
    if checksum and package.get("source") == CRATES_IO:
        out["hashes"] = [{"alg": "SHA-256", "content": checksum}]
    out["purl"] = purl(package)
    links = []
    for key, kind in (("repository", "vcs"), ("homepage", "website"), ("documentation", "documentation")):
        url = package.get(key)
        if url and url.startswith(("http://", "https://")) and ".invalid" not in url:
            links.append({"type": kind, "url": url})
    if links:
        out["externalReferences"] = links
    out["properties"] = [
        {"name": "palisade:cargo:source", "value": "workspace" if member else (
            "crates.io" if package.get("source") == CRATES_IO else str(package.get("source")))},
    ]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "sbom" / "palisade.cdx.json"))
    parser.add_argument("--filter-platform", metavar="TRIPLE")
    parser.add_argument("--check", action="store_true",
                        help="compare with the existing file instead of writing it")
    args = parser.parse_args()
    text = json.dumps(build(cargo_metadata(args.filter_platform)), indent=2, ensure_ascii=False) + "\n"
    output = Path(args.output)
    if args.check:
        current = output.read_text() if output.exists() else ""
        if current != text:
            print(f"{output} is out of date: run python3 sbom/generate.py", file=sys.stderr)
            return 1
        print(f"{output} is up to date")
        return 0
    output.write_text(text)
    bom = json.loads(text)
    required = sum(1 for c in bom["components"] if c.get("scope") == "required")
    print(f"wrote {output}: {len(bom['components'])} components ({required} required), "
          f"{len(bom['dependencies'])} dependency entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
