//! Differential-privacy and adversarial-robustness claims in a CycloneDX model card
//! ([`palisade_cyclonedx::ModelCard`]), read from exactly the fields real producers write.
//!
//! CycloneDX has no field for either claim, and the CycloneDX property taxonomy registers no
//! namespace for them, so producers put them in two places:
//!
//! - **performance metrics.** cdxgen 12.8.4 (`cdxgen -t ai --profile ml`) turns a Hugging
//!   Face model card's `model-index` results into `quantitativeAnalysis.performanceMetrics`,
//!   copying each metric's `type` verbatim and writing its value as a string: a card that
//!   reports `dp_epsilon: 3.0` becomes `{"type": "dp_epsilon", "value": "3"}`. cdxgen writes
//!   nothing about DP anywhere else (its `createModelCardProperties` copies only language,
//!   widget and gating keys). A BOM built with cyclonedx-python-lib (which has no model-card
//!   class, so the producer writes the block) uses `differential-privacy:epsilon`-style types.
//! - **model-card properties.** The cyclonedx-python-lib producer also writes namespaced
//!   properties, `acme:ai:training:dp:epsilon` = `"3.0"`. The namespace is the producer's own;
//!   any namespace is accepted before the `dp:` part, because a namespace is no evidence of
//!   anything (the BOM's signature is, and checking it is the caller's job).
//!
//! Names are compared ignoring ASCII case. The fields read:
//!
//! | claim | metric `type` | property `name` |
//! | --- | --- | --- |
//! | DP epsilon | `dp_epsilon`, `differential-privacy:epsilon` | `…:dp:epsilon`, `differential-privacy:epsilon` |
//! | DP delta | `dp_delta`, `differential-privacy:delta` | `…:dp:delta`, `differential-privacy:delta` |
//! | DP mechanism | | `…:dp:mechanism`, `differential-privacy:mechanism` |
//! | DP accountant | | `…:dp:accountant` |
//! | DP on/off | | `…:differential-privacy` (`true`/`false`) |
//! | robust accuracy | `adversarial-robustness`, `adversarial-robustness:robust-accuracy`, `adversarial_robust_accuracy` | |
//! | attack success rate | `adversarial-robustness:attack-success-rate`, `attack_success_rate` | |
//! | adversarial training | | `…:robustness:adversarial-training` |
//!
//! Fail closed: an epsilon that is not a positive finite number, a delta outside [0, 1), two
//! fields that disagree (epsilon 3 in a metric, 8 in a property; `differential-privacy` =
//! `false` beside an epsilon), or a DP flag with no epsilon make the claim
//! [`PrivacyClaim::Unusable`], never a weaker or stronger one. Robustness values must be in
//! [0, 1]; of several (one per attack or slice) the worst is kept: the lowest robust accuracy,
//! the highest attack success rate.

use palisade_cyclonedx::{ModelCard, PerformanceMetric};
use serde::Serialize;

/// One field a claim was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldRead {
    /// `performanceMetrics[type=dp_epsilon]` or `properties[name=acme:ai:training:dp:epsilon]`.
    pub field: String,
    /// The value as written.
    pub value: String,
}

/// A model's differential-privacy training claim.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainingPrivacy {
    /// ε.
    pub epsilon: f64,
    /// δ, if stated.
    pub delta: Option<f64>,
    /// The mechanism (`DP-SGD` …), if stated.
    pub mechanism: Option<String>,
    /// The privacy accountant (`rdp`, `prv` …), if stated.
    pub accountant: Option<String>,
    /// Every field the claim was read from.
    pub fields: Vec<FieldRead>,
}

impl TrainingPrivacy {
    /// ε in thousandths, rounded **up** (3.0 → 3000, 0.0001 → 1): an integer for policy
    /// engines without decimals, never smaller than the claim.
    pub fn epsilon_milli(&self) -> u64 {
        let milli = (self.epsilon * 1000.0).ceil();
        if milli >= u64::MAX as f64 {
            u64::MAX
        } else {
            milli as u64
        }
    }

