//! Node → compiled formula tree, once per plan. Constant subtrees stay plain values, so
//! rendering an option without formulas costs a reference count.

use std::sync::Arc;

use minijinja::{Expression, Template, Value};

use super::env::environment;
use super::error::FormulaSyntaxError;
use super::path::PathExpr;
use super::pills::{Piece, Shape, split};
use super::refs::{Ref, Refs};
use crate::source::{Location, SourceFile};
use crate::yaml::{Node, NodeValue};

/// An option value with its formulas compiled.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub(super) tree: Tree,
    pub refs: Refs,
}

#[derive(Debug, Clone)]
pub(super) enum Tree {
    Const(Value),
    Expr(Arc<Expr>),
    Text(Arc<[Segment]>),
    Block(Arc<Block>),
    Seq(Arc<[Tree]>),
    Map(Arc<[(Arc<str>, Tree)]>),
}

#[derive(Debug)]
pub(super) enum Segment {
    Text(String),
    Pill(Arc<Expr>),
}

#[derive(Debug)]
pub(super) struct Expr {
    pub source: String,
    pub program: Program,
    /// The dotted paths it reads, to name the missing one when the result is undefined.
    pub paths: Vec<String>,
    /// Paths that must exist before a MiniJinja program runs: read unguarded by an
    /// expression that evaluates every operand (see [`super::guards::required_paths`]).
    pub required: Vec<String>,
}

/// How an expression is evaluated.
#[derive(Debug)]
pub(super) enum Program {
    /// A plain path, read straight from the scope.
    Path(PathExpr),
    /// Anything else, run by MiniJinja.
    MiniJinja(Expression<'static, 'static>),
}

#[derive(Debug)]
pub(super) struct Block {
    pub template: Template<'static, 'static>,
    pub paths: Vec<String>,
}

/// A syntax problem and where it is.
pub type Located<T> = (Location, T);

impl Compiled {
    /// A value with no formulas.
    pub fn constant(value: Value) -> Compiled {
        Compiled {
            tree: Tree::Const(value),
            refs: Refs::default(),
        }
    }

    /// Compiles a single formula string that has no place in a file (e.g. a `--resource` value).
    pub fn from_str(text: &str) -> Result<Compiled, FormulaSyntaxError> {
        let node = Node::new(NodeValue::Str(text.to_owned()), Location::UNKNOWN);
        let source = SourceFile::unshared(std::path::PathBuf::new(), String::new());
        compile(&source, &node).map_err(|mut errs| errs.remove(0).1)
    }

    /// A mapping of already-compiled values (their references merged).
    pub fn map(entries: Vec<(&str, Compiled)>) -> Compiled {
        let mut refs = Refs::default();
        let mut trees = Vec::with_capacity(entries.len());
        for (k, c) in entries {
            refs.extend(c.refs);
            trees.push((Arc::from(k), c.tree));
        }
        Compiled {
            tree: Tree::Map(trees.into()),
            refs,
        }
    }

    /// The literal text the value starts with: all of it for a constant string, the text before
    /// the first pill otherwise (for checks such as a URL's scheme at plan time).
    pub fn leading_text(&self) -> Option<&str> {
        match &self.tree {
            Tree::Const(v) => v.as_str(),
            Tree::Text(segments) => match segments.first() {
                Some(Segment::Text(t)) => Some(t.as_str()),
                _ => None,
            },
            _ => None,
        }
    }

    /// True when the value has no formula at all.
    pub fn is_constant(&self) -> bool {
        matches!(self.tree, Tree::Const(_))
    }

    /// True when rendering depends on nothing but these roots: every formula is a plain path
    /// under one of them. A function, filter or template may differ from call to call
    /// (`NOW()`), so any of them makes it false.
    pub fn reads_only(&self, roots: &[&str]) -> bool {
        self.tree.only_plain_paths() && self.refs.paths.iter().all(|r| roots.contains(&r.root()))
    }

    /// The value when it has no formula.
    pub fn as_constant(&self) -> Option<&Value> {
        match &self.tree {
            Tree::Const(v) => Some(v),
            _ => None,
        }
    }
}

impl Tree {
    /// No formula here but plain paths (no function, filter or template).
    fn only_plain_paths(&self) -> bool {
        let plain = |e: &Expr| matches!(e.program, Program::Path(_));
        match self {
            Tree::Const(_) => true,
            Tree::Expr(e) => plain(e),
            Tree::Text(segments) => segments.iter().all(|s| match s {
                Segment::Text(_) => true,
                Segment::Pill(e) => plain(e),
            }),
            Tree::Block(_) => false,
            Tree::Seq(items) => items.iter().all(Tree::only_plain_paths),
            Tree::Map(entries) => entries.iter().all(|(_, t)| t.only_plain_paths()),
        }
    }
}

