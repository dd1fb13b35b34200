//! Reading rendered payload values (`minijinja::Value`) as maps, lists and scalar text.

use minijinja::Value;
use minijinja::value::ValueKind;

use super::encode_error::EncodeError;

/// The shape of a payload value, as the encoders see it.
pub enum Shape {
    /// `null` or undefined.
    Null,
    /// A string, or bytes that are valid UTF-8.
    Text(String),
    /// A bool or a number, with its JSON text (`true`, `42`, `1.5`).
    Scalar(String),
    /// Bytes that are not valid UTF-8.
    Binary(Vec<u8>),
    /// An object's entries in insertion order; non-string keys are shown as text.
    Map(Vec<(String, Value)>),
    /// A list's items.
    List(Vec<Value>),
}

/// Classifies `value`, failing on values no encoder can represent (functions, errors, …).
pub fn shape(value: &Value) -> Result<Shape, EncodeError> {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => Ok(Shape::Null),
        ValueKind::String => Ok(Shape::Text(value.as_str().unwrap_or_default().to_owned())),
        ValueKind::Bytes => match value.as_str() {
            Some(text) => Ok(Shape::Text(text.to_owned())),
            None => Ok(Shape::Binary(value.as_bytes().unwrap_or_default().to_vec())),
        },
        ValueKind::Bool | ValueKind::Number => Ok(Shape::Scalar(json_text(value)?)),
        ValueKind::Map => {
            let pairs = value
                .as_object()
                .and_then(|object| object.try_iter_pairs())
                .ok_or_else(|| EncodeError::new("payload contains a map that cannot be read"))?;
            Ok(Shape::Map(
                pairs.map(|(key, item)| (key_text(&key), item)).collect(),
            ))
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let items = value.try_iter().map_err(|err| {
                EncodeError::new(format!(
                    "payload contains a list that cannot be read: {err}"
                ))
            })?;
            Ok(Shape::List(items.collect()))
        }
        ValueKind::Plain | ValueKind::Invalid => Err(EncodeError::new(format!(
            "payload contains a value that cannot be sent: {value}"
        ))),
        // `ValueKind` is non-exhaustive; a future kind is refused rather than guessed at.
        _ => Err(EncodeError::new(format!(
            "payload contains a value of kind {} that cannot be sent",
            value.kind()
        ))),
    }
}

/// Compact JSON text of `value`.
pub fn json_text(value: &Value) -> Result<String, EncodeError> {
    serde_json::to_string(&crate::value::Json(value))
        .map_err(|err| EncodeError::new(format!("payload cannot be written as JSON: {err}")))
}

/// Compact JSON bytes of `value`.
pub fn json_bytes(value: &Value) -> Result<Vec<u8>, EncodeError> {
    serde_json::to_vec(&crate::value::Json(value))
        .map_err(|err| EncodeError::new(format!("payload cannot be written as JSON: {err}")))
}

fn key_text(key: &Value) -> String {
    match key.as_str() {
        Some(text) => text.to_owned(),
        None => key.to_string(),
    }
}