    /// The largest `k` with δ ≤ 10⁻ᵏ (1e-5 → 5, 3e-6 → 5, 0 → 324); `None` when δ is not
    /// stated. A policy asks "δ ≤ 10⁻⁵" as `delta_exponent >= 5`.
    pub fn delta_exponent(&self) -> Option<u32> {
        let delta = self.delta?;
        let mut k = 0u32;
        // Compare with a relative tolerance so 1e-5 written in decimal counts as 10⁻⁵.
        while k < 324 && 10f64.powi(-(k as i32 + 1)) >= delta * (1.0 - 1e-12) {
            k += 1;
        }
        Some(k)
    }
}

/// What a model card says about differential privacy.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PrivacyClaim {
    /// No DP field at all.
    None,
    /// A usable claim.
    Claimed(TrainingPrivacy),
    /// DP fields that cannot be used (unparsable, contradictory, incomplete).
    Unusable {
        /// Why.
        reason: String,
        /// The fields found.
        fields: Vec<FieldRead>,
    },
}

/// The metrics of a model's adversarial evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Robustness {
    /// The lowest robust accuracy reported (accuracy under attack), in [0, 1].
    pub robust_accuracy: Option<MetricValue>,
    /// The highest attack success rate reported, in [0, 1].
    pub attack_success_rate: Option<MetricValue>,
    /// The adversarial-training method a property names (`PGD` …), if any.
    pub adversarial_training: Option<String>,
}

/// One numeric metric, as the card reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricValue {
    /// The value.
    pub value: f64,
    /// The metric `type` it came from.
    pub kind: String,
    /// Its `slice` (the attack, the dataset split …).
    pub slice: Option<String>,
}

impl MetricValue {
    /// The value in thousandths, rounded down for accuracies (never better than reported).
    pub fn milli_floor(&self) -> u64 {
        (self.value * 1000.0).floor() as u64
    }

    /// The value in thousandths, rounded up for failure rates (never better than reported).
    pub fn milli_ceil(&self) -> u64 {
        (self.value * 1000.0).ceil() as u64
    }
}

/// What a model card says about adversarial robustness.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RobustnessClaim {
    /// No robustness metric.
    None,
    /// Usable metrics.
    Reported(Robustness),
    /// Robustness metrics that cannot be used (a value that is not a number in [0, 1]).
    Unusable {
        /// Why.
        reason: String,
    },
}

const EPSILON_METRICS: &[&str] = &["dp_epsilon", "differential-privacy:epsilon"];
const DELTA_METRICS: &[&str] = &["dp_delta", "differential-privacy:delta"];
const ROBUST_ACCURACY_METRICS: &[&str] = &[
    "adversarial-robustness",
    "adversarial-robustness:robust-accuracy",
    "adversarial_robust_accuracy",
];
const ATTACK_SUCCESS_METRICS: &[&str] = &[
    "adversarial-robustness:attack-success-rate",
    "attack_success_rate",
];

/// Whether a property name is `<anything>:dp:<key>` or `differential-privacy:<key>`.
fn dp_property(name: &str, key: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == format!("differential-privacy:{key}") || name.ends_with(&format!(":dp:{key}"))
}

fn metric_field(metric: &PerformanceMetric) -> String {
    format!("performanceMetrics[type={}]", metric.kind)
}

/// The DP fields found so far.
#[derive(Default)]
struct Found {
    fields: Vec<FieldRead>,
    /// Parsed values with the index of their field.
    epsilons: Vec<(f64, usize)>,
    deltas: Vec<(f64, usize)>,
    problems: Vec<String>,
}

enum Number {
    Epsilon,
    Delta,
}

impl Found {
    fn text(&mut self, field: String, value: &str) {
        self.fields.push(FieldRead {
            field,
            value: value.to_owned(),
        });
    }