/// Compiles every string leaf of `node`; reports every syntax error, not just the first.
pub fn compile(
    source: &SourceFile,
    node: &Node,
) -> Result<Compiled, Vec<Located<FormulaSyntaxError>>> {
    let mut errors = Vec::new();
    let mut refs = Refs::default();
    let tree = compile_node(source, node, &mut refs, &mut errors);
    if errors.is_empty() {
        Ok(Compiled { tree, refs })
    } else {
        Err(errors)
    }
}

fn compile_node(
    source: &SourceFile,
    node: &Node,
    refs: &mut Refs,
    errors: &mut Vec<Located<FormulaSyntaxError>>,
) -> Tree {
    match &node.value {
        NodeValue::Str(s) => compile_string(source, node, s, refs, errors),
        NodeValue::Seq(items) => {
            let trees: Vec<Tree> = items
                .iter()
                .map(|n| compile_node(source, n, refs, errors))
                .collect();
            if trees.iter().all(|t| matches!(t, Tree::Const(_))) {
                Tree::Const(node.to_value())
            } else {
                Tree::Seq(trees.into())
            }
        }
        NodeValue::Map(entries) => {
            let trees: Vec<(Arc<str>, Tree)> = entries
                .iter()
                .map(|(k, v)| {
                    (
                        Arc::from(k.name.as_str()),
                        compile_node(source, v, refs, errors),
                    )
                })
                .collect();
            if trees.iter().all(|(_, t)| matches!(t, Tree::Const(_))) {
                Tree::Const(node.to_value())
            } else {
                Tree::Map(trees.into())
            }
        }
        _ => Tree::Const(node.to_value()),
    }
}

fn compile_string(
    source: &SourceFile,
    node: &Node,
    s: &str,
    refs: &mut Refs,
    errors: &mut Vec<Located<FormulaSyntaxError>>,
) -> Tree {
    let shape = match split(s) {
        Ok(shape) => shape,
        Err(e) => {
            errors.push((locate(source, node, e.offset, e.width), e));
            return Tree::Const(Value::UNDEFINED);
        }
    };
    let mut expr = |src: &str, offset: usize| -> Option<Arc<Expr>> {
        match compile_expression(src) {
            Ok(e) => {
                refs.paths.extend(e.paths.iter().map(|p| {
                    // The caret goes under the path itself when it is written out, else
                    // under the whole expression.
                    let (at, width) = path_position(src, p).unwrap_or((0, src.chars().count()));
                    Ref {
                        path: p.clone(),
                        location: locate(source, node, offset + at, width),
                        guarded: super::guards::is_guarded(src, p),
                    }
                }));
                Some(e)
            }
            Err(e) => {
                errors.push((locate(source, node, offset + e.offset, e.width), e));
                None
            }
        }
    };
    match shape {
        Shape::Plain(text) => Tree::Const(Value::from(text)),
        Shape::Expression {
            source: src,
            offset,
        } => match expr(src, offset) {
            Some(e) => Tree::Expr(e),
            None => Tree::Const(Value::UNDEFINED),
        },
        Shape::Pieces(pieces) => {
            let mut segments = Vec::with_capacity(pieces.len());
            for piece in pieces {
                match piece {
                    Piece::Text(t) => segments.push(Segment::Text(t)),
                    Piece::Pill {
                        source: src,
                        offset,
                    } => match expr(src, offset) {
                        Some(e) => segments.push(Segment::Pill(e)),
                        None => return Tree::Const(Value::UNDEFINED),
                    },
                }
            }
            Tree::Text(segments.into())
        }
        Shape::Block(template_source) => match compile_block(template_source) {
            Ok(block) => {
                let at = locate(source, node, 0, 1);
                let text = block.template.source();
                refs.paths.extend(block.paths.iter().map(|p| Ref {
                    path: p.clone(),
                    location: at,
                    guarded: super::guards::is_guarded(text, p),
                }));
                Tree::Block(Arc::new(block))
            }
            Err(e) => {
                errors.push((locate(source, node, e.offset, e.width), e));
                Tree::Const(Value::UNDEFINED)
            }
        },
    }
}

/// Compiles an expression, once per distinct text in the process: the same formula (say
/// `<<CREDENTIAL.halo>>` in every action) shares one compiled form.
fn compile_expression(src: &str) -> Result<Arc<Expr>, FormulaSyntaxError> {
    static CACHE: std::sync::LazyLock<
        std::sync::Mutex<std::collections::HashMap<String, Arc<Expr>>>,
    > = std::sync::LazyLock::new(Default::default);
    /// A bound on the cache, for daemons that re-plan edited files for months.
    const CACHE_LIMIT: usize = 20_000;
    if let Some(hit) = CACHE.lock().unwrap_or_else(|p| p.into_inner()).get(src) {
        return Ok(hit.clone());
    }
    let expr = Arc::new(compile_uncached(src)?);
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if cache.len() >= CACHE_LIMIT {
        cache.clear();
    }
    cache.insert(src.to_owned(), expr.clone());
    Ok(expr)
}

