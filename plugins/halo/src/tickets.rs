//! `halo.tickets`: pages through `GET /api/Tickets` (`pageinate`, `page_size` ≤ 100,
//! `page_no`, `record_count`) and returns every ticket, one event each.

use relay_plugin_sdk::serde_json::{Map, Value, from_value};
use relay_plugin_sdk::{Error, Host, HttpRequest};
use serde::Deserialize;

use crate::HaloPlugin;
use crate::credential::api_base;
use crate::rate::DEFAULT_RETRIES;

/// Halo's cap on `page_size`.
const MAX_PAGE_SIZE: u32 = 100;
const DEFAULT_MAX_PAGES: u32 = 1000;

#[derive(Debug, Deserialize)]
struct Options {
    resource_server: String,
    token: String,
    page_size: Option<u32>,
    open_only: Option<bool>,
    search: Option<String>,
    include_details: Option<bool>,
    max_pages: Option<u32>,
    max_retries: Option<u32>,
}

/// One page's tickets and the total Halo reports.
struct Page {
    tickets: Vec<Value>,
    record_count: Option<u64>,
}

pub fn list(
    plugin: &HaloPlugin,
    host: &Host<'_>,
    options: Map<String, Value>,
) -> Result<Vec<Value>, Error> {
    let o: Options = from_value(Value::Object(options))
        .map_err(|e| Error::new(format!("invalid options: {e}")))?;
    let base = api_base(&o.resource_server);
    let page_size = o.page_size.unwrap_or(MAX_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
    let max_pages = o.max_pages.unwrap_or(DEFAULT_MAX_PAGES).max(1);
    let mut all: Vec<Value> = Vec::new();
    for page_no in 1..=max_pages {
        let page = fetch(plugin, host, &o, &base, page_size, page_no)?;
        let got = page.tickets.len();
        all.extend(page.tickets);
        let complete = page
            .record_count
            .is_some_and(|total| all.len() as u64 >= total);
        if got < page_size as usize || complete {
            return Ok(all);
        }
    }
    host.warn(&format!(
        "stopped after max_pages ({max_pages}) pages of {page_size} tickets; raise `max_pages` to get the rest"
    ));
    Ok(all)
}

fn fetch(
    plugin: &HaloPlugin,
    host: &Host<'_>,
    o: &Options,
    base: &str,
    page_size: u32,
    page_no: u32,
) -> Result<Page, Error> {
    let url = format!("{base}/api/Tickets");
    let mut request = HttpRequest::get(url.clone())
        .header("authorization", format!("Bearer {}", o.token))
        .header("accept", "application/json")
        .query("pageinate", "true")
        .query("page_size", page_size.to_string())
        .query("page_no", page_no.to_string());
    if o.open_only == Some(true) {
        request = request.query("open_only", "true");
    }
    if let Some(s) = &o.search {
        request = request.query("search", s.clone());
    }
    if o.include_details == Some(true) {
        request = request.query("includedetails", "true");
    }
    let what = format!("page {page_no} of GET {url}");
    let response = plugin.limiter.send(
        host,
        &request,
        o.max_retries.unwrap_or(DEFAULT_RETRIES),
        &what,
    )?;
    match response.status {
        200 => {}
        401 => {
            return Err(Error::new(format!(
                "Halo refused the access token (HTTP 401 on GET {url}): the token is expired or revoked, or `token` is not <<CREDENTIAL.…>> of a halo credential"
            )));
        }
        status => {
            let snippet: String = response.body.chars().take(200).collect();
            return Err(Error::new(format!(
                "{what} returned HTTP {status}: {snippet}"
            )));
        }
    }
    let body = response
        .json()
        .map_err(|e| Error::new(format!("{what} returned invalid JSON: {e}")))?;
    parse_page(&body).ok_or_else(|| Error::new(format!("{what} returned no `tickets` list")))
}

fn parse_page(body: &Value) -> Option<Page> {
    Some(Page {
        tickets: body.get("tickets")?.as_array()?.clone(),
        record_count: body.get("record_count").and_then(Value::as_u64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use relay_plugin_sdk::serde_json::json;

    #[test]
    fn a_page_needs_a_tickets_list() {
        let p = parse_page(&json!({"page_no": 1, "record_count": 3, "tickets": [{"id": 1}]}))
            .expect("page");
        assert_eq!(p.tickets.len(), 1);
        assert_eq!(p.record_count, Some(3));
        assert!(parse_page(&json!({"record_count": 3})).is_none());
        assert!(parse_page(&json!({"tickets": {}})).is_none());
    }
}
