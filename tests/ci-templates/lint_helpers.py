"""Checks behind tests/ci-templates/lint.sh that the linters cannot do alone.

Each subcommand prints what it found and exits 1 on a problem:

  scripts FILE KIND OUTDIR   write every shell script of a GitHub action/workflow (KIND
                             github) or GitLab CI file (KIND gitlab) to OUTDIR for shellcheck,
                             refusing `${{ }}` expressions inside GitHub `run:` scripts
                             (script injection: inputs go through `env:`)
  contract ACTION WORKFLOW   what actionlint checks for a local action when it can read its
                             metadata: every input the workflow passes to `uses: ./` exists,
                             every required one is passed, every output it reads exists; and
                             inside the action, every `inputs.X` and `steps.ID` it names exists
  merge-gitlab EXAMPLE TEMPLATE OUT
                             the example pipeline with the template merged in as GitLab's
                             `include` does (the included file first, the including file's keys
                             deep-merged over it), so the schema sees a whole pipeline
  codequality CQ JSON ROOT   palisade's Code Quality report against its JSON report: one issue
                             per violation, fingerprints unique and equal to sha256 of
                             [policy, principal, action, resource], every location a line of a
                             file under ROOT
"""

import hashlib
import json
import pathlib
import re
import sys

import yaml

EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.S)


def fail(problems):
    for p in problems:
        print(f"  {p}")
    return 1 if problems else 0


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def scripts(path, kind, outdir):
    doc = load(path)
    out = pathlib.Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    stem = pathlib.Path(path).name.replace(".", "_")
    problems, written = [], []
    if kind == "github":
        steps = []
        if "runs" in doc:
            steps = [("action", s) for s in doc["runs"].get("steps", [])]
        for job_id, job in (doc.get("jobs") or {}).items():
            steps += [(job_id, s) for s in job.get("steps", [])]
        for n, (where, step) in enumerate(steps):
            if "run" not in step:
                continue
            name = step.get("name") or step.get("id") or f"step {n}"
            shell = step.get("shell", "bash")
            if shell != "bash":
                problems.append(f"{path}: {where}/{name}: shell {shell!r}, only bash is linted")
                continue
            if EXPRESSION.search(step["run"]):
                problems.append(
                    f"{path}: {where}/{name}: a ${{{{ }}}} expression inside run: "
                    "(pass it through env: instead)"
                )
            # GitHub runs `bash --noprofile --norc -eo pipefail {0}` (`bash -e {0}` when the
            # workflow does not name a shell).
            flags = "set -eo pipefail" if "shell" in step else "set -e"
            target = out / f"{stem}.{n:02d}.bash"
            target.write_text(f"#!/usr/bin/env bash\n{flags}\n{step['run']}", encoding="utf-8")
            written.append(target)
    else:
        for job_id, job in doc.items():
            if not isinstance(job, dict) or "script" not in job:
                continue
            for part in ("before_script", "script", "after_script"):
                lines = job.get(part)
                if not lines:
                    continue
                if isinstance(lines, str):
                    lines = [lines]
                target = out / f"{stem}.{job_id.strip('.')}.{part}.sh"
                # The runner executes the lines one after another in one shell.
                target.write_text("#!/bin/sh\n" + "\n".join(lines) + "\n", encoding="utf-8")
                written.append(target)
    for w in written:
        print(w)
    if not written:
        problems.append(f"{path}: no script found")
    return fail(problems)


