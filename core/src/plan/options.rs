//! What an action type gets while planning its options: the node, diagnostics, and formula
//! compilation that records which roots each option reads.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::formula::Refs;
use crate::formula::{Compiled, compile};
use crate::source::{Location, SourceFile};
use crate::yaml::{MapReader, Node};

/// A root path read by an option, and whether credentials may appear there.
#[derive(Debug, Clone)]
pub struct OptionRef {
    pub path: String,
    pub location: Location,
    pub option: String,
    pub credentials_allowed: bool,
    /// See [`crate::formula::Ref::guarded`].
    pub guarded: bool,
}

/// Plans one action's options.
pub struct OptionPlanner<'a> {
    pub source: &'a SourceFile,
    pub diags: &'a mut Diagnostics,
    pub options: &'a Node,
    pub slug: &'a str,
    /// Where a missing option is reported (the `options:` key when there is one).
    pub anchor: Location,
    pub(crate) refs: Vec<OptionRef>,
    /// Roots that exist only inside some options (`response` in `customize_output`).
    pub(crate) local_roots: Vec<(String, &'static str)>,
}

impl<'a> OptionPlanner<'a> {
    pub fn new(
        source: &'a SourceFile,
        diags: &'a mut Diagnostics,
        options: &'a Node,
        slug: &'a str,
    ) -> OptionPlanner<'a> {
        OptionPlanner {
            source,
            diags,
            options,
            slug,
            anchor: options.location,
            refs: Vec::new(),
            local_roots: Vec::new(),
        }
    }

    /// Reports missing options at `at` (the `options:` key) instead of the first option.
    pub fn anchored(mut self, at: Location) -> OptionPlanner<'a> {
        if at.is_known() {
            self.anchor = at;
        }
        self
    }

    /// A reader over the options mapping, reporting unknown and duplicate keys.
    pub fn reader(&mut self, keys: &'a [&'a str]) -> Option<MapReader<'a>> {
        let what = format!("the options of action `{}`", self.slug);
        MapReader::new(self.source, self.options, what, keys, self.diags)
            .map(|r| r.anchored(self.anchor))
    }

    /// Compiles the formulas of option `option` (a dotted name for messages).
    pub fn formula(
        &mut self,
        node: &Node,
        option: &str,
        credentials_allowed: bool,
    ) -> Option<Compiled> {
        match compile(self.source, node) {
            Ok(compiled) => {
                self.record(&compiled.refs, option, credentials_allowed);
                Some(compiled)
            }
            Err(errors) => {
                for (location, e) in errors {
                    self.diags.push(
                        Diagnostic::new(
                            self.source,
                            location,
                            format!(
                                "{} (option `{option}` of action `{}`)",
                                e.message, self.slug
                            ),
                        )
                        .with_suggestion(e.suggestion)
                        .with_help(e.help),
                    );
                }
                None
            }
        }
    }

    /// Like [`formula`](Self::formula), for an option where `root` is an extra root (e.g.
    /// `response` in `customize_output`).
    pub fn formula_with_root(
        &mut self,
        node: &Node,
        option: &str,
        root: &'static str,
    ) -> Option<Compiled> {
        self.local_roots.push((option.to_owned(), root));
        self.formula(node, option, false)
    }

    fn record(&mut self, refs: &Refs, option: &str, credentials_allowed: bool) {
        for r in &refs.paths {
            self.refs.push(OptionRef {
                path: r.path.clone(),
                location: r.location,
                option: option.to_owned(),
                credentials_allowed,
                guarded: r.guarded,
            });
        }
    }

    pub fn error(
        &mut self,
        location: Location,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diags.error(self.source, location, message, help);
    }

    /// Refuses a formula in an option that takes its text literally (a key name, a regular
    /// expression): without this, `to: <<RESOURCE.key>>` would silently name the key
    /// `<<RESOURCE.key>>`. `=` counts as a formula only where `leading_equals` says so.
    pub fn literal_text(
        &mut self,
        node: &Node,
        option: &str,
        text: &str,
        leading_equals: bool,
        example: &str,
    ) -> Option<()> {
        if !(text.contains("<<") || (leading_equals && text.starts_with('='))) {
            return Some(());
        }
        self.error(
            node.location,
            format!(
                "option `{option}` of action `{}` is taken literally; formulas are not evaluated there",
                self.slug
            ),
            format!("write the value itself, e.g. `{option}: {example}`"),
        );
        None
    }

    /// Credentials read by options where they are allowed.
    pub fn credentials(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .refs
            .iter()
            .filter(|r| r.credentials_allowed)
            .filter_map(|r| {
                r.path
                    .strip_prefix("CREDENTIAL.")
                    .map(|n| n.split('.').next().unwrap_or(n).to_owned())
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }
}