    fn number(&mut self, field: String, value: &str, which: Number) {
        self.text(field.clone(), value);
        let at = self.fields.len() - 1;
        match value.trim().parse::<f64>() {
            Ok(parsed) if parsed.is_finite() => match which {
                Number::Epsilon => self.epsilons.push((parsed, at)),
                Number::Delta => self.deltas.push((parsed, at)),
            },
            _ => self
                .problems
                .push(format!("{field} is {value:?}, not a number")),
        }
    }
}

/// Reads the DP training claim of a model card (see the module docs for the fields).
pub fn training_privacy(card: &ModelCard) -> PrivacyClaim {
    let mut found = Found::default();
    for metric in &card.metrics {
        let kind = metric.kind.to_ascii_lowercase();
        let value = metric.value.as_deref().unwrap_or("");
        if EPSILON_METRICS.contains(&kind.as_str()) {
            found.number(metric_field(metric), value, Number::Epsilon);
        } else if DELTA_METRICS.contains(&kind.as_str()) {
            found.number(metric_field(metric), value, Number::Delta);
        }
    }
    let mut mechanism: Option<String> = None;
    let mut accountant: Option<String> = None;
    let mut flag: Option<bool> = None;
    for property in &card.properties {
        let name = property.name.as_str();
        let value = property.value.as_deref().unwrap_or("");
        let field = format!("properties[name={name}]");
        if dp_property(name, "epsilon") {
            found.number(field, value, Number::Epsilon);
        } else if dp_property(name, "delta") {
            found.number(field, value, Number::Delta);
        } else if dp_property(name, "mechanism") {
            found.text(field, value);
            if mechanism
                .as_deref()
                .is_some_and(|m| !m.eq_ignore_ascii_case(value))
            {
                found.problems.push(format!(
                    "two mechanisms: {:?} and {value:?}",
                    mechanism.as_deref().unwrap_or("")
                ));
            }
            mechanism = Some(value.to_owned());
        } else if dp_property(name, "accountant") {
            found.text(field, value);
            accountant = Some(value.to_owned());
        } else if name.to_ascii_lowercase().ends_with(":differential-privacy") {
            found.text(field.clone(), value);
            let stated = match value.trim().to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => {
                    found
                        .problems
                        .push(format!("{field} is {value:?}, not true or false"));
                    None
                }
            };
            if flag.is_some() && stated.is_some() && stated != flag {
                found
                    .problems
                    .push("the differential-privacy flags disagree".to_owned());
            }
            flag = stated.or(flag);
        }
    }
    conclude(found, mechanism, accountant, flag)
}

/// Reads a DP training claim from the parameters a signed stage attestation records: the
/// `differential_privacy` object of an in-toto link's `environment` (`palisade run --param
/// differential_privacy.epsilon=…`) or of SLSA provenance's `externalParameters`, with
/// `epsilon` and optionally `delta`, `mechanism` and `accountant` (numbers or numeric strings).
/// `at` names the object in the fields read (`environment`).
pub fn parameters_privacy(parameters: &serde_json::Value, at: &str) -> PrivacyClaim {
    let Some(dp) = parameters.get("differential_privacy") else {
        return PrivacyClaim::None;
    };
    let mut found = Found::default();
    let Some(dp) = dp.as_object() else {
        found.text(format!("{at}.differential_privacy"), &dp.to_string());
        return PrivacyClaim::Unusable {
            reason: format!("{at}.differential_privacy is not an object"),
            fields: found.fields,
        };
    };
    let text = |value: &serde_json::Value| match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut mechanism = None;
    let mut accountant = None;
    for (name, value) in dp {
        let field = format!("{at}.differential_privacy.{name}");
        match name.as_str() {
            "epsilon" => found.number(field, &text(value), Number::Epsilon),
            "delta" => found.number(field, &text(value), Number::Delta),
            "mechanism" => {
                found.text(field, &text(value));
                mechanism = Some(text(value));
            }
            "accountant" => {
                found.text(field, &text(value));
                accountant = Some(text(value));
            }
            _ => {}
        }
    }
    if found.fields.is_empty() {
        found.text(format!("{at}.differential_privacy"), "{}");
    }
    conclude(found, mechanism, accountant, None)
}

