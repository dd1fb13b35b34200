//! The `--input` file of the memory scenario: `{"items": [...]}` with items of a fixed size.

use std::io::{self, Write};

/// Size of one serialized item in the memory scenario (1 KiB).
pub const ITEM_BYTES: usize = 1024;

/// Writes `{"items": [ ... ]}` with `count` objects `{"id", "priority", "text"}`, each exactly
/// `item_bytes` bytes of JSON (the `text` pads it), to `out`.
pub fn write_items(out: &mut impl Write, count: usize, item_bytes: usize) -> io::Result<()> {
    let padding = "x".repeat(item_bytes);
    out.write_all(b"{\"items\":[")?;
    for id in 0..count {
        if id > 0 {
            out.write_all(b",")?;
        }
        let head = format!("{{\"id\":{id},\"priority\":{},\"text\":\"", id % 4 + 1);
        let tail = "\"}";
        let pad = item_bytes.saturating_sub(head.len() + tail.len());
        out.write_all(head.as_bytes())?;
        out.write_all(&padding.as_bytes()[..pad])?;
        out.write_all(tail.as_bytes())?;
    }
    out.write_all(b"]}")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_valid_json_of_the_requested_size() {
        let mut buf = Vec::new();
        write_items(&mut buf, 3, ITEM_BYTES).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        let items = value["items"].as_array().unwrap();
        assert_eq!(items.len(), 3);
        for (i, item) in items.iter().enumerate() {
            assert_eq!(item["id"], i);
            assert_eq!(serde_json::to_string(item).unwrap().len(), ITEM_BYTES);
        }
        // Envelope plus items plus the commas between them.
        assert_eq!(buf.len(), "{\"items\":[]}".len() + 3 * ITEM_BYTES + 2);
    }

    #[test]
    fn zero_items_is_an_empty_list() {
        let mut buf = Vec::new();
        write_items(&mut buf, 0, ITEM_BYTES).unwrap();
        assert_eq!(buf, b"{\"items\":[]}");
    }
}
