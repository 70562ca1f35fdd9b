#!/bin/sh
# The end-to-end scale benchmark of issue 13 (see benches/scale.rs): builds palisade in
# release, installs regorus 0.14.1 (the Rust Rego engine, its example CLI) under target/regorus,
# then times palisade, regorus and python3's json.load side by side. Offline after the first run.
set -eu
cd "$(dirname "$0")/../.."
# The bench profile, whole workspace (`-p` would unify features differently and rebuild cedar).
cargo bench --workspace --no-run
# The palisade binary the bench times (the benches above do not build it); the bench profile,
# so dependencies are shared with the build above.
cargo build --profile bench --workspace --bins
if [ ! -x target/regorus/bin/regorus ]; then
    cargo install regorus --version 0.14.1 --example regorus --locked --root target/regorus
fi
exec cargo bench --workspace --bench scale "$@"
