"""Validate CycloneDX JSON files against the official schemas in tests/fixtures/cyclonedx/schema.

    python tools/validate_cdx.py SCHEMA_DIR FILE...

The bom schema's spdx and jsf $refs resolve to the local copies (no network); the schema
version is taken from each file's specVersion. Format checks (e.g. date-time) are enforced.
"""

import json
import sys
from pathlib import Path

import jsonschema
from referencing import Registry, Resource


def main() -> int:
    schema_dir = Path(sys.argv[1])
    registry = Registry()
    for name in ["spdx.schema.json", "jsf-0.82.schema.json"]:
        resource = Resource.from_contents(json.loads((schema_dir / name).read_text()))
        registry = registry.with_resource(f"http://cyclonedx.org/schema/{name}", resource)
    failed = 0
    for path in sys.argv[2:]:
        bom = json.loads(Path(path).read_text())
        schema = json.loads((schema_dir / f"bom-{bom['specVersion']}.schema.json").read_text())
        validator = jsonschema.Draft7Validator(
            schema, registry=registry, format_checker=jsonschema.FormatChecker()
        )
        errors = sorted(validator.iter_errors(bom), key=lambda e: list(e.absolute_path))
        for error in errors:
            print(f"{path}: /{'/'.join(map(str, error.absolute_path))}: {error.message}")
        failed += bool(errors)
        print(f"{path}: CycloneDX {bom['specVersion']} {'INVALID' if errors else 'valid'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
