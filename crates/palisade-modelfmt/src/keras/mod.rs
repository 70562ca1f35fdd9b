//! Keras model configs (the `config.json` of a `.keras` archive, the `model_config` and
//! `training_config` attributes of a legacy `.h5`): every object Keras would deserialise,
//! judged the way `keras.saving.deserialize_keras_object` resolves it.
//!
//! An object is a JSON object with a string `class_name`. Keras resolves it in this order, and
//! so does [`check_config`]:
//! - `registered_name` (when not `null` and not the class name itself) is looked up among the
//!   registered custom objects first, even with a `keras.*` module: a custom object;
//! - `class_name: "function"` names a function by `config`: `module: "builtins"` means a Keras
//!   built-in function by bare name (or a registered one spelt `package>name`);
//! - `module` `keras` or `keras.*` is Keras itself (except the non-modelling APIs, which Keras
//!   3.11+ refuses and earlier versions call);
//! - no `module` (legacy configs) means a name among Keras' public classes (a generated list,
//!   [`builtins::KERAS_BUILTIN_NAMES`]); anything else is custom;
//! - any other `module` is imported by Keras before 3.9 (CVE-2025-1550): custom.
//!
//! Plain strings are only resolved among built-ins or the loader's own `custom_objects`, except
//! the registered-name form `package>name`, which is reported wherever it appears.

mod builtins;

use std::collections::HashSet;

use crate::json::Json;
use crate::{FindingKind, Findings};

use builtins::KERAS_BUILTIN_NAMES;

/// `keras.saving.serialization_lib.NON_MODELING_APIS` (Keras 3.11+), by their last name: any
/// `keras.*` module naming one of these is reported, however it is spelt.
const NON_MODELLING_APIS: &[&str] = &[
    "audio_dataset_from_directory",
    "clear_session",
    "deserialize_keras_object",
    "enable_unsafe_deserialization",
    "get_file",
    "image_dataset_from_directory",
    "load_img",
    "load_model",
    "load_weights",
    "model_from_json",
    "register_keras_serializable",
    "save_img",
    "save_model",
    "save_weights",
    "serialize_keras_object",
    "text_dataset_from_directory",
];

/// Internal markers `deserialize_keras_object` handles itself (tensors, bytes, slices).
const INTERNAL_CLASSES: &[&str] = &[
    "__bytes__",
    "__ellipsis__",
    "__keras_tensor__",
    "__numpy__",
    "__slice__",
    "__tensor__",
];

/// tf.keras 2 layers that call a TensorFlow function named in the config.
const TF_OP_LAMBDAS: &[&str] = &["SlicingOpLambda", "TFOpLambda"];

/// Checks a whole config; `source` prefixes every location (`config.json`, `model_config`).
pub(crate) fn check_config(config: &Json, source: &str, findings: &mut Findings) {
    let mut walk = Walk {
        findings,
        covered: HashSet::new(),
    };
    let mut pointer = String::new();
    walk.value(config, source, &mut pointer);
}

struct Walk<'f> {
    findings: &'f mut Findings,
    /// Pointers of `__lambda__` objects already reported as a Lambda layer's function.
    covered: HashSet<String>,
}

fn is_keras_module(module: &str) -> bool {
    module == "keras" || module.starts_with("keras.")
}

fn is_builtin_name(name: &str) -> bool {
    KERAS_BUILTIN_NAMES.binary_search(&name).is_ok()
}

