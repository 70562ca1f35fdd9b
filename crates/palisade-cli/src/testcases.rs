//! `palisade test`: run every `.pal` test case under a folder and compare decisions with its
//! `// expect:` comments.

use std::path::{Path, PathBuf};

use palisade_core::Timestamp;
use palisade_gate::Gate;

use crate::LoadArgs;

/// The time of a case without an `// at:` line (and no `--at`): fixed, so cases are
/// reproducible (2027-01-15).
const DEFAULT_AT: Timestamp = Timestamp::from_unix(1_800_000_000);

fn find_cases(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> std::io::Result<()> {
    if depth > 16 {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let meta = std::fs::symlink_metadata(&path)?;
        if meta.is_dir() {
            let hidden = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.') || n == "target");
            if !hidden {
                find_cases(&path, out, depth + 1)?;
            }
        } else if meta.is_file() && path.extension().is_some_and(|e| e == "pal") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if text.contains("// expect:") {
                out.push(path);
            }
        }
    }
    Ok(())
}

pub fn run(dir: &Path, load: &LoadArgs) -> miette::Result<u8> {
    let mut cases = Vec::new();
    find_cases(dir, &mut cases, 0)
        .map_err(|e| miette::miette!("cannot read {}: {e}", dir.display()))?;
    if cases.is_empty() {
        return Err(miette::miette!(
            code = "palisade::usage",
            help = "a test case is a .pal file with `// expect: allow` or `// expect: deny <policy> <Type::\"name\">` lines",
            "no test cases under {}",
            dir.display()
        ));
    }
    let (mut passed, mut failed) = (0, 0);
    for case in &cases {
        let name = case.strip_prefix(dir).unwrap_or(case).display().to_string();
        let text = std::fs::read_to_string(case)
            .map_err(|e| miette::miette!("cannot read {name}: {e}"))?;
        let expected = palisade_policy::testcase::parse(&text)
            .map_err(|e| miette::Report::new(e).wrap_err(format!("in test case {name}")))?;
        let at = expected.at.or(load.at).unwrap_or(DEFAULT_AT);
        let mut options = load.options();
        options.at = at;
        // A case under `<owner>/tests/` that names no policies (and no --policies) tests the
        // policies of its owner folder.
        let owner = owner_policies(case);
        let by_default = options.policies.is_empty()
            && owner.is_some()
            && palisade_syntax::load(case, &palisade_syntax::LoadOptions::default())
                .is_ok_and(|p| p.policies.is_none());
        if let (true, Some(owner)) = (by_default, &owner) {
            options.policies = vec![palisade_gate::PolicyArg::Folder(owner.clone())];
        }
        let mut ran_with = None;
        let evaluated = Gate::load(case, &options)
            .map_err(miette::Report::new)
            .and_then(|gate| {
                ran_with = Some(policy_files(&gate.pack));
                let evaluation = gate.evaluate().map_err(miette::Report::new)?;
                Ok((gate, evaluation))
            });
        let mut problems = match &evaluated {
            Ok((_, evaluation)) => palisade_policy::testcase::compare(&expected, evaluation),
            Err(_) if expected.rejected => Vec::new(),
            // The whole diagnostic (every error with its place), not just its headline.
            Err(report) => {
                let mut problems =
                    vec![format!("could not evaluate:\n{}", indent(&render(report)))];
                if let Some(owner) = &owner
                    && format!("{report:?}").contains("palisade::syntax::path_escapes")
                {
                    problems.push(format!(
                        "hint: a case cannot name policies above its own folder; leave `policies` out of it and it runs with {}, the folder its tests/ folder is in",
                        palisade_core::text::escape_line(&owner.display().to_string())
                    ));
                }
                problems
            }
        };
        if let Ok((gate, _)) = &evaluated {
            let missing: Vec<&str> = expected
                .deny
                .iter()
                .chain(expected.waived.iter())
                .map(|(policy, _)| policy.as_str())
                .filter(|policy| gate.pack.policy(policy).is_none())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            if !missing.is_empty() && !problems.is_empty() {
                problems.push(format!(
                    "hint: no loaded policy has the id {}: the case ran with {}; load the policies it tests with `policies = [...]` in the case or `--policies DIR`",
                    missing.join(", "),
                    ran_with.as_deref().unwrap_or("no policies")
                ));
            }
        }
        if problems.is_empty() {
            passed += 1;
            match (&ran_with, by_default) {
                (Some(files), true) => println!("ok      {name}  (ran with: {files})"),
                _ => println!("ok      {name}"),
            }
        } else {
            failed += 1;
            println!("FAILED  {name}");
            if let Some(files) = &ran_with {
                println!("        ran with: {files}");
            }
            for p in problems {
                println!("        {p}");
            }
        }
    }
    println!("\n{passed} passed, {failed} failed");
    Ok(if failed == 0 { 0 } else { 1 })
}

/// The folder owning a case's `tests/` folder: the parent of the nearest ancestor folder
/// called `tests`, when that parent holds `.cedar` files itself.
fn owner_policies(case: &Path) -> Option<PathBuf> {
    let tests = case
        .ancestors()
        .skip(1)
        .find(|a| a.file_name().is_some_and(|n| n == "tests"))?;
    let owner = tests.parent()?;
    let owner = if owner.as_os_str().is_empty() {
        Path::new(".")
    } else {
        owner
    };
    let has_cedar = std::fs::read_dir(owner)
        .ok()?
        .filter_map(Result::ok)
        .any(|e| {
            e.path().extension().is_some_and(|x| x == "cedar")
                && e.file_type().is_ok_and(|t| t.is_file())
        });
    has_cedar.then(|| owner.to_path_buf())
}

/// The policy files of a pack, by name, with `@baseline/*` collapsed to `@baseline`.
fn policy_files(pack: &palisade_policy::PolicyPack) -> String {
    let mut names: Vec<String> = Vec::new();
    let baseline = pack
        .files
        .iter()
        .filter(|f| f.name.starts_with("@baseline/"))
        .count();
    if baseline > 0 {
        names.push(format!("@baseline ({baseline} files)"));
    }
    names.extend(
        pack.files
            .iter()
            .filter(|f| !f.name.starts_with("@baseline/"))
            .map(|f| palisade_core::text::escape_line(&f.name).into_owned()),
    );
    if names.is_empty() {
        return "no policy files".to_owned();
    }
    format!("{} ({} policies)", names.join(", "), pack.info.len())
}

/// A diagnostic as the terminal shows it (message, causes, related errors, places).
fn render(report: &miette::Report) -> String {
    format!("{report:?}")
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("          {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}