/// The names of the environment's functions and constants (looked up for every formula).
fn global_names() -> &'static std::collections::BTreeSet<&'static str> {
    static NAMES: std::sync::LazyLock<std::collections::BTreeSet<&'static str>> =
        std::sync::LazyLock::new(|| environment().globals().map(|(name, _)| name).collect());
    &NAMES
}

fn compile_uncached(src: &str) -> Result<Expr, FormulaSyntaxError> {
    let env = environment();
    if let Some(path) = PathExpr::parse(src, |name| global_names().contains(name)) {
        let paths = vec![path.reference()];
        return Ok(Expr {
            source: src.to_owned(),
            program: Program::Path(path),
            paths,
            required: Vec::new(),
        });
    }
    super::limits::check_operator_count(src)?;
    let compiled = env
        .compile_expression_owned(src.to_owned())
        .map_err(|e| syntax_error(src, &e))?;
    let mut paths = referenced_paths(compiled.undeclared_variables(true), src);
    check_functions(&mut paths, src)?;
    let required = super::guards::required_paths(src, &paths);
    Ok(Expr {
        source: src.to_owned(),
        program: Program::MiniJinja(compiled),
        paths,
        required,
    })
}

fn compile_block(template_source: String) -> Result<Block, FormulaSyntaxError> {
    // MiniJinja templates borrow their source. Block formulas are rare and compiled once per
    // plan, so leaking the (small) source is the simple, safe way to a 'static template.
    super::limits::check_block_operator_count(&template_source)?;
    let leaked: &'static str = Box::leak(template_source.into_boxed_str());
    let template = environment()
        .template_from_str(leaked)
        .map_err(|e| syntax_error(leaked, &e))?;
    let mut paths = referenced_paths(template.undeclared_variables(true), leaked);
    check_functions(&mut paths, leaked)?;
    Ok(Block { template, paths })
}

/// The undeclared variables MiniJinja reports include function names; keep data paths, and
/// recover `CREDENTIAL["name"]` (which static analysis only sees as `CREDENTIAL`).
fn referenced_paths(vars: std::collections::HashSet<String>, src: &str) -> Vec<String> {
    let mut paths: Vec<String> = vars.into_iter().collect();
    if paths.iter().any(|p| p == "CREDENTIAL") {
        paths.retain(|p| p != "CREDENTIAL");
        for name in subscripted_names(src, "CREDENTIAL") {
            paths.push(format!("CREDENTIAL.{name}"));
        }
        if !paths.iter().any(|p| p.starts_with("CREDENTIAL.")) {
            paths.push("CREDENTIAL".into());
        }
    }
    paths.sort();
    paths
}

/// Literal names in `ROOT["name"]` / `ROOT['name']`.
fn subscripted_names<'a>(src: &'a str, root: &str) -> Vec<&'a str> {
    let mut names = Vec::new();
    let mut rest = src;
    while let Some(pos) = rest.find(root) {
        rest = rest[pos + root.len()..].trim_start();
        if let Some(after) = rest.strip_prefix('[') {
            let after = after.trim_start();
            if let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') {
                if let Some(end) = after[1..].find(q) {
                    names.push(&after[1..1 + end]);
                }
            }
        }
    }
    names
}

/// Drops known function names from `paths`, and refuses upper-case names that look like a
/// call to a function that does not exist (`SIZEE(x)`), with a suggestion.
fn check_functions(paths: &mut Vec<String>, src: &str) -> Result<(), FormulaSyntaxError> {
    let globals: Vec<&str> = global_names().iter().copied().collect();
    paths.retain(|p| !globals.contains(&p.as_str()));
    for p in paths.iter() {
        if p.contains('.') || !is_call(src, p) {
            continue;
        }
        let suggestion = crate::yaml::did_you_mean(p, globals.iter().copied());
        let offset = src
            .find(p.as_str())
            .map(|b| src[..b].chars().count())
            .unwrap_or(0);
        return Err(FormulaSyntaxError {
            message: format!("unknown function `{p}`"),
            offset,
            width: p.chars().count(),
            suggestion: suggestion.map(|s| format!("did you mean `{s}`?")),
            help: "formula functions are the upper-case Tines names (SIZE, DEFAULT, IF, MAP, …); see the list in the formulas documentation".into(),
        });
    }
    Ok(())
}

