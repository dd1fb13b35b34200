//! A plugin that misbehaves on purpose: panics, hangs, and fetches whatever it is told.

use relay_plugin_sdk::serde_json::{Value, json};
use relay_plugin_sdk::{
    ActionCall, CredentialCall, CredentialValue, Description, Error, Host, HttpRequest, Plugin,
    TypeInfo, export_plugin,
};

#[derive(Default)]
struct Misbehaving;

fn any() -> Value {
    json!({"type": "object"})
}

impl Plugin for Misbehaving {
    fn describe(&self) -> Description {
        Description::new("misbehaving", "0.0.1")
            .credential_type(TypeInfo::new("boom", "panics when resolved", any()))
            .action_type(TypeInfo::new("panic", "panics", any()))
            .action_type(TypeInfo::new("hang", "never returns", any()))
            .action_type(TypeInfo::new("echo", "returns its options", any()))
            .action_type(TypeInfo::new(
                "fetch",
                "GETs `url` through the host",
                json!({"type": "object", "properties": {"url": {"type": "string"}, "token": {"type": "string"}},
                       "required": ["url"], "additionalProperties": false}),
            ))
    }

    fn resolve(&self, _host: &Host<'_>, call: CredentialCall) -> Result<CredentialValue, Error> {
        panic!("credential {} exploded", call.name)
    }

    fn execute(&self, host: &Host<'_>, call: ActionCall) -> Result<Vec<Value>, Error> {
        match call.action_type.as_str() {
            "panic" => panic!("the panic action panicked"),
            "hang" => loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            },
            "echo" => Ok(vec![Value::Object(call.options)]),
            "fetch" => {
                let url = call
                    .options
                    .get("url")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let mut request = HttpRequest::get(url);
                if let Some(t) = call.options.get("token").and_then(Value::as_str) {
                    request = request.header("authorization", format!("Bearer {t}"));
                }
                let response = host.http(&request)?;
                Ok(vec![
                    json!({"status": response.status, "body": response.body}),
                ])
            }
            other => Err(Error::new(format!("no action {other}"))),
        }
    }
}

export_plugin!(Misbehaving);
