//! The one registration point for action types and credential types. Built-ins register
//! here; plugins register through the same methods, so workflows use them the same way.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::credentials::{CredentialType, HttpRequestCredential, OAuth2Credential, TextCredential};
use crate::engine::ActionType;
use crate::engine::actions;

/// Known action and credential types, by name.
#[derive(Default)]
pub struct Registry {
    actions: BTreeMap<String, (Arc<dyn ActionType>, String)>,
    credentials: BTreeMap<String, (Arc<dyn CredentialType>, String)>,
}

/// Where a type came from, for "two plugins provide `x`" errors.
pub const BUILT_IN: &str = "relay itself (built-in)";

impl Registry {
    /// The built-in types.
    pub fn builtin() -> Registry {
        let mut r = Registry::default();
        for t in actions::builtin() {
            let _ = r.add_action_type(t, BUILT_IN);
        }
        let _ = r.add_credential_type(Arc::new(TextCredential), BUILT_IN);
        let _ = r.add_credential_type(Arc::new(HttpRequestCredential), BUILT_IN);
        let _ = r.add_credential_type(Arc::new(OAuth2Credential), BUILT_IN);
        r
    }

    /// Registers an action type; a name already taken is an error naming both sources.
    pub fn add_action_type(&mut self, t: Arc<dyn ActionType>, origin: &str) -> Result<(), String> {
        let name = t.name().to_owned();
        if let Some((_, existing)) = self.actions.get(&name) {
            return Err(format!(
                "action type `{name}` is provided by both {existing} and {origin}"
            ));
        }
        self.actions.insert(name, (t, origin.to_owned()));
        Ok(())
    }

    pub fn add_credential_type(
        &mut self,
        t: Arc<dyn CredentialType>,
        origin: &str,
    ) -> Result<(), String> {
        let name = t.name().to_owned();
        if let Some((_, existing)) = self.credentials.get(&name) {
            return Err(format!(
                "credential type `{name}` is provided by both {existing} and {origin}"
            ));
        }
        self.credentials.insert(name, (t, origin.to_owned()));
        Ok(())
    }

    pub fn action_type(&self, name: &str) -> Option<&Arc<dyn ActionType>> {
        self.actions.get(name).map(|(t, _)| t)
    }

    pub fn credential_type(&self, name: &str) -> Option<&Arc<dyn CredentialType>> {
        self.credentials.get(name).map(|(t, _)| t)
    }

    pub fn action_type_names(&self) -> Vec<String> {
        self.actions.keys().cloned().collect()
    }

    pub fn credential_type_names(&self) -> Vec<String> {
        self.credentials.keys().cloned().collect()
    }
}
