//! The export path end to end, with a fake host table in this process.

use std::ffi::c_void;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::abi::{ABI_VERSION, Buffer, HostApi, PROTOCOL_VERSION, free_buffer};
use crate::protocol::{Failure, Reply};
use crate::{ActionCall, CredentialCall, CredentialValue, Description, Error, Host, HttpRequest};
use crate::{Plugin, StoreEntry, TypeInfo};

#[derive(Default)]
struct Sample;

impl Plugin for Sample {
    fn describe(&self) -> Description {
        Description::new("sample", "1.2.3")
            .credential_type(TypeInfo::new("sample", "", json!({"type": "object"})).with_login())
            .action_type(TypeInfo::new("echo", "", json!({"type": "object"})))
    }

    fn resolve(&self, host: &Host<'_>, call: CredentialCall) -> Result<CredentialValue, Error> {
        let stored = host.store_get("refresh_token")?;
        let answer = host.http(&HttpRequest::post("http://example.test/token"))?;
        Ok(CredentialValue {
            value: format!(
                "{}:{}:{}",
                call.name,
                stored.unwrap_or_default(),
                answer.status
            ),
            expires_in: Some(3600.0),
            rotate: Some(StoreEntry {
                name: "refresh_token".into(),
                value: "next".into(),
            }),
        })
    }

    fn execute(&self, host: &Host<'_>, call: ActionCall) -> Result<Vec<Value>, Error> {
        match call.action_type.as_str() {
            "echo" => {
                host.warn("echoing");
                Ok(vec![Value::Object(call.options), json!(2)])
            }
            "panic" => panic!("boom {}", 7),
            other => Err(Error::new(format!("no action {other}"))),
        }
    }
}

/// What the fake host saw.
#[derive(Default)]
struct Seen {
    calls: Mutex<Vec<String>>,
}

fn seen(context: *const c_void) -> &'static Seen {
    // SAFETY: every test passes a pointer to a leaked `Seen`.
    unsafe { &*(context as *const Seen) }
}

fn text(ptr: *const u8, len: usize) -> String {
    // SAFETY: the SDK passes valid bytes for the duration of the call.
    String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(ptr, len) }).into_owned()
}

