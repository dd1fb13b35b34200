//! Which Tines actions become Relay actions, and, for the others, the reason given in the
//! comment block and the warning.

use super::json::Json;
use super::slug::slugify;
use super::story::{Agent, Kind};
use super::transform_options;

/// The stories of one import, for naming Send to Story targets.
#[derive(Debug, Clone, Default)]
pub struct StoryIndex {
    /// (story name, workflow file stem) of every story imported together.
    pub stories: Vec<(String, String)>,
    /// The stem of the story being converted.
    pub current: String,
}

/// What happens to one action.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Convert(&'static str),
    Keep(String),
}

const WEBHOOK_REASON: &str = "a Webhook is an entry point, not a step; Relay starts runs itself (`relay run --input`, a schedule, or \
`POST /hooks/<workflow>` on the daemon with `{body, headers, query}` as the entry event)";

/// Decides for one agent.
pub fn decide(agent: &Agent, index: &StoryIndex) -> Decision {
    let options = match &agent.options {
        Ok(options) => options,
        Err(why) => return Decision::Keep(format!("{why}, so it cannot be converted")),
    };
    match agent.kind {
        Kind::HttpRequest | Kind::Trigger => {
            Decision::Convert(agent.kind.relay_type().unwrap_or("http_request"))
        }
        Kind::EventTransform => match transform_options::mode(options) {
            Ok(_) => Decision::Convert("event_transform"),
            Err(why) => Decision::Keep(why),
        },
        Kind::Webhook => Decision::Keep(WEBHOOK_REASON.into()),
        Kind::SendToStory => Decision::Keep(send_to_story_reason(options, index)),
        Kind::Other => Decision::Keep(format!(
            "Tines `{}` actions have no Relay equivalent",
            display_type(&agent.type_name)
        )),
    }
}

fn display_type(type_name: &str) -> &str {
    if type_name.is_empty() {
        "(no type)"
    } else {
        type_name
    }
}

/// The story a Send to Story action names: `{% story Name %}`, `{{ .STORY.slug }}`, `<<STORY.slug>>`.
pub fn target_story(options: &[(String, Json)]) -> Option<String> {
    let raw = options
        .iter()
        .find(|(k, _)| k == "story")?
        .1
        .as_str()?
        .trim();
    let inner = raw
        .strip_prefix("{%")
        .and_then(|r| r.strip_suffix("%}"))
        .map(|r| r.trim().strip_prefix("story").unwrap_or(r).trim())
        .or_else(|| {
            raw.strip_prefix("{{")
                .and_then(|r| r.strip_suffix("}}"))
                .map(str::trim)
        })
        .or_else(|| {
            raw.strip_prefix("<<")
                .and_then(|r| r.strip_suffix(">>"))
                .map(str::trim)
        })
        .or_else(|| raw.strip_prefix('='))
        .unwrap_or(raw);
    let inner = inner.trim_start_matches('.');
    let name = inner.strip_prefix("STORY.").unwrap_or(inner).trim();
    (!name.is_empty()).then(|| name.to_owned())
}

fn send_to_story_reason(options: &[(String, Json)], index: &StoryIndex) -> String {
    const BASE: &str = "Relay has no Send to Story action";
    let Some(target) = target_story(options) else {
        return format!("{BASE}; the called story is not named");
    };
    let wanted = slugify(&target);
    match index
        .stories
        .iter()
        .find(|(name, stem)| slugify(name) == wanted || *stem == wanted)
    {
        Some((_, stem)) if *stem == index.current => {
            format!("{BASE}; it calls this same story (\"{target}\")")
        }
        Some((_, stem)) => format!(
            "{BASE}; it calls \"{target}\", imported beside this one as workflow `{stem}` (run it with `relay run`)"
        ),
        None => format!("{BASE}; it calls \"{target}\", which is not part of this export"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(kind: Kind, type_name: &str, options: &str) -> Agent {
        Agent {
            kind,
            type_name: type_name.into(),
            name: "A".into(),
            guid: None,
            disabled: Json::Bool(false),
            description: None,
            options: Ok(Json::parse(options).unwrap().as_object().unwrap().to_vec()),
            schedule: Json::Null,
            raw: Json::Null,
        }
    }

    fn index() -> StoryIndex {
        StoryIndex {
            stories: vec![
                ("Parent".into(), "parent".into()),
                (
                    "Azure Sentinel Storyboard".into(),
                    "azure_sentinel_storyboard".into(),
                ),
            ],
            current: "parent".into(),
        }
    }

    #[test]
    fn convertible_kinds() {
        assert_eq!(
            decide(&agent(Kind::HttpRequest, "httpRequest", "{}"), &index()),
            Decision::Convert("http_request")
        );
        assert_eq!(
            decide(&agent(Kind::Trigger, "t", "{}"), &index()),
            Decision::Convert("trigger")
        );
        assert_eq!(
            decide(
                &agent(Kind::EventTransform, "e", r#"{"mode":"delay"}"#),
                &index()
            ),
            Decision::Convert("event_transform")
        );
        assert!(
            matches!(decide(&agent(Kind::EventTransform, "e", r#"{"mode":"automatic"}"#), &index()), Decision::Keep(r) if r.contains("automatic"))
        );
        assert!(
            matches!(decide(&agent(Kind::Other, "Agents::EmailAgent", "{}"), &index()), Decision::Keep(r) if r.contains("Agents::EmailAgent"))
        );
        assert!(
            matches!(decide(&agent(Kind::Webhook, "Agents::WebhookAgent", "{}"), &index()), Decision::Keep(r) if r.contains("entry point"))
        );
        let mut broken = agent(Kind::HttpRequest, "httpRequest", "{}");
        broken.options = Err("`options` is a string but not valid JSON".into());
        assert!(
            matches!(decide(&broken, &index()), Decision::Keep(r) if r.contains("not valid JSON"))
        );
    }

    #[test]
    fn send_to_story_targets() {
        assert_eq!(
            target_story(&[(
                "story".into(),
                Json::str("{% story Azure Sentinel Storyboard%}")
            )])
            .unwrap(),
            "Azure Sentinel Storyboard"
        );
        assert_eq!(
            target_story(&[(
                "story".into(),
                Json::str("{{ .STORY.send_to_story_breaks }}")
            )])
            .unwrap(),
            "send_to_story_breaks"
        );
        assert_eq!(
            target_story(&[("story".into(), Json::str("=STORY.x"))]).unwrap(),
            "x"
        );
        let sts = |story: &str| {
            decide(
                &agent(Kind::SendToStory, "s", &format!(r#"{{"story":"{story}"}}"#)),
                &index(),
            )
        };
        assert!(
            matches!(sts("{% story Azure Sentinel Storyboard %}"), Decision::Keep(r) if r.contains("workflow `azure_sentinel_storyboard`"))
        );
        assert!(
            matches!(sts("{% story Parent %}"), Decision::Keep(r) if r.contains("this same story"))
        );
        assert!(
            matches!(sts("{% story Elsewhere %}"), Decision::Keep(r) if r.contains("not part of this export"))
        );
    }
}
