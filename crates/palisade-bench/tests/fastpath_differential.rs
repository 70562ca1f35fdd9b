//! Differential test of the evaluation fast path (issue 13): random policies over the schema's
//! package, artifact and context attributes, on synthetic pipelines with random packages; every
//! request is decided by the fast path (where it applies) and by Cedar alone, and any
//! difference in a decision, its determining policies or a violation fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::sync::Arc;

use palisade_bench::{Shape, XorShift, synthetic_graph};
use palisade_core::Timestamp;
use palisade_policy::schema::{self, Ty};
use palisade_policy::{Engine, PolicyFile, PolicyPack, evaluate_with};

const AT: Timestamp = Timestamp::from_unix(1_800_000_000);

const STRINGS: &[&str] = &[
    "MIT",
    "Apache-2.0",
    "GPL-3.0-only",
    "AGPL-3.0-only",
    "critical",
    "high",
    "none",
    "library",
    "public",
    "internal",
    "production",
    "verified",
    "absent",
    "",
    "pkg:npm/lib-1@1.0.0",
];
const PATTERNS: &[&str] = &[
    "pkg:npm/*",
    "*lib-1*",
    "pkg:*@1.*",
    "*",
    "",
    "lib-?",
    "*-3*",
    "pkg:pypi/lib-*@2.*",
];
const LONGS: &[i64] = &[-1, 0, 1, 2, 5];
const COUNTS: &[&str] = &["critical", "high", "medium", "low", "total"];

fn pick<'a, T>(rng: &mut XorShift, items: &'a [T]) -> &'a T {
    &items[rng.below(items.len())]
}

/// One random boolean test of `var`'s attribute `name` of type `ty`; sometimes outside the
/// fast path's subset on purpose.
fn atom(rng: &mut XorShift, var: &str, name: &str, ty: Ty) -> Option<String> {
    let x = format!("{var}.{name}");
    Some(match ty {
        Ty::String => match rng.below(5) {
            0 => format!("{x} == \"{}\"", pick(rng, STRINGS)),
            1 => format!("{x} != \"{}\"", pick(rng, STRINGS)),
            2 | 3 => format!("{x} like \"{}\"", pick(rng, PATTERNS)),
            _ => format!(
                "[\"{}\", \"{}\"].contains({x})",
                pick(rng, STRINGS),
                pick(rng, STRINGS)
            ),
        },
        Ty::Long => {
            let op = pick(rng, &["<", "<=", ">", ">=", "==", "!="]);
            format!("{x} {op} {}", pick(rng, LONGS))
        }
        Ty::Bool => match rng.below(3) {
            0 => x,
            1 => format!("!{x}"),
            _ => format!("{x} == {}", rng.below(2) == 0),
        },
        Ty::StringSet => match rng.below(6) {
            0..=3 => format!("{x}.contains(\"{}\")", pick(rng, STRINGS)),
            4 => format!("{x}.containsAny([\"{}\"])", pick(rng, STRINGS)),
            _ => format!("{x}.isEmpty()"),
        },
        Ty::Counts => {
            let op = pick(rng, &["<", ">", ">=", "=="]);
            format!("{x}.{} {op} {}", pick(rng, COUNTS), pick(rng, LONGS))
        }
        Ty::Record(_) => return None,
    })
}

fn random_atom(rng: &mut XorShift, principal_model: bool) -> String {
    loop {
        let found = match rng.below(6) {
            0..=2 => {
                let row = pick(rng, schema::PACKAGE_ATTRS);
                atom(rng, "resource", row.name, row.ty)
            }
            3 | 4 => {
                let rows: Vec<_> = if principal_model {
                    schema::artifact_attrs(palisade_syntax::ArtifactKind::Model).collect()
                } else {
                    schema::ARTIFACT_ATTRS.iter().collect()
                };
                let row = *pick(rng, &rows);
                atom(rng, "principal", row.name, row.ty)
            }
            _ => {
                let row = pick(rng, schema::CONTEXT_ATTRS);
                atom(rng, "context", row.name, row.ty)
            }
        };
        if let Some(found) = found {
            return found;
        }
    }
}