unsafe extern "C" fn http(context: *const c_void, request: *const u8, len: usize) -> Buffer {
    seen(context)
        .calls
        .lock()
        .unwrap()
        .push(format!("http {}", text(request, len)));
    Buffer::from_vec(br#"{"ok":{"status":201,"headers":{},"body":""}}"#.to_vec())
}

unsafe extern "C" fn log(context: *const c_void, level: u32, message: *const u8, len: usize) {
    seen(context)
        .calls
        .lock()
        .unwrap()
        .push(format!("log {level} {}", text(message, len)));
}

unsafe extern "C" fn store_get(context: *const c_void, name: *const u8, len: usize) -> Buffer {
    seen(context)
        .calls
        .lock()
        .unwrap()
        .push(format!("get {}", text(name, len)));
    Buffer::from_vec(br#"{"ok":"r1"}"#.to_vec())
}

unsafe extern "C" fn store_put(
    context: *const c_void,
    name: *const u8,
    name_len: usize,
    _value: *const u8,
    _value_len: usize,
) -> Buffer {
    seen(context)
        .calls
        .lock()
        .unwrap()
        .push(format!("put {}", text(name, name_len)));
    Buffer::from_vec(br#"{"ok":null}"#.to_vec())
}

fn host_table(abi_version: u32) -> (HostApi, &'static Seen) {
    let seen: &'static Seen = Box::leak(Box::default());
    let api = HostApi {
        abi_version,
        context: seen as *const Seen as *const c_void,
        http,
        log,
        store_get,
        store_put,
        free: free_buffer,
    };
    (api, seen)
}

fn call(api: &HostApi, request: Value) -> Value {
    let bytes = serde_json::to_vec(&request).unwrap();
    let entry = crate::export::entry::<Sample>();
    assert_eq!(entry.abi_version, ABI_VERSION);
    // SAFETY: a live host table and request bytes, for the duration of the call.
    let buffer = unsafe { (entry.call)(api, bytes.as_ptr(), bytes.len()) };
    // SAFETY: the reply buffer is live until freed just below.
    let reply: Value = serde_json::from_slice(unsafe { buffer.as_slice() }).unwrap();
    // SAFETY: freed once by the side that allocated it.
    unsafe { (entry.free)(buffer) };
    reply
}

#[test]
fn describe_carries_the_abi_and_protocol_versions() {
    let (api, _) = host_table(ABI_VERSION);
    let reply = call(&api, json!({"op": "describe"}));
    assert_eq!(reply["ok"]["name"], "sample");
    assert_eq!(reply["ok"]["abi_version"], ABI_VERSION);
    assert_eq!(reply["ok"]["protocol"], PROTOCOL_VERSION);
    assert_eq!(reply["ok"]["credential_types"][0]["login"], true);
    assert_eq!(reply["ok"]["action_types"][0]["name"], "echo");
}

#[test]
fn resolve_uses_the_host_services_in_order() {
    let (api, seen) = host_table(ABI_VERSION);
    let reply = call(
        &api,
        json!({"op": "resolve", "credential_type": "sample", "name": "mine", "options": {}}),
    );
    assert_eq!(
        reply,
        json!({"ok": {"value": "mine:r1:201", "expires_in": 3600.0,
                      "rotate": {"name": "refresh_token", "value": "next"}}})
    );
    let calls = seen.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0], "get refresh_token");
    assert!(
        calls[1].starts_with("http {\"method\":\"POST\",\"url\":\"http://example.test/token\""),
        "{}",
        calls[1]
    );
}

#[test]
fn execute_returns_every_result_and_logs_through_the_host() {
    let (api, seen) = host_table(ABI_VERSION);
    let reply = call(
        &api,
        json!({"op": "execute", "action_type": "echo", "options": {"a": 1}}),
    );
    assert_eq!(reply, json!({"ok": {"results": [{"a": 1}, 2]}}));
    assert_eq!(
        seen.calls.lock().unwrap().clone(),
        vec!["log 2 echoing".to_owned()]
    );
}

#[test]
fn a_panic_becomes_an_error_reply_with_its_message_and_place() {
    let (api, _) = host_table(ABI_VERSION);
    let reply = call(
        &api,
        json!({"op": "execute", "action_type": "panic", "options": {}}),
    );
    let failure: Reply<()> = serde_json::from_value(reply).unwrap();
    let Reply::Error(Failure { message, panicked }) = failure else {
        panic!("expected an error reply");
    };
    assert!(panicked);
    assert!(message.starts_with("panicked: boom 7 (at "), "{message}");
    assert!(message.contains("tests.rs"), "{message}");
    // The plugin still answers afterwards.
    let again = call(
        &api,
        json!({"op": "execute", "action_type": "echo", "options": {}}),
    );
    assert_eq!(again["ok"]["results"][1], 2);
}

#[test]
fn errors_and_bad_envelopes_are_error_replies() {
    let (api, _) = host_table(ABI_VERSION);
    let reply = call(
        &api,
        json!({"op": "execute", "action_type": "nope", "options": {}}),
    );
    assert_eq!(reply, json!({"error": {"message": "no action nope"}}));
    let reply = call(&api, json!({"op": "fly"}));
    let message = reply["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("the request is not a valid envelope"),
        "{message}"
    );
    let reply = call(
        &api,
        json!({"op": "login", "credential_type": "sample", "name": "x",
                                  "options": {}, "username": "u", "password": "p"}),
    );
    assert_eq!(
        reply,
        json!({"error": {"message": "credential type `sample` has no login"}})
    );
}

#[test]
fn a_host_with_another_abi_is_refused_before_anything_runs() {
    let (api, seen) = host_table(ABI_VERSION + 1);
    let reply = call(&api, json!({"op": "describe"}));
    assert_eq!(
        reply["error"]["message"],
        format!(
            "the host speaks plugin ABI {}, this plugin ABI {ABI_VERSION}",
            ABI_VERSION + 1
        )
    );
    assert!(seen.calls.lock().unwrap().is_empty());
}
