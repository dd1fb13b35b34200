//! The converted workflow before it becomes text: actions (converted, or kept as comments),
//! links (live, or commented out), and the YAML writing of it all.

use super::graph::LinkType;
use super::json::Json;
use super::yaml_emit::{YamlWriter, scalar_text};

/// One converted action.
#[derive(Debug, Clone)]
pub struct ActionOut {
    pub name: String,
    pub relay_type: String,
    pub description: Option<String>,
    pub disabled: bool,
    pub local: Option<Json>,
    pub options: Vec<(String, Json)>,
    /// Tines options with no Relay meaning, written as a comment above the action.
    pub leftovers: Vec<(String, Json)>,
}

/// An action in story order: converted, or kept as a comment block.
#[derive(Debug, Clone)]
pub enum PlannedAction {
    Converted(ActionOut),
    Kept {
        name: String,
        type_name: String,
        reason: String,
        raw: Json,
    },
}

/// A link between two slugs; `commented` says why it is only a comment.
#[derive(Debug, Clone)]
pub struct PlannedLink {
    pub from: String,
    pub to: String,
    pub kind: LinkType,
    pub commented: Option<String>,
}

/// A whole workflow.
#[derive(Debug, Clone)]
pub struct Plan {
    pub header: String,
    pub notes: Vec<String>,
    pub name: String,
    pub description: Option<String>,
    pub schedule: Vec<Json>,
    /// Further top-level keys (`concurrency`, `resources`…) carried through an export.
    pub extras: Vec<(String, Json)>,
    pub actions: Vec<PlannedAction>,
    pub links: Vec<PlannedLink>,
}

impl ActionOut {
    fn to_json(&self) -> Json {
        let mut entries = vec![
            ("name".to_owned(), Json::str(&self.name)),
            ("type".to_owned(), Json::str(&self.relay_type)),
        ];
        if let Some(d) = &self.description {
            entries.push(("description".into(), Json::str(d)));
        }
        if self.disabled {
            entries.push(("disabled".into(), Json::Bool(true)));
        }
        if let Some(local) = &self.local {
            entries.push(("local".into(), local.clone()));
        }
        entries.push(("options".into(), Json::Object(self.options.clone())));
        Json::Object(entries)
    }
}

impl PlannedLink {
    fn to_json(&self) -> Json {
        let mut entries = vec![
            ("from".to_owned(), Json::str(&self.from)),
            ("to".to_owned(), Json::str(&self.to)),
        ];
        if let Some(kind) = self.kind.yaml_name() {
            entries.push(("type".into(), Json::str(kind)));
        }
        Json::Object(entries)
    }
}

impl Plan {
    fn converted(&self) -> impl Iterator<Item = &ActionOut> {
        self.actions.iter().filter_map(|a| match a {
            PlannedAction::Converted(out) => Some(out),
            PlannedAction::Kept { .. } => None,
        })
    }

    fn writes_links(&self) -> bool {
        // Without `links:` Relay chains the actions in file order, which Tines never meant.
        self.converted().count() > 1 || !self.links.is_empty()
    }

    /// The workflow as data: what the YAML text must read back as.
    pub fn to_json(&self) -> Json {
        let mut entries = vec![("name".to_owned(), Json::str(&self.name))];
        if let Some(d) = &self.description {
            entries.push(("description".into(), Json::str(d)));
        }
        if !self.schedule.is_empty() {
            entries.push(("schedule".into(), Json::Array(self.schedule.clone())));
        }
        entries.extend(self.extras.iter().cloned());
        entries.push((
            "actions".into(),
            Json::Array(self.converted().map(ActionOut::to_json).collect()),
        ));
        if self.writes_links() {
            let live = self
                .links
                .iter()
                .filter(|l| l.commented.is_none())
                .map(PlannedLink::to_json)
                .collect();
            entries.push(("links".into(), Json::Array(live)));
        }
        Json::Object(entries)
    }

    /// The workflow file.
    pub fn to_yaml(&self) -> String {
        let mut w = YamlWriter::new();
        w.comment(0, &self.header);
        if !self.notes.is_empty() {
            w.comment(0, "Notes on the Tines story canvas:");
            for note in &self.notes {
                for line in note.lines() {
                    w.comment(0, &format!("  {line}"));
                }
            }
        }
        let Json::Object(top) = self.to_json() else {
            return w.finish();
        };
        for (key, value) in &top {
            match key.as_str() {
                "actions" => self.write_actions(&mut w),
                "links" => self.write_links(&mut w),
                _ => w.entry(0, key, value),
            }
        }
        w.finish()
    }