/// The claim the fields read make: usable with one positive ε (and δ in [0, 1)) on which every
/// field agrees, unusable otherwise.
fn conclude(
    found: Found,
    mechanism: Option<String>,
    accountant: Option<String>,
    flag: Option<bool>,
) -> PrivacyClaim {
    let Found {
        fields,
        epsilons,
        deltas,
        problems,
    } = found;
    if fields.is_empty() {
        return PrivacyClaim::None;
    }
    let unusable =
        |reason: String, fields: Vec<FieldRead>| PrivacyClaim::Unusable { reason, fields };
    if let Some(problem) = problems.into_iter().next() {
        return unusable(problem, fields);
    }
    if flag == Some(false) {
        return unusable(
            "the card says differential-privacy is false".to_owned(),
            fields,
        );
    }
    let Some(&(epsilon, first)) = epsilons.first() else {
        return unusable(
            "differential privacy is claimed without an epsilon".to_owned(),
            fields,
        );
    };
    let disagree = |values: &[(f64, usize)], fields: &[FieldRead]| -> Option<String> {
        let (first, at) = values.first()?;
        values
            .iter()
            .find(|(v, _)| (v - first).abs() > 1e-9 * first.abs().max(1e-300))
            .map(|(_, other)| {
                format!(
                    "{} = {} but {} = {}",
                    fields[*at].field,
                    fields[*at].value,
                    fields[*other].field,
                    fields[*other].value
                )
            })
    };
    if let Some(conflict) = disagree(&epsilons, &fields).or_else(|| disagree(&deltas, &fields)) {
        return unusable(format!("the fields disagree: {conflict}"), fields);
    }
    if epsilon <= 0.0 {
        return unusable(
            format!(
                "{} is {}, not a positive epsilon",
                fields[first].field, fields[first].value
            ),
            fields,
        );
    }
    let delta = deltas.first().map(|(delta, _)| *delta);
    if let Some(delta) = delta
        && !(0.0..1.0).contains(&delta)
    {
        return unusable(format!("delta {delta} is outside [0, 1)"), fields);
    }
    PrivacyClaim::Claimed(TrainingPrivacy {
        epsilon,
        delta,
        mechanism,
        accountant,
        fields,
    })
}