/// `package>name`: how Keras spells a registered custom object.
fn is_registered_name(s: &str) -> bool {
    match s.split_once('>') {
        Some((package, name)) => {
            !package.is_empty()
                && !name.is_empty()
                && !name.contains('>')
                && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// Appends a JSON-pointer segment (`~` → `~0`, `/` → `~1`).
fn push_segment(pointer: &mut String, segment: &str) {
    pointer.push('/');
    for c in segment.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

impl Walk<'_> {
    fn report(&mut self, kind: FindingKind, source: &str, pointer: &str, detail: &str) {
        let location = format!(
            "{source}:{}",
            if pointer.is_empty() { "/" } else { pointer }
        );
        self.findings.push(kind, &location, detail);
    }

    fn value(&mut self, value: &Json, source: &str, pointer: &mut String) {
        match value {
            Json::Object(entries) => {
                let skip: &[&str] = match value.get("class_name").and_then(Json::as_str) {
                    Some(class_name) => self.object(value, class_name, source, pointer),
                    None => &[],
                };
                for (key, child) in entries {
                    if skip.contains(&key.as_str()) {
                        continue;
                    }
                    let len = pointer.len();
                    push_segment(pointer, key);
                    self.value(child, source, pointer);
                    pointer.truncate(len);
                }
            }
            Json::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    let len = pointer.len();
                    push_segment(pointer, &i.to_string());
                    self.value(child, source, pointer);
                    pointer.truncate(len);
                }
            }
            Json::String(s) if is_registered_name(s) => self.report(
                FindingKind::CustomObject,
                source,
                pointer,
                &format!("`{s}` names a registered custom object"),
            ),
            _ => {}
        }
    }

    /// Judges one object; returns the keys whose strings it has judged already.
    fn object(
        &mut self,
        object: &Json,
        class_name: &str,
        source: &str,
        pointer: &str,
    ) -> &'static [&'static str] {
        const CLASS_KEYS: &[&str] = &["class_name", "module", "registered_name"];
        const FUNCTION_KEYS: &[&str] = &["class_name", "module", "registered_name", "config"];

        let module = object.get("module").and_then(Json::as_str);
        let registered = object.get("registered_name").and_then(Json::as_str);
        let config = object.get("config");

        if class_name == "__lambda__" {
            if !self.covered.contains(pointer) {
                self.report(
                    FindingKind::PythonLambda,
                    source,
                    pointer,
                    "a Python lambda serialised as marshalled bytecode",
                );
            }
            return CLASS_KEYS;
        }
        if INTERNAL_CLASSES.contains(&class_name) {
            return CLASS_KEYS;
        }
        if class_name == "function" {
            let name = config.and_then(Json::as_str).unwrap_or("");
            self.function(name, module, source, pointer);
            return FUNCTION_KEYS;
        }
        // tf.keras' `__typespec__` names its class in `spec_name`.
        let name = if class_name == "__typespec__" {
            object
                .get("spec_name")
                .and_then(Json::as_str)
                .unwrap_or(class_name)
        } else {
            class_name
        };
        if TF_OP_LAMBDAS.contains(&name) {
            let op = config
                .and_then(|c| c.get("function"))
                .and_then(Json::as_str)
                .unwrap_or("?");
            self.report(
                FindingKind::LambdaLayer,
                source,
                pointer,
                &format!(
                    "{name} layer{} calls TensorFlow function `{op}`",
                    layer_name(config)
                ),
            );
            return CLASS_KEYS;
        }
        if let Some(registered) = registered
            && registered != name
        {
            self.report(
                FindingKind::CustomObject,
                source,
                pointer,
                &format!("`{name}` resolves to the registered custom object `{registered}`"),
            );
            return CLASS_KEYS;
        }
        match module {
            Some(module) if is_keras_module(module) => {
                if NON_MODELLING_APIS.contains(&name) {
                    self.report(
                        FindingKind::UnsafeKerasApi,
                        source,
                        pointer,
                        &format!("`{module}.{name}` is not a modelling object"),
                    );
                    return CLASS_KEYS;
                }
            }
            Some(module) => {
                self.report(
                    FindingKind::CustomObject,
                    source,
                    pointer,
                    &format!("`{name}` from module `{module}`, outside Keras"),
                );
                return CLASS_KEYS;
            }
            None if is_builtin_name(name) => {}
            None => {
                let why = if is_registered_name(name) {
                    format!("`{name}` names a registered custom object")
                } else {
                    format!("`{name}` is not a Keras built-in")
                };
                self.report(FindingKind::CustomObject, source, pointer, &why);
                return CLASS_KEYS;
            }
        }
        if name == "Lambda" {
            self.lambda_layer(config, source, pointer);
        }
        CLASS_KEYS
    }

    fn function(&mut self, name: &str, module: Option<&str>, source: &str, pointer: &str) {
        let builtin = match module {
            Some("builtins") | None => !is_registered_name(name) && is_builtin_name(name),
            Some(module) if is_keras_module(module) => {
                if NON_MODELLING_APIS.contains(&name) {
                    self.report(
                        FindingKind::UnsafeKerasApi,
                        source,
                        pointer,
                        &format!("function `{module}.{name}` is not a modelling function"),
                    );
                    return;
                }
                true
            }
            Some(_) => false,
        };
        if !builtin {
            let why = match module {
                Some(module) if module != "builtins" => {
                    format!("function `{name}` from module `{module}`, outside Keras")
                }
                _ if is_registered_name(name) => {
                    format!("function `{name}` is a registered custom function")
                }
                _ => format!("function `{name}` is not a Keras built-in"),
            };
            self.report(FindingKind::CustomObject, source, pointer, &why);
        }
    }

    fn lambda_layer(&mut self, config: Option<&Json>, source: &str, pointer: &str) {
        let function = config.and_then(|c| c.get("function"));
        let what = match function {
            Some(Json::Object(_)) => match function
                .and_then(|f| f.get("class_name"))
                .and_then(Json::as_str)
            {
                Some("__lambda__") => "carries marshalled Python bytecode".to_owned(),
                Some("function") => format!(
                    "calls function `{}`",
                    function
                        .and_then(|f| f.get("config"))
                        .and_then(Json::as_str)
                        .unwrap_or("?")
                ),
                Some(other) => format!("calls a `{other}` object"),
                None => "has a function of unknown form".to_owned(),
            },
            // tf.keras 2: `function` is base64 bytecode (a string or [code, defaults, closure])
            // when `function_type` is "lambda", else a function name.
            Some(Json::Array(_)) => "carries marshalled Python bytecode (legacy)".to_owned(),
            Some(Json::String(s)) => {
                match config
                    .and_then(|c| c.get("function_type"))
                    .and_then(Json::as_str)
                {
                    Some("function") => format!("calls function `{s}` (legacy)"),
                    _ => "carries marshalled Python bytecode (legacy)".to_owned(),
                }
            }
            _ => "has a function of unknown form".to_owned(),
        };
        self.report(
            FindingKind::LambdaLayer,
            source,
            pointer,
            &format!(
                "Lambda layer{} {what}: runs on load when safe_mode is off",
                layer_name(config)
            ),
        );
        for key in ["function", "output_shape", "mask"] {
            self.covered.insert(format!("{pointer}/config/{key}"));
        }
    }
}