/// Where the dotted `path` is written in `src` (character offset and width), when it is
/// written out whole and not as part of a longer name.
fn path_position(src: &str, path: &str) -> Option<(usize, usize)> {
    let is_name = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    src.match_indices(path).find_map(|(i, _)| {
        let before = src[..i].chars().next_back();
        let after = src[i + path.len()..].chars().next();
        (before.is_none_or(|c| !is_name(c))
            && after.is_none_or(|c| !(c.is_alphanumeric() || c == '_')))
        .then(|| (src[..i].chars().count(), path.chars().count()))
    })
}

/// Whether `name` appears in `src` directly followed by `(`.
fn is_call(src: &str, name: &str) -> bool {
    src.match_indices(name).any(|(i, _)| {
        let before_ok = src[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
        before_ok && src[i + name.len()..].trim_start().starts_with('(')
    })
}

fn syntax_error(src: &str, e: &minijinja::Error) -> FormulaSyntaxError {
    let detail = e.detail().unwrap_or("invalid formula").to_string();
    // Without MiniJinja's `debug` feature errors carry no column; when the input ended too
    // early the caret goes under its last character, else under the whole expression.
    let trimmed = src.trim_end().chars().count();
    let (offset, width) = if detail.starts_with("unexpected end of input") && trimmed > 0 {
        (trimmed - 1, 1)
    } else {
        (0, src.chars().count().max(1))
    };
    FormulaSyntaxError {
        // A block spanning lines would break the one-line headline; the caret shows where it is.
        message: if src.contains('\n') {
            format!("formula syntax error in this block: {detail}")
        } else {
            format!("formula syntax error in `{src}`: {detail}")
        },
        offset,
        width,
        suggestion: None,
        help: "check brackets, quotes and operators; formulas use MiniJinja expression syntax, e.g. `<<SIZE(get_tickets.body.tickets)>>`".into(),
    }
}

/// The location of characters `offset..offset + width` of the string value `node`, when the
/// file has that text verbatim on the value's line (a plain or quoted scalar without escapes
/// before it, or a JSON string pasted as it is); otherwise the whole value.
pub fn locate(source: &SourceFile, node: &Node, offset: usize, width: usize) -> Location {
    let loc = node.location;
    let (Some(line), Some(text)) = (source.line(loc.line), node.as_str()) else {
        return loc;
    };
    // Slices, not collected strings: this runs for every formula of a plan.
    let from = char_suffix(line, loc.column.saturating_sub(1) as usize);
    let quoted = from.starts_with('"') || from.starts_with('\'');
    let raw = if quoted { &from[1..] } else { from };
    let chars = offset + width.max(1);
    let Some(wanted) = char_prefix(text, chars) else {
        return loc;
    };
    if !loc.is_known() || !raw.starts_with(wanted) {
        return loc;
    }
    Location::new(
        loc.line,
        loc.column + u32::from(quoted) + offset as u32,
        width.max(1) as u32,
    )
}

/// `text` without its first `skip` characters (empty when it has fewer).
fn char_suffix(text: &str, skip: usize) -> &str {
    text.char_indices()
        .nth(skip)
        .map_or("", |(i, _)| &text[i..])
}

/// The first `count` characters of `text`, or `None` when it has fewer.
fn char_prefix(text: &str, count: usize) -> Option<&str> {
    match text.char_indices().nth(count) {
        Some((i, _)) => Some(&text[..i]),
        None => (text.chars().count() == count).then_some(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_slices_count_characters_not_bytes() {
        assert_eq!(char_suffix("héllo", 2), "llo");
        assert_eq!(char_suffix("hé", 5), "");
        assert_eq!(char_prefix("héllo", 2), Some("hé"));
        assert_eq!(char_prefix("hé", 2), Some("hé"));
        assert_eq!(char_prefix("hé", 3), None);
        assert_eq!(char_prefix("", 0), Some(""));
    }

    fn reads_only_resources_and_credentials(text: &str) -> bool {
        Compiled::from_str(text)
            .expect("formula compiles")
            .reads_only(&["RESOURCE", "CREDENTIAL"])
    }

    #[test]
    fn only_plain_paths_under_the_given_roots_read_only_them() {
        assert!(reads_only_resources_and_credentials("plain text"));
        assert!(reads_only_resources_and_credentials(
            "<<RESOURCE.api>>/tickets"
        ));
        assert!(reads_only_resources_and_credentials(
            "Bearer <<CREDENTIAL.halo>>"
        ));
        // The event, a function (different on every call) or a template: not cacheable.
        assert!(!reads_only_resources_and_credentials("<<fan_out.n>>"));
        assert!(!reads_only_resources_and_credentials("<<NOW()>>"));
        assert!(!reads_only_resources_and_credentials(
            "<<RESOURCE.api | upper>>"
        ));
        assert!(!reads_only_resources_and_credentials(
            "<% if RESOURCE.api %>x<% endif %>"
        ));
        assert!(!reads_only_resources_and_credentials(
            "<<RESOURCE.api>>/<<LOCAL.x>>"
        ));
    }
}
