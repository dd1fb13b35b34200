//! The JSON Schemas of the options, checked by Relay at `relay validate`.

use relay_plugin_sdk::serde_json::{Value, json};

/// `type: halo` under `credentials:`.
pub fn credential() -> Value {
    json!({
        "type": "object",
        "properties": {
            "auth_server": {"type": "string", "description": "the authorisation server, e.g. https://auth.haloservicedesk.com or https://acme.halopsa.com/auth (the token endpoint is <auth_server>/token)"},
            "resource_server": {"type": "string", "description": "the tenant's URL, e.g. https://acme.halopsa.com; the token endpoint is discovered with GET /api/AuthInfo when auth_server is not given"},
            "tenant": {"type": "string", "description": "the Halo tenant (sent as ?tenant=), e.g. acme"},
            "client_id": {"type": "string", "description": "the client ID of the API application in Halo"},
            "grant": {"type": "string", "enum": ["refresh_token", "client_credentials", "password"], "description": "refresh_token (default), client_credentials or password"},
            "client_secret": {"type": "string", "description": "the client secret (client_credentials), e.g. <<CREDENTIAL.halo_client_secret>>"},
            "username": {"type": "string", "description": "the agent's login (password grant only)"},
            "password": {"type": "string", "description": "the agent's password (password grant only), e.g. <<CREDENTIAL.halo_password>>"},
            "scope": {"type": "string", "description": "OAuth2 scope (default: all)"},
            "max_retries": {"type": "integer", "minimum": 0, "maximum": 10, "description": "retries after HTTP 429 (default 3)"}
        },
        "required": ["client_id"],
        "additionalProperties": false
    })
}

/// `type: halo.tickets` in a workflow.
pub fn tickets() -> Value {
    json!({
        "type": "object",
        "properties": {
            "resource_server": {"type": "string", "description": "the tenant's URL, e.g. https://acme.halopsa.com (or <<RESOURCE.halo_api>>)"},
            "token": {"type": "string", "description": "the access token: <<CREDENTIAL.halo>>"},
            "page_size": {"type": "integer", "minimum": 1, "maximum": 100, "description": "tickets per request (Halo allows at most 100; default 100)"},
            "open_only": {"type": "boolean", "description": "leave closed tickets out"},
            "search": {"type": "string", "description": "text to look for in summary, details, client or user"},
            "include_details": {"type": "boolean", "description": "include each ticket's details"},
            "max_pages": {"type": "integer", "minimum": 1, "description": "stop after this many pages (default 1000)"},
            "max_retries": {"type": "integer", "minimum": 0, "maximum": 10, "description": "retries after HTTP 429 (default 3)"}
        },
        "required": ["resource_server", "token"],
        "additionalProperties": false
    })
}
