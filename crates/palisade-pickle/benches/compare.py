#!/usr/bin/env python3
"""Runs Palisade's pickle scanner, picklescan, modelscan, fickling and modelaudit on the
corpus (tests/fixtures/pickle-corpus) side by side: per tool, malicious files caught, benign
files wrongly flagged, and the time for the whole corpus. Prints a markdown summary and the
per-file verdicts; writes the raw results to compare-results.json in the current directory.

    cargo build --release -p palisade-pickle --example scan
    /work/venvs/pickle/bin/python crates/palisade-pickle/benches/compare.py [--venv DIR]

The other tools come from PyPI (`pip install picklescan modelscan fickling modelaudit`).
Each tool scans each file in its own process (its verdict for that file) and, where it can,
the whole corpus folder in one process (its time). A tool's exit status decides: "flagged"
(it reports the file unsafe), "clean", "error" (it failed, which a CI gate would also stop
on), or "skipped" (it says it scanned nothing). Palisade "flags" a file when it has
dangerous imports, unknown imports the corpus entry does not declare, or a fail-closed scan
error: what the baseline denies even on a model labelled `allow-pickle`.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
CORPUS = os.path.join(ROOT, "tests", "fixtures", "pickle-corpus")
PALISADE = os.path.join(ROOT, "target", "release", "examples", "scan")
ENV = dict(os.environ, PROMPTFOO_DISABLE_TELEMETRY="1", NO_ANALYTICS="1", NO_COLOR="1")


def run(args, timeout=600):
    start = time.perf_counter()
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=ENV)
        return p.returncode, p.stdout + p.stderr, time.perf_counter() - start
    except subprocess.TimeoutExpired:
        return -1, "timeout", time.perf_counter() - start


def palisade(path, allow):
    args = [PALISADE]
    for a in allow:
        args += ["--allow", a]
    rc, out, secs = run(args + [path])
    try:
        flagged = json.loads(out.splitlines()[0])["flagged"]
    except (ValueError, IndexError, KeyError):
        return "error", out[-300:], secs
    return ("flagged" if flagged else "clean"), out[-300:], secs


def by_status(mapping):
    def verdict(rc, out):
        return mapping.get(rc, "error")
    return verdict


TOOLS = {
    # picklescan: 1 = dangerous globals found, 0 = none, 2 = scan error.
    "picklescan": (lambda v, p: [f"{v}/picklescan", "-p", p], by_status({0: "clean", 1: "flagged"})),
    # modelscan: 0 = no issues, 1 = issues, 2 = error, 3 = no supported file.
    "modelscan": (lambda v, p: [f"{v}/modelscan", "-p", p],
                  by_status({0: "clean", 1: "flagged", 3: "skipped"})),
    # fickling --check-safety: 0 = likely safe, 1 = unsafe.
    "fickling": (lambda v, p: [f"{v}/fickling", "--check-safety", p],
                 by_status({0: "clean", 1: "flagged"})),
    # modelaudit: 0 = no issues, 1 = issues, 2 = errors.
    "modelaudit": (lambda v, p: [f"{v}/modelaudit", "scan", p], by_status({0: "clean", 1: "flagged"})),
}

# How each tool scans the whole folder in one process (fickling reads one file at a time).
FOLDER = {
    "palisade": lambda v, d: [PALISADE, d],
    "picklescan": lambda v, d: [f"{v}/picklescan", "-p", d],
    "modelscan": lambda v, d: [f"{v}/modelscan", "-p", d],
    "modelaudit": lambda v, d: [f"{v}/modelaudit", "scan", d],
}


def version(venv, tool):
    if tool == "palisade":
        return "palisade-pickle (this branch)"
    rc, out, _ = run([sys.executable, "-c",
                      f"import importlib.metadata as m; print(m.version('{tool}'))"])
    return f"{tool} {out.strip()}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--venv", default="/work/venvs/pickle/bin")
    parser.add_argument("--tools", default="palisade,picklescan,modelscan,fickling,modelaudit")
    opts = parser.parse_args()
    tools = opts.tools.split(",")
    corpus = json.load(open(os.path.join(CORPUS, "corpus.json")))["files"]
    results = {t: {} for t in tools}
    per_file_time = {t: 0.0 for t in tools}
    for entry in corpus:
        path = os.path.join(CORPUS, entry["path"])
        for tool in tools:
            if tool == "palisade":
                verdict, out, secs = palisade(path, entry["allow_imports"])
            else:
                command, verdict_of = TOOLS[tool]
                rc, out, secs = run(command(opts.venv, path))
                verdict = verdict_of(rc, out)
            per_file_time[tool] += secs
            results[tool][entry["path"]] = {"verdict": verdict, "seconds": round(secs, 3),
                                            "output": out[-400:]}
        print(entry["path"], {t: results[t][entry["path"]]["verdict"] for t in tools},
              file=sys.stderr)
    folder_time = {}
    for tool in tools:
        if tool in FOLDER:
            rc, out, secs = run(FOLDER[tool](opts.venv, CORPUS))
            folder_time[tool] = secs

    malicious = [e["path"] for e in corpus if e["malicious"]]
    benign = [e["path"] for e in corpus if not e["malicious"]]
    print(f"Corpus: {len(malicious)} malicious, {len(benign)} benign files "
          f"(tests/fixtures/pickle-corpus).\n")
    print("| tool | malicious flagged | malicious: error / skipped / passed clean | benign flagged "
          "| benign: error / skipped | whole corpus, one process | one process per file |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for tool in tools:
        v = results[tool]
        count = lambda files, what: sum(v[f]["verdict"] == what for f in files)  # noqa: E731
        folder = f"{folder_time[tool]:.2f} s" if tool in folder_time else "n/a (one file at a time)"
        print(f"| {version(opts.venv, tool)} | {count(malicious, 'flagged')} of {len(malicious)} "
              f"| {count(malicious, 'error')} / {count(malicious, 'skipped')} / "
              f"{count(malicious, 'clean')} | {count(benign, 'flagged')} of {len(benign)} "
              f"| {count(benign, 'error')} / {count(benign, 'skipped')} | {folder} "
              f"| {per_file_time[tool]:.1f} s |")
    print("\n| file | " + " | ".join(tools) + " |")
    print("| --- | " + " | ".join("---" for _ in tools) + " |")
    for entry in corpus:
        print(f"| `{entry['path']}` | " + " | ".join(results[t][entry['path']]["verdict"]
                                                  for t in tools) + " |")
    with open("compare-results.json", "w") as f:
        json.dump({"results": results, "folder_seconds": folder_time,
                   "per_file_seconds": per_file_time}, f, indent=1)


if __name__ == "__main__":
    main()
