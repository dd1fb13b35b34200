//! Resources: `relay.yaml`'s, overridden by the workflow's, overridden by `--resource K=V`.

use minijinja::Value;

use crate::diagnostic::Diagnostics;
use crate::formula::{Scope, compile};
use crate::source::SourceFile;
use crate::yaml::{Key, Node};

/// One layer of resource definitions and the file they come from.
pub struct ResourceLayer<'a> {
    pub source: &'a SourceFile,
    pub entries: &'a [(Key, Node)],
}

/// Merges the layers (later wins) and renders formulas in resource values once. A resource
/// formula may read other resources' literal values (`RESOURCE.x`), nothing else.
pub fn merge(
    layers: &[ResourceLayer<'_>],
    overrides: &[(String, Value)],
    diags: &mut Diagnostics,
) -> Value {
    let mut plain: Vec<(String, Value)> = Vec::new();
    let mut formulas = Vec::new();
    let set = |plain: &mut Vec<(String, Value)>, name: &str, value: Value| match plain
        .iter_mut()
        .find(|(n, _)| n == name)
    {
        Some(slot) => slot.1 = value,
        None => plain.push((name.to_owned(), value)),
    };
    for layer in layers {
        for (key, node) in layer.entries {
            match compile(layer.source, node) {
                Ok(c) if c.is_constant() => set(
                    &mut plain,
                    &key.name,
                    c.as_constant().cloned().unwrap_or_default(),
                ),
                Ok(c) => {
                    set(&mut plain, &key.name, Value::UNDEFINED);
                    formulas.push((key.name.clone(), c, layer.source, node.location));
                }
                Err(errors) => {
                    for (location, e) in errors {
                        diags.error(
                            layer.source,
                            location,
                            format!("{} (resource `{}`)", e.message, key.name),
                            e.help,
                        );
                    }
                }
            }
        }
    }
    for (name, value) in overrides {
        set(&mut plain, name, value.clone());
        formulas.retain(|(n, ..)| n != name);
    }
    let literal = Value::from_pairs(
        plain
            .iter()
            .filter(|(_, v)| !v.is_undefined())
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    let scope = Scope {
        resources: literal,
        ..Scope::default()
    };
    for (name, compiled, source, location) in formulas {
        match compiled.render(&scope) {
            Ok(v) => set(&mut plain, &name, v),
            Err(e) => diags.error(source, location, format!("resource `{name}`: {e}"), "a resource formula may only read other resources' literal values (`<<RESOURCE.name>>`)"),
        }
    }
    Value::from_pairs(plain.into_iter().filter(|(_, v)| !v.is_undefined()))
}