def contract(action_path, workflow_path):
    action, workflow = load(action_path), load(workflow_path)
    inputs = action.get("inputs") or {}
    outputs = action.get("outputs") or {}
    steps = action["runs"]["steps"]
    step_ids = {s["id"] for s in steps if "id" in s}
    problems = []
    text = pathlib.Path(action_path).read_text(encoding="utf-8")
    for expr in EXPRESSION.findall(text):
        for name in re.findall(r"\binputs\.([A-Za-z0-9_-]+)", expr):
            if name not in inputs:
                problems.append(f"{action_path}: {expr} names an input that is not declared")
        for step in re.findall(r"\bsteps\.([A-Za-z0-9_-]+)", expr):
            if step not in step_ids:
                problems.append(f"{action_path}: {expr} names a step id that does not exist")
    for name, spec in outputs.items():
        if "value" not in spec:
            problems.append(f"{action_path}: output {name} has no value (composite actions need one)")
    used = 0
    for job_id, job in (workflow.get("jobs") or {}).items():
        local = {}
        for step in job.get("steps", []):
            if step.get("uses") != "./":
                continue
            used += 1
            given = step.get("with") or {}
            for key in given:
                if key not in inputs:
                    problems.append(f"{workflow_path}: {job_id}: input {key!r} is not an input of the action")
            for key, spec in inputs.items():
                if spec.get("required") and "default" not in spec and key not in given:
                    problems.append(f"{workflow_path}: {job_id}: required input {key!r} missing")
            if "id" in step:
                local[step["id"]] = step
        job_text = yaml.safe_dump(job)
        for step_id, name in re.findall(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", job_text):
            if step_id in local and name not in outputs:
                problems.append(f"{workflow_path}: {job_id}: steps.{step_id}.outputs.{name} is not an output of the action")
    if not used:
        problems.append(f"{workflow_path}: no step uses the action (uses: ./)")
    print(f"  {len(inputs)} inputs, {len(outputs)} outputs, {len(step_ids)} step ids; {used} use(s) in the workflow")
    return fail(problems)


def deep_merge(base, over):
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return over


def merge_gitlab(example_path, template_path, out_path):
    example, template = load(example_path), load(template_path)
    includes = example.pop("include", [])
    if isinstance(includes, (str, dict)):
        includes = [includes]
    name = pathlib.Path(template_path).as_posix()
    merged, found = {}, 0
    for inc in includes:
        target = inc if isinstance(inc, str) else inc.get("file") or inc.get("local") or inc.get("remote", "")
        if isinstance(target, list):
            target = target[0] if target else ""
        if str(target).endswith(name):
            merged = deep_merge(merged, template)
            found += 1
        else:
            print(f"  not merged (not the template): {inc}")
    if not found:
        print(f"  {example_path}: does not include {name}")
        return 1
    merged = deep_merge(merged, example)
    with open(out_path, "w", encoding="utf-8") as f:
        yaml.safe_dump(merged, f, sort_keys=False)
    print(f"  {out_path}: {len(merged)} top-level keys")
    return 0


def codequality(cq_path, json_path, root):
    issues = json.loads(pathlib.Path(cq_path).read_text(encoding="utf-8"))
    report = json.loads(pathlib.Path(json_path).read_text(encoding="utf-8"))
    problems = []
    violations = report["violations"]
    if len(issues) != len(violations):
        problems.append(f"{len(issues)} issues for {len(violations)} violations")
    fingerprints = [i["fingerprint"] for i in issues]
    if len(set(fingerprints)) != len(fingerprints):
        problems.append("fingerprints are not unique")
    for issue, v in zip(issues, violations):
        key = json.dumps([v["policy"], v["principal"], v["action"], v["resource"]],
                         separators=(",", ":"), ensure_ascii=False)
        expected = hashlib.sha256(key.encode("utf-8")).hexdigest()
        if issue["fingerprint"] != expected:
            problems.append(f"{v['policy']}: fingerprint {issue['fingerprint']} is not sha256({key})")
        if issue["check_name"] != v["policy"]:
            problems.append(f"check_name {issue['check_name']} for policy {v['policy']}")
        path = pathlib.Path(root) / issue["location"]["path"]
        line = issue["location"]["lines"]["begin"]
        if not path.is_file():
            problems.append(f"{issue['location']['path']}: not a file of the project")
        elif line > len(path.read_text(encoding="utf-8").splitlines()):
            problems.append(f"{issue['location']['path']}:{line}: past the end of the file")
    waived = {(w["policy"], w["principal"], w["action"], w["resource"]) for w in report["waived"]}
    print(f"  {len(issues)} issues = {len(violations)} violations ({len(waived)} waived left out), "
          f"{len(set(fingerprints))} distinct fingerprints")
    return fail(problems)


def main(argv):
    commands = {"scripts": scripts, "contract": contract, "merge-gitlab": merge_gitlab,
                "codequality": codequality}
    if len(argv) < 2 or argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[argv[1]](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