fn random_expr(rng: &mut XorShift, depth: usize, principal_model: bool) -> String {
    if depth == 0 || rng.below(3) == 0 {
        return random_atom(rng, principal_model);
    }
    let l = random_expr(rng, depth - 1, principal_model);
    match rng.below(5) {
        0 => format!("!({l})"),
        1 | 2 => format!(
            "({l}) && ({})",
            random_expr(rng, depth - 1, principal_model)
        ),
        3 => format!(
            "({l}) || ({})",
            random_expr(rng, depth - 1, principal_model)
        ),
        _ => format!(
            "if ({l}) then ({}) else ({})",
            random_expr(rng, depth - 1, principal_model),
            random_expr(rng, depth - 1, principal_model)
        ),
    }
}

fn random_policy(rng: &mut XorShift, id: &str) -> String {
    let effect = if rng.below(3) == 0 {
        "permit"
    } else {
        "forbid"
    };
    let (principal, model) = match rng.below(6) {
        0 => ("principal is Model", true),
        1 => ("principal is Code", false),
        2 => ("principal in Pipeline::\"synthetic\"", false),
        _ => ("principal", false),
    };
    let mut text = format!(
        "@id(\"{id}\")\n{effect} ({principal}, action == Action::\"include\", resource is Package)"
    );
    for _ in 0..rng.below(3) {
        let kind = if rng.below(4) == 0 { "unless" } else { "when" };
        text.push_str(&format!("\n{kind} {{ {} }}", random_expr(rng, 3, model)));
    }
    text.push_str(";\n");
    text
}

/// A random pack of one to five `policy` policies (half the time with a permit-all), decided
/// on `graph` by the fast path and by Cedar alone: any difference fails the test. `None` when
/// Cedar refuses the pack; else how many of its policies are in the fast path's subset.
fn decide_random_pack(
    rng: &mut XorShift,
    graph: &palisade_graph::LineageGraph,
    policy: fn(&mut XorShift, &str) -> String,
) -> Option<usize> {
    let count = 1 + rng.below(5);
    let mut text = String::new();
    if rng.below(2) == 0 {
        text.push_str("@id(\"permit-all\")\npermit (principal, action, resource);\n");
    }
    for i in 0..count {
        text.push_str(&policy(rng, &format!("p{i}")));
    }
    let pack = PolicyPack::load(vec![PolicyFile {
        name: "random.cedar".to_owned(),
        text: Arc::new(text.clone()),
    }])
    .ok()?;
    let compiled = pack
        .set
        .policies()
        .filter(|p| palisade_policy::fast_path_compiles(p))
        .count();
    let fast = evaluate_with(graph, &pack, AT, Engine::Fast).unwrap();
    let cedar = evaluate_with(graph, &pack, AT, Engine::CedarOnly).unwrap();
    assert_eq!(fast.summary, cedar.summary, "{text}");
    assert_eq!(fast.outcomes, cedar.outcomes, "{text}");
    assert_eq!(fast.violations, cedar.violations, "{text}");
    assert_eq!(fast.waived, cedar.waived, "{text}");
    assert_eq!(fast.decision, cedar.decision, "{text}");
    Some(compiled)
}

#[test]
fn fast_path_decides_as_cedar_does() {
    let mut rng = XorShift::new(0x5eed_f00d);
    let mut compiled = 0;
    let mut trials = 0;
    for (seed, packages) in [(0.2, 150), (0.6, 300), (0.9, 200)] {
        let (graph, _) = synthetic_graph(&Shape::small(), packages, 2, seed).unwrap();
        let mut loaded = 0;
        let mut attempts = 0;
        while loaded < 25 && attempts < 400 {
            attempts += 1;
            let Some(in_fast_path) = decide_random_pack(&mut rng, &graph, random_policy) else {
                continue;
            };
            loaded += 1;
            trials += 1;
            compiled += in_fast_path;
        }
    }
    assert!(trials >= 60, "only {trials} random packs loaded");
    assert!(
        compiled >= 60,
        "only {compiled} policies were in the fast path's subset"
    );
}

fn scale_pack() -> PolicyPack {
    PolicyPack::load(vec![PolicyFile {
        name: "scale.cedar".to_owned(),
        text: Arc::new(palisade_bench::scale::scale_policies()),
    }])
    .unwrap()
}

