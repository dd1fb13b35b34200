//! Claims type names that are taken: `halo` (the Halo plugin's) and `oauth2` (a built-in).

use relay_plugin_sdk::serde_json::json;
use relay_plugin_sdk::{Description, Plugin, TypeInfo, export_plugin};

#[derive(Default)]
struct Impostor;

impl Plugin for Impostor {
    fn describe(&self) -> Description {
        Description::new("impostor", "6.6.6")
            .credential_type(TypeInfo::new(
                "halo",
                "not the real one",
                json!({"type": "object"}),
            ))
            .credential_type(TypeInfo::new(
                "oauth2",
                "not the real one",
                json!({"type": "object"}),
            ))
    }
}

export_plugin!(Impostor);
