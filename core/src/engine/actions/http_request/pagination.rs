//! `pagination:` of an `http_request`: request page after page while a formula holds.

use crate::formula::Compiled;
use crate::plan::OptionPlanner;
use crate::yaml::{MapReader, Node};

const KEYS: &[&str] = &["next", "while", "max_pages", "output"];
const NEXT_KEYS: &[&str] = &["url", "payload", "headers"];
/// Pages fetched at most when `max_pages` is not given.
pub const DEFAULT_MAX_PAGES: usize = 100;

/// A planned `pagination:`.
#[derive(Debug)]
pub struct Pagination {
    /// Replaces `url` for the following pages.
    pub url: Option<Compiled>,
    /// Merged over `payload` (key by key when both are mappings) for the following pages.
    pub payload: Option<Compiled>,
    /// Merged over `headers` for the following pages.
    pub headers: Option<Compiled>,
    /// Another page is requested while this is true.
    pub while_: Compiled,
    pub max_pages: usize,
    /// `output: combined`: one result whose `body` is the list of page bodies.
    pub combined: bool,
}

impl Pagination {
    pub fn plan(p: &mut OptionPlanner<'_>, node: &Node) -> Option<Pagination> {
        let what = format!("`pagination` of action `{}`", p.slug);
        let r = MapReader::new(p.source, node, what.clone(), KEYS, p.diags)?;
        let while_node = r.required(
            "while",
            "add `while:`, a formula that is true while there are more pages, e.g. `=(PAGINATE.index + 1) * 100 < PAGINATE.previous_response.body.record_count`",
            p.diags,
        );
        let max_pages = r
            .integer("max_pages", 1, 100_000, p.diags)
            .map(|n| n as usize)
            .unwrap_or(DEFAULT_MAX_PAGES);
        let combined = match r.string("output", p.diags) {
            None | Some("each") => false,
            Some("combined") => true,
            Some(other) => {
                p.error(r.get("output")?.location, format!("unknown pagination output `{other}` in action `{}`", p.slug), "use `each` (one result per page, the default) or `combined` (one result whose body is the list of page bodies)");
                return None;
            }
        };
        let next_node = r.required("next", "add `next:` with what changes from page to page (`url`, `payload` or `headers`), e.g. `next: {payload: {page_no: =PAGINATE.index + 2}}`", p.diags);
        let while_ = p.formula(while_node?, "pagination.while", false)?;
        let next = MapReader::new(
            p.source,
            next_node?,
            format!("`pagination.next` of action `{}`", p.slug),
            NEXT_KEYS,
            p.diags,
        )?;
        let url = match next.get("url") {
            Some(n) => Some(p.formula(n, "pagination.next.url", true)?),
            None => None,
        };
        let payload = match next.get("payload") {
            Some(n) => Some(p.formula(n, "pagination.next.payload", true)?),
            None => None,
        };
        let headers = match next.get("headers") {
            Some(n) => Some(p.formula(n, "pagination.next.headers", true)?),
            None => None,
        };
        Some(Pagination {
            url,
            payload,
            headers,
            while_,
            max_pages,
            combined,
        })
    }
}