/// The scale bench's own pack: every package rule is in the subset, and the decisions on
/// thousands of packages are Cedar's.
#[test]
fn the_scale_pack_decides_as_cedar_does() {
    let pack = scale_pack();
    assert!(
        pack.set
            .policies()
            .filter(|p| p.id().to_string().starts_with("pkg-"))
            .all(palisade_policy::fast_path_compiles)
    );
    let (graph, _) = synthetic_graph(&Shape::small(), 3_000, 2, 0.3).unwrap();
    let fast = evaluate_with(&graph, &pack, AT, Engine::Fast).unwrap();
    let cedar = evaluate_with(&graph, &pack, AT, Engine::CedarOnly).unwrap();
    assert_eq!(fast.outcomes, cedar.outcomes);
    assert_eq!(fast.violations, cedar.violations);
    assert!(fast.summary.denied > 0);
}

/// `cargo test --workspace --no-run`, then this binary with `--ignored --nocapture`: the
/// evaluation phase alone, both engines alternating, on 50,000 packages.
#[test]
#[ignore = "timing"]
fn fast_and_cedar_timing() {
    let pack = scale_pack();
    let (graph, _) = synthetic_graph(&Shape::small(), 50_000, 2, 0.3).unwrap();
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..3 {
        for (i, engine) in [Engine::Fast, Engine::CedarOnly].into_iter().enumerate() {
            let start = std::time::Instant::now();
            let verdict = evaluate_with(&graph, &pack, AT, engine).unwrap();
            times[i].push(start.elapsed().as_secs_f64());
            assert!(verdict.summary.requests >= 50_000);
        }
    }
    for t in &mut times {
        t.sort_by(f64::total_cmp);
    }
    println!(
        "evaluation of {} requests: fast path median {:.3} s, Cedar only median {:.3} s",
        palisade_policy::requests(&graph).len(),
        times[0][1],
        times[1][1]
    );
}

// ---- every request kind: read, write, use_secret and release ----