/// ` `name`` for a layer config with a name, else nothing.
fn layer_name(config: Option<&Json>) -> String {
    match config.and_then(|c| c.get("name")).and_then(Json::as_str) {
        Some(name) => format!(" `{name}`"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;
    use crate::{Finding, FindingKind};

    fn check(text: &str) -> Vec<Finding> {
        let json = parse(text.as_bytes(), "config.json", 100).unwrap();
        let mut findings = Findings::new("m.keras", 100);
        check_config(&json, "config.json", &mut findings);
        findings.into_parts().0
    }

    fn kinds(text: &str) -> Vec<(FindingKind, String)> {
        check(text)
            .into_iter()
            .map(|f| (f.kind, f.location))
            .collect()
    }

    #[test]
    fn the_builtin_list_is_sorted_for_binary_search() {
        assert!(KERAS_BUILTIN_NAMES.windows(2).all(|w| w[0] < w[1]));
        for name in [
            "Dense",
            "Lambda",
            "Sequential",
            "Functional",
            "relu",
            "Adam",
        ] {
            assert!(is_builtin_name(name), "{name}");
        }
        assert!(!is_builtin_name("get_file"));
        assert!(!is_builtin_name("deserialize"));
    }

    #[test]
    fn builtins_are_clean() {
        let config = r#"{"module": "keras", "class_name": "Sequential", "registered_name": null,
          "config": {"layers": [
            {"module": "keras.layers", "class_name": "Dense", "registered_name": null,
             "config": {"activation": "relu", "name": "a>b c",
               "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {}}}},
            {"class_name": "Dense", "config": {"activation": {"module": "builtins", "class_name": "function", "config": "relu", "registered_name": "function"}}},
            {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional", "config": {}},
            {"class_name": "__keras_tensor__", "config": {"keras_history": ["dense", 0, 0]}}
          ]}}"#;
        assert_eq!(kinds(config), []);
    }

    #[test]
    fn custom_objects_every_way_keras_resolves_them() {
        let config = r#"{"layers": [
            {"module": null, "class_name": "Scale", "registered_name": "acme>Scale", "config": {}},
            {"module": "keras.layers", "class_name": "Dense", "registered_name": "acme>Evil", "config": {}},
            {"class_name": "acme>Scale", "config": {}},
            {"class_name": "MyLayer", "config": {}},
            {"module": "os", "class_name": "system", "config": {}},
            {"module": "builtins", "class_name": "function", "config": "acme>swish", "registered_name": "function"},
            {"module": "builtins", "class_name": "function", "config": "plus_one"},
            {"module": "evil.mod", "class_name": "function", "config": "f"},
            {"class_name": "Dense", "config": {"activation": "acme>swish"}}
        ]}"#;
        let found = kinds(config);
        assert_eq!(
            found,
            (0..9)
                .map(|i| (
                    FindingKind::CustomObject,
                    if i == 8 {
                        "config.json:/layers/8/config/activation".to_owned()
                    } else {
                        format!("config.json:/layers/{i}")
                    }
                ))
                .collect::<Vec<_>>()
        );
        let details: Vec<String> = check(config).into_iter().map(|f| f.detail).collect();
        assert_eq!(
            details[4], "`system` from module `os`, outside Keras",
            "{details:?}"
        );
    }

    #[test]
    fn lambda_layers_and_lambdas_elsewhere() {
        let config = r#"{"layers": [
            {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "double",
              "function": {"class_name": "__lambda__", "config": {"code": "4wEA", "defaults": null, "closure": null}},
              "output_shape": {"class_name": "__lambda__", "config": {"code": "4wEA"}}}},
            {"class_name": "Lambda", "config": {"name": "old", "function": ["4wEA", null, null], "function_type": "lambda"}},
            {"class_name": "Dense", "config": {"activation": {"class_name": "__lambda__", "config": {"value": "4wEA"}}}},
            {"class_name": "TFOpLambda", "config": {"name": "tf.io.write_file", "function": "io.write_file"}}
        ]}"#;
        let found = check(config);
        let summary: Vec<(FindingKind, &str)> = found
            .iter()
            .map(|f| (f.kind, f.location.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (FindingKind::LambdaLayer, "config.json:/layers/0"),
                (FindingKind::LambdaLayer, "config.json:/layers/1"),
                (
                    FindingKind::PythonLambda,
                    "config.json:/layers/2/config/activation"
                ),
                (FindingKind::LambdaLayer, "config.json:/layers/3"),
            ]
        );
        assert_eq!(
            found[0].detail,
            "Lambda layer `double` carries marshalled Python bytecode: runs on load when safe_mode is off"
        );
        assert_eq!(
            found[3].detail,
            "TFOpLambda layer `tf.io.write_file` calls TensorFlow function `io.write_file`"
        );
    }

    #[test]
    fn non_modelling_apis() {
        let config = r#"[
            {"module": "keras.utils", "class_name": "function", "config": "get_file"},
            {"module": "keras.src.saving.saving_api", "class_name": "load_model", "config": {}},
            {"module": "keras.models", "class_name": "function", "config": "clone_model"}
        ]"#;
        assert_eq!(
            kinds(config),
            [
                (FindingKind::UnsafeKerasApi, "config.json:/0".to_owned()),
                (FindingKind::UnsafeKerasApi, "config.json:/1".to_owned()),
            ]
        );
    }

    #[test]
    fn pointers_escape_and_the_root_is_named() {
        let found = kinds(r#"{"a/b~c": {"class_name": "Nope", "config": {}}}"#);
        assert_eq!(found[0].1, "config.json:/a~1b~0c");
        let found = kinds(r#"{"class_name": "Nope", "config": {}}"#);
        assert_eq!(found[0].1, "config.json:/");
    }
}