    fn write_actions(&self, w: &mut YamlWriter) {
        if self.converted().next().is_none() {
            w.entry(0, "actions", &Json::Array(Vec::new()));
        } else {
            w.key(0, "actions");
        }
        for action in &self.actions {
            match action {
                PlannedAction::Converted(out) => {
                    if !out.leftovers.is_empty() {
                        w.comment(
                            2,
                            &format!(
                                "Tines options of \"{}\" with no Relay equivalent (not converted):",
                                out.name
                            ),
                        );
                        w.comment(2, &Json::Object(out.leftovers.clone()).to_pretty());
                    }
                    w.item(2, &out.to_json());
                }
                PlannedAction::Kept {
                    name,
                    type_name,
                    reason,
                    raw,
                } => {
                    w.comment(
                        2,
                        &format!("NOT CONVERTED: \"{name}\" ({type_name}): {reason}"),
                    );
                    w.comment(2, &raw.to_pretty());
                }
            }
        }
    }

    fn write_links(&self, w: &mut YamlWriter) {
        if self.links.iter().all(|l| l.commented.is_some()) {
            w.entry(0, "links", &Json::Array(Vec::new()));
        } else {
            w.key(0, "links");
        }
        for link in &self.links {
            match &link.commented {
                None => w.item(2, &link.to_json()),
                Some(why) => {
                    let kind = link
                        .kind
                        .yaml_name()
                        .map(|k| format!(", type: {k}"))
                        .unwrap_or_default();
                    w.comment(
                        2,
                        &format!(
                            "- {{from: {}, to: {}{kind}}}  ({why})",
                            scalar_text(&link.from),
                            scalar_text(&link.to)
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan {
            header: "Converted from Tines".into(),
            notes: vec!["first\nsecond".into()],
            name: "Story".into(),
            description: Some("two\nlines".into()),
            schedule: vec![
                Json::parse(r#"{"cron":"*/1 * * * *","timezone":"America/Chicago"}"#).unwrap(),
            ],
            extras: vec![("concurrency".into(), Json::Number(4.into()))],
            actions: vec![
                PlannedAction::Kept {
                    name: "Hook".into(),
                    type_name: "Agents::WebhookAgent".into(),
                    reason: "entry point".into(),
                    raw: Json::parse(r#"{"name":"Hook","options":{"secret":"s"}}"#).unwrap(),
                },
                PlannedAction::Converted(ActionOut {
                    name: "Get".into(),
                    relay_type: "http_request".into(),
                    description: None,
                    disabled: true,
                    local: None,
                    options: Json::parse(r#"{"url":"https://x","method":"get"}"#)
                        .unwrap()
                        .as_object()
                        .unwrap()
                        .to_vec(),
                    leftovers: vec![("placeholders".into(), Json::parse(r#"{"a":"b"}"#).unwrap())],
                }),
                PlannedAction::Converted(ActionOut {
                    name: "Next".into(),
                    relay_type: "trigger".into(),
                    description: Some("d".into()),
                    disabled: false,
                    local: None,
                    options: vec![("rules".into(), Json::Array(vec![]))],
                    leftovers: vec![],
                }),
            ],
            links: vec![
                PlannedLink {
                    from: "hook".into(),
                    to: "get".into(),
                    kind: LinkType::Default,
                    commented: Some("not converted: hook".into()),
                },
                PlannedLink {
                    from: "get".into(),
                    to: "next".into(),
                    kind: LinkType::Failure,
                    commented: None,
                },
            ],
        }
    }

    #[test]
    fn yaml_reads_back_as_the_plan() {
        let p = plan();
        let yaml = p.to_yaml();
        let parsed: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(parsed, p.to_json().to_value(), "{yaml}");
        assert!(
            yaml.contains(
                "  # NOT CONVERTED: \"Hook\" (Agents::WebhookAgent): entry point\n  # {\n"
            ),
            "{yaml}"
        );
        assert!(yaml.contains("  # Tines options of \"Get\" with no Relay equivalent (not converted):\n  # {\n  #   \"placeholders\""), "{yaml}");
        assert!(
            yaml.contains("  # - {from: hook, to: get}  (not converted: hook)\n"),
            "{yaml}"
        );
        assert!(yaml.contains("    type: failure\n"), "{yaml}");
        assert!(yaml.starts_with("# Converted from Tines\n# Notes on the Tines story canvas:\n#   first\n#   second\nname: Story\n"), "{yaml}");
    }

    #[test]
    fn empty_sections_still_parse() {
        let mut p = plan();
        p.actions
            .retain(|a| matches!(a, PlannedAction::Kept { .. }));
        p.links.retain(|l| l.commented.is_some());
        let yaml = p.to_yaml();
        assert!(yaml.contains("actions: []\n"), "{yaml}");
        assert!(yaml.contains("links: []\n"), "{yaml}");
        let parsed: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(parsed, p.to_json().to_value());
    }

    #[test]
    fn single_action_without_links_writes_no_links_key() {
        let mut p = plan();
        p.actions.truncate(2);
        p.links.clear();
        assert!(p.to_json().get("links").is_none());
        assert!(!p.to_yaml().contains("links"));
    }
}
