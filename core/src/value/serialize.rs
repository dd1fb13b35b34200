//! Serializing event data: like MiniJinja's own `Serialize`, except that a [`LazyJson`] body
//! nobody parsed is transcoded from its bytes (no value tree built just to print it).

use minijinja::Value;
use minijinja::value::ValueKind;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::lazy_json::LazyJson;

/// `Serialize` for a value, streaming unparsed response bodies.
pub struct Json<'a>(pub &'a Value);

thread_local! {
    /// Set while writing compact serde_json output: compact bodies are then copied verbatim.
    static RAW_OK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` (which writes compact JSON with serde_json) letting unparsed, compact response
/// bodies be copied as they are instead of being re-encoded token by token.
pub fn with_verbatim_bodies<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            RAW_OK.set(self.0);
        }
    }
    let _reset = Reset(RAW_OK.replace(true));
    f()
}

/// A map's entries in order. Plain maps hand out their pairs directly; looking each key up
/// again (hashing it) was a visible part of printing a fan-out's events.
pub(crate) fn map_entries(
    value: &Value,
) -> Option<Box<dyn Iterator<Item = (Value, Value)> + Send + Sync>> {
    value.as_object()?.try_iter_pairs()
}

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = self.0;
        if let Some(result) =
            value.downcast_object_ref::<crate::engine::actions::http_request::HttpResult>()
        {
            return result.serialize(serializer);
        }
        if let Some(lazy) = value.downcast_object_ref::<LazyJson>() {
            if let Some(parsed) = lazy.parsed() {
                return Json(parsed).serialize(serializer);
            }
            if RAW_OK.get()
                && let Some(raw) = lazy.compact_raw()
            {
                return raw.serialize(serializer);
            }
            let mut de = serde_json::Deserializer::from_slice(lazy.bytes());
            return serde_transcode::transcode(&mut de, serializer);
        }
        match value.kind() {
            ValueKind::Map => {
                let Some(entries) = map_entries(value) else {
                    return value.serialize(serializer);
                };
                let mut map = serializer.serialize_map(value.len())?;
                for (key, item) in entries {
                    map.serialize_entry(&Json(&key), &Json(&item))?;
                }
                map.end()
            }
            ValueKind::Seq => {
                let items = match value.try_iter() {
                    Ok(items) => items,
                    Err(_) => return value.serialize(serializer),
                };
                let mut seq = serializer.serialize_seq(value.len())?;
                for item in items {
                    seq.serialize_element(&Json(&item))?;
                }
                seq.end()
            }
            _ => value.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unparsed_bodies_print_compact_and_parsed_ones_as_values() {
        let body = LazyJson::value_of(b"{ \"a\" : [1, 2.5, \"x\"],\n \"b\": null }").unwrap();
        let result = Value::from_pairs([("status", Value::from(200)), ("body", body.clone())]);
        assert_eq!(
            serde_json::to_string(&Json(&result)).unwrap(),
            r#"{"status":200,"body":{"a":[1,2.5,"x"],"b":null}}"#
        );
        assert_eq!(body.get_attr("b").unwrap(), Value::from(()));
        assert_eq!(
            serde_json::to_string(&Json(&result)).unwrap(),
            r#"{"status":200,"body":{"a":[1,2.5,"x"],"b":null}}"#
        );
        let verbatim = with_verbatim_bodies(|| {
            serde_json::to_string(&Json(&LazyJson::value_of(br#"{"b":1,"a":[2]}"#).unwrap()))
                .unwrap()
        });
        assert_eq!(verbatim, r#"{"b":1,"a":[2]}"#);
        let pretty =
            serde_json::to_string_pretty(&Json(&LazyJson::value_of(b"[1,{\"k\":2}]").unwrap()))
                .unwrap();
        assert_eq!(pretty, "[\n  1,\n  {\n    \"k\": 2\n  }\n]");
    }
}