/// Reads the adversarial-robustness metrics of a model card (see the module docs).
pub fn adversarial_robustness(card: &ModelCard) -> RobustnessClaim {
    let mut robustness = Robustness {
        robust_accuracy: None,
        attack_success_rate: None,
        adversarial_training: None,
    };
    let mut found = false;
    for metric in &card.metrics {
        let kind = metric.kind.to_ascii_lowercase();
        let worse_is_lower = if ROBUST_ACCURACY_METRICS.contains(&kind.as_str()) {
            true
        } else if ATTACK_SUCCESS_METRICS.contains(&kind.as_str()) {
            false
        } else {
            continue;
        };
        found = true;
        let text = metric.value.as_deref().unwrap_or("");
        let value = match text.trim().parse::<f64>() {
            Ok(value) if (0.0..=1.0).contains(&value) => value,
            _ => {
                return RobustnessClaim::Unusable {
                    reason: format!(
                        "{} is {text:?}, not a number in [0, 1]",
                        metric_field(metric)
                    ),
                };
            }
        };
        let candidate = MetricValue {
            value,
            kind: metric.kind.clone(),
            slice: metric.slice.clone(),
        };
        let slot = if worse_is_lower {
            &mut robustness.robust_accuracy
        } else {
            &mut robustness.attack_success_rate
        };
        let replace = match slot {
            None => true,
            Some(current) if worse_is_lower => value < current.value,
            Some(current) => value > current.value,
        };
        if replace {
            *slot = Some(candidate);
        }
    }
    for property in &card.properties {
        if property
            .name
            .to_ascii_lowercase()
            .ends_with(":robustness:adversarial-training")
        {
            robustness.adversarial_training = property.value.clone();
        }
    }
    if found {
        RobustnessClaim::Reported(robustness)
    } else {
        RobustnessClaim::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_cyclonedx::Property;

    fn metric(kind: &str, value: &str) -> PerformanceMetric {
        PerformanceMetric {
            kind: kind.to_owned(),
            value: Some(value.to_owned()),
            slice: None,
            confidence_interval: None,
        }
    }

    fn property(name: &str, value: &str) -> Property {
        Property {
            name: name.to_owned(),
            value: Some(value.to_owned()),
        }
    }

    fn card(metrics: Vec<PerformanceMetric>, properties: Vec<Property>) -> ModelCard {
        ModelCard {
            metrics,
            properties,
            ..ModelCard::default()
        }
    }

    fn claimed(claim: PrivacyClaim) -> TrainingPrivacy {
        match claim {
            PrivacyClaim::Claimed(privacy) => privacy,
            other => panic!("{other:?}"),
        }
    }

    fn unusable(claim: PrivacyClaim) -> String {
        match claim {
            PrivacyClaim::Unusable { reason, .. } => reason,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn cdxgen_metrics() {
        let privacy = claimed(training_privacy(&card(
            vec![
                metric("accuracy", "0.9"),
                metric("dp_epsilon", "3"),
                metric("DP_DELTA", "0.00001"),
            ],
            vec![],
        )));
        assert_eq!(privacy.epsilon, 3.0);
        assert_eq!(privacy.delta, Some(1e-5));
        assert_eq!(privacy.epsilon_milli(), 3000);
        assert_eq!(privacy.delta_exponent(), Some(5));
        assert_eq!(privacy.fields.len(), 2);
    }

    #[test]
    fn namespaced_properties_and_metrics_agree() {
        let privacy = claimed(training_privacy(&card(
            vec![metric("differential-privacy:epsilon", "3.0")],
            vec![
                property("acme:ai:training:differential-privacy", "true"),
                property("acme:ai:training:dp:epsilon", "3.0"),
                property("acme:ai:training:dp:delta", "1e-05"),
                property("acme:ai:training:dp:mechanism", "DP-SGD"),
                property("acme:ai:training:dp:accountant", "rdp"),
            ],
        )));
        assert_eq!(privacy.mechanism.as_deref(), Some("DP-SGD"));
        assert_eq!(privacy.accountant.as_deref(), Some("rdp"));
        assert_eq!(privacy.delta_exponent(), Some(5));
    }

    #[test]
    fn contradictions_and_garbage_are_unusable() {
        let reason = unusable(training_privacy(&card(
            vec![metric("dp_epsilon", "3")],
            vec![property("x:dp:epsilon", "8")],
        )));
        assert_eq!(
            reason,
            "the fields disagree: performanceMetrics[type=dp_epsilon] = 3 but properties[name=x:dp:epsilon] = 8"
        );
        let reason = unusable(training_privacy(&card(
            vec![metric("dp_epsilon", "3")],
            vec![property("x:training:differential-privacy", "false")],
        )));
        assert!(reason.contains("false"), "{reason}");
        let reason = unusable(training_privacy(&card(
            vec![],
            vec![property("x:training:differential-privacy", "true")],
        )));
        assert!(reason.contains("without an epsilon"), "{reason}");
        for bad in ["three", "NaN", "inf", "", "-1", "0"] {
            let claim = training_privacy(&card(vec![metric("dp_epsilon", bad)], vec![]));
            assert!(
                matches!(claim, PrivacyClaim::Unusable { .. }),
                "{bad}: {claim:?}"
            );
        }
        let reason = unusable(training_privacy(&card(
            vec![metric("dp_epsilon", "1"), metric("dp_delta", "1")],
            vec![],
        )));
        assert!(reason.contains("outside [0, 1)"), "{reason}");
        assert_eq!(
            training_privacy(&card(vec![metric("accuracy", "1")], vec![])),
            PrivacyClaim::None
        );
    }

    #[test]
    fn rounding_never_flatters() {
        let privacy = |epsilon: f64, delta: Option<f64>| TrainingPrivacy {
            epsilon,
            delta,
            mechanism: None,
            accountant: None,
            fields: vec![],
        };
        assert_eq!(privacy(0.0001, None).epsilon_milli(), 1);
        assert_eq!(privacy(2.9999, None).epsilon_milli(), 3000);
        assert_eq!(privacy(1e300, None).epsilon_milli(), u64::MAX);
        assert_eq!(privacy(1.0, Some(3e-6)).delta_exponent(), Some(5));
        assert_eq!(privacy(1.0, Some(1e-6)).delta_exponent(), Some(6));
        assert_eq!(privacy(1.0, Some(0.5)).delta_exponent(), Some(0));
        assert_eq!(privacy(1.0, Some(0.0)).delta_exponent(), Some(324));
        assert_eq!(privacy(1.0, None).delta_exponent(), None);
    }

    #[test]
    fn robustness_keeps_the_worst() {
        let claim = adversarial_robustness(&card(
            vec![
                metric("adversarial_robust_accuracy", "0.734"),
                metric("adversarial-robustness:robust-accuracy", "0.61"),
                metric("attack_success_rate", "0.195"),
                metric("adversarial-robustness:attack-success-rate", "0.3"),
            ],
            vec![property("acme:ai:robustness:adversarial-training", "PGD")],
        ));
        let RobustnessClaim::Reported(robustness) = claim else {
            panic!("{claim:?}")
        };
        let accuracy = robustness.robust_accuracy.unwrap();
        assert_eq!(accuracy.value, 0.61);
        assert_eq!(accuracy.milli_floor(), 610);
        assert_eq!(robustness.attack_success_rate.unwrap().milli_ceil(), 300);
        assert_eq!(robustness.adversarial_training.as_deref(), Some("PGD"));
        let claim = adversarial_robustness(&card(
            vec![metric("adversarial-robustness", "73.4")],
            vec![],
        ));
        assert!(
            matches!(claim, RobustnessClaim::Unusable { .. }),
            "{claim:?}"
        );
        assert_eq!(
            adversarial_robustness(&card(vec![], vec![])),
            RobustnessClaim::None
        );
    }

    #[test]
    fn dp_parameters_of_a_stage_attestation() {
        let claim = parameters_privacy(
            &serde_json::json!({"differential_privacy": {"epsilon": 7.03, "delta": "1e-5", "mechanism": "DP-GD"}}),
            "environment",
        );
        let PrivacyClaim::Claimed(privacy) = claim else {
            panic!("{claim:?}");
        };
        assert_eq!(privacy.epsilon_milli(), 7030);
        assert_eq!(privacy.delta_exponent(), Some(5));
        assert_eq!(privacy.mechanism.as_deref(), Some("DP-GD"));
        assert_eq!(
            parameters_privacy(&serde_json::json!({"seed": 1}), "environment"),
            PrivacyClaim::None
        );
        assert_eq!(
            parameters_privacy(&serde_json::Value::Null, "environment"),
            PrivacyClaim::None
        );
        for (bad, why) in [
            (
                serde_json::json!({"differential_privacy": 7}),
                "not an object",
            ),
            (
                serde_json::json!({"differential_privacy": {}}),
                "without an epsilon",
            ),
            (
                serde_json::json!({"differential_privacy": {"delta": 1e-5}}),
                "without an epsilon",
            ),
            (
                serde_json::json!({"differential_privacy": {"epsilon": "lots"}}),
                "not a number",
            ),
            (
                serde_json::json!({"differential_privacy": {"epsilon": -1}}),
                "not a positive epsilon",
            ),
            (
                serde_json::json!({"differential_privacy": {"epsilon": 1, "delta": 2}}),
                "outside [0, 1)",
            ),
        ] {
            match parameters_privacy(&bad, "environment") {
                PrivacyClaim::Unusable { reason, .. } => {
                    assert!(reason.contains(why), "{bad}: {reason}")
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
