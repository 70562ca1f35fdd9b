# Developer shortcuts. Every recipe is a plain command you can also type yourself:
# nothing in the README depends on `just` being installed.

# List the recipes.
default:
    @just --list

# The whole test suite (the README's test command).
test:
    cargo test --workspace

# The documented policy cookbook's test case.
cookbook:
    cargo run -q -p palisade-cli -- test docs/cookbook

# Formatting check and clippy with warnings as errors, as CI runs them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Format the code.
fmt:
    cargo fmt --all

# Benchmarks (SPEC §8): evaluation phases on synthetic pipelines, then hashing against b3sum.
bench:
    cargo bench -p palisade-bench --bench phases
    cargo bench -p palisade-hash --bench hash

# Bundles palisade signs, verified by independent tools (@sigstore/verify, securesystemslib).
interop:
    bash tests/interop/run.sh

# The README's main command on the bundled example (it exits 1, DENY; the `-` accepts that).
example:
    -cargo run -q -p palisade-cli -- evaluate examples/fraud-detection/pipeline.pal

# Regenerate palisade's own SBOM (sbom/palisade.cdx.json) from cargo metadata and Cargo.lock.
sbom:
    python3 sbom/generate.py

# Palisade judging its own dependencies (sbom/pipeline.pal over sbom/palisade.cdx.json).
self-check:
    cargo run -q -p palisade-cli -- evaluate sbom/pipeline.pal

# Fail if sbom/palisade.cdx.json no longer matches Cargo.lock.
sbom-check:
    python3 sbom/generate.py --check

# Everything CI runs.
ci:
    bash .ci/run