/// The attribute rows of one variable, as (name, type).
type Rows = Vec<(&'static str, Ty)>;

fn rows_of<F>(rows: impl IntoIterator<Item = &'static schema::Attr<F>>) -> Rows
where
    F: 'static,
{
    rows.into_iter().map(|row| (row.name, row.ty)).collect()
}

/// A test the fast path has its own code for: `is`, set literals with `containsAll`,
/// `containsAny` and `==`, and `isEmpty`; or an ordinary attribute test.
fn lineage_atom(rng: &mut XorShift, principal: &Rows, resource: &Rows) -> String {
    loop {
        let (var, rows) = match rng.below(7) {
            0 => {
                let ty = pick(rng, &["Stage", "Release", "Model", "Dataset"]);
                let var = if rng.below(2) == 0 {
                    "principal"
                } else {
                    "resource"
                };
                return format!("{var} is {ty}");
            }
            1 | 2 => ("principal", principal),
            3..=5 => ("resource", resource),
            _ => {
                let row = pick(rng, schema::CONTEXT_ATTRS);
                if let Some(found) = atom(rng, "context", row.name, row.ty) {
                    return found;
                }
                continue;
            }
        };
        let &(name, ty) = pick(rng, rows);
        let x = format!("{var}.{name}");
        if ty == Ty::StringSet && rng.below(2) == 0 {
            let (a, b) = (pick(rng, STRINGS), pick(rng, STRINGS));
            return match rng.below(5) {
                0 => format!("{x}.containsAll([\"{a}\", \"{b}\"])"),
                1 => format!("{x}.containsAny([\"{a}\"])"),
                2 => format!("[\"{a}\", \"{b}\"].containsAny({x})"),
                3 => format!("{x} == [\"{a}\"]"),
                _ => format!("{x}.containsAll([])"),
            };
        }
        if let Some(found) = atom(rng, var, name, ty) {
            return found;
        }
    }
}

fn lineage_expr(rng: &mut XorShift, depth: usize, principal: &Rows, resource: &Rows) -> String {
    if depth == 0 || rng.below(3) == 0 {
        return lineage_atom(rng, principal, resource);
    }
    let l = lineage_expr(rng, depth - 1, principal, resource);
    let r = lineage_expr(rng, depth - 1, principal, resource);
    match rng.below(6) {
        0 => format!("!({l})"),
        1 | 2 => format!("({l}) && ({r})"),
        3 | 4 => format!("({l}) || ({r})"),
        _ => format!("if ({l}) then ({r}) else ({l})"),
    }
}

fn lineage_policy(rng: &mut XorShift, id: &str) -> String {
    let effect = if rng.below(3) == 0 {
        "permit"
    } else {
        "forbid"
    };
    let action = *pick(
        rng,
        &[
            "action == Action::\"read\"",
            "action == Action::\"write\"",
            "action == Action::\"release\"",
            "action == Action::\"use_secret\"",
            "action in [Action::\"read\", Action::\"release\"]",
            "action",
        ],
    );
    let stage = rows_of(schema::STAGE_ATTRS);
    let release = rows_of(schema::RELEASE_ATTRS);
    let (principal, principal_rows) = match rng.below(5) {
        0 | 1 => ("principal is Stage", stage),
        2 => ("principal is Release", release),
        3 => ("principal in Pipeline::\"synthetic\"", stage),
        // Unscoped: attributes of either may be missing, which Cedar reports as an error.
        _ => ("principal", if rng.below(2) == 0 { stage } else { release }),
    };
    let model = rows_of(schema::artifact_attrs(palisade_syntax::ArtifactKind::Model));
    let (resource, resource_rows) = match rng.below(6) {
        0 => ("resource is Dataset", rows_of(schema::ARTIFACT_ATTRS)),
        1 => ("resource is Model", model),
        2 => ("resource is Image", rows_of(schema::ARTIFACT_ATTRS)),
        3 => ("resource is Secret", rows_of(schema::SECRET_ATTRS)),
        4 => ("resource", model),
        _ => ("resource", rows_of(schema::ARTIFACT_ATTRS)),
    };
    let mut text = format!("@id(\"{id}\")\n{effect} ({principal}, {action}, {resource})");
    for _ in 0..rng.below(3) {
        let kind = if rng.below(4) == 0 { "unless" } else { "when" };
        text.push_str(&format!(
            "\n{kind} {{ {} }}",
            lineage_expr(rng, 3, &principal_rows, &resource_rows)
        ));
    }
    text.push_str(";\n");
    text
}

/// The fast path decides `read`, `write`, `use_secret` and `release` requests too: random
/// policies over stage, release, artifact and context attributes, on pipelines of every
/// declared kind, decided both ways.
#[test]
fn fast_path_decides_every_action_as_cedar_does() {
    let mut rng = XorShift::new(0x0114_ea9e);
    let mut compiled = 0;
    let mut trials = 0;
    for seed in [1, 2, 3, 4] {
        let shape = Shape {
            seed,
            ..Shape::small()
        };
        let (graph, _) = synthetic_graph(&shape, 20, 1, 0.5).unwrap();
        let mut loaded = 0;
        let mut attempts = 0;
        while loaded < 30 && attempts < 600 {
            attempts += 1;
            let Some(in_fast_path) = decide_random_pack(&mut rng, &graph, lineage_policy) else {
                continue;
            };
            loaded += 1;
            trials += 1;
            compiled += in_fast_path;
        }
    }
    assert!(trials >= 80, "only {trials} random packs loaded");
    assert!(
        compiled >= 80,
        "only {compiled} policies were in the fast path's subset"
    );
}

/// The baseline pack on a pipeline of every kind: the same decisions, reasons and violations
/// with the fast path as with Cedar alone.
#[test]
fn the_baseline_decides_as_cedar_does() {
    let pack = PolicyPack::load(palisade_policy::baseline()).unwrap();
    // Every baseline policy is in the subset: a pipeline judged by the baseline alone needs no
    // Cedar entity (the 49,990-stage chain of docs/scale.md).
    let outside: Vec<String> = pack
        .set
        .policies()
        .filter(|p| !palisade_policy::fast_path_compiles(p))
        .map(|p| p.id().to_string())
        .collect();
    assert!(outside.is_empty(), "outside the fast path: {outside:?}");
    for seed in [1, 2, 3] {
        let shape = Shape {
            seed,
            ..Shape::small()
        };
        let (graph, _) = synthetic_graph(&shape, 200, 2, 0.3).unwrap();
        let fast = evaluate_with(&graph, &pack, AT, Engine::Fast).unwrap();
        let cedar = evaluate_with(&graph, &pack, AT, Engine::CedarOnly).unwrap();
        assert_eq!(fast.outcomes, cedar.outcomes);
        assert_eq!(fast.violations, cedar.violations);
        assert_eq!(fast.summary, cedar.summary);
        assert!(fast.summary.denied > 0);
    }
}
