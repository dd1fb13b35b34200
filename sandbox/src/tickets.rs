//! The tenant's tickets: listing with Halo's filters and paging, lookup, create and update.

use std::sync::Arc;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::seed::{STATUS_CLOSED, new_ticket_defaults, seeded_ticket};

/// One ticket object, shared so a page can be serialised outside the state lock.
pub type Ticket = Arc<Map<String, Value>>;

/// Halo's cap on `page_size`: larger values are silently clamped.
pub const MAX_PAGE_SIZE: usize = 100;
/// `page_size` when `pageinate=true` comes without one.
pub const DEFAULT_PAGE_SIZE: usize = 50;

/// The filters and paging of one `GET /api/Tickets`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketQuery {
    /// Exclude closed tickets.
    pub open_only: bool,
    /// Case-insensitive text to find in summary, details, client or user name.
    pub search: Option<String>,
    /// `(page_size, page_no)` when `pageinate=true`; page numbers start at 1.
    pub page: Option<(usize, usize)>,
    /// Halo's `count`: at most this many tickets when not paginating.
    pub count: Option<usize>,
}

/// The matching tickets of one list request.
#[derive(Debug, Clone)]
pub struct TicketPage {
    /// Number of tickets matching the filters, over all pages.
    pub record_count: usize,
    /// The tickets on this page (all matches when not paginating).
    pub tickets: Vec<Ticket>,
}

/// Why a POSTed batch was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    /// Malformed: not objects, empty, or a bad id.
    Invalid(String),
    /// An update names a ticket that does not exist.
    Missing(u64),
}

/// Every ticket of the tenant; ticket `id` lives at index `id - 1`.
#[derive(Debug, Default)]
pub struct TicketStore {
    tickets: Vec<Ticket>,
}

impl TicketStore {
    /// A store holding seeded tickets `1..=count`.
    pub fn seeded(count: usize) -> Self {
        let tickets = (1..=count as u64)
            .map(|id| Arc::new(seeded_ticket(id)))
            .collect();
        TicketStore { tickets }
    }

    /// Number of tickets.
    pub fn len(&self) -> usize {
        self.tickets.len()
    }

    /// The ticket with this id.
    pub fn get(&self, id: u64) -> Option<Ticket> {
        let index = usize::try_from(id.checked_sub(1)?).ok()?;
        self.tickets.get(index).cloned()
    }

    /// The tickets matching `query`, in id order, paged as asked.
    pub fn list(&self, query: &TicketQuery) -> TicketPage {
        let needle = query
            .search
            .as_deref()
            .map(str::to_lowercase)
            .filter(|s| !s.is_empty());
        let matches = |t: &&Ticket| {
            if query.open_only && t.get("status_id").and_then(Value::as_u64) == Some(STATUS_CLOSED)
            {
                return false;
            }
            needle.as_deref().is_none_or(|n| search_hit(t, n))
        };
        if query.open_only || needle.is_some() {
            let all: Vec<&Ticket> = self.tickets.iter().filter(matches).collect();
            let record_count = all.len();
            let tickets = select(all.into_iter(), record_count, query);
            TicketPage {
                record_count,
                tickets,
            }
        } else {
            // The common unfiltered case pages without walking every ticket.
            let record_count = self.tickets.len();
            TicketPage {
                record_count,
                tickets: select(self.tickets.iter(), record_count, query),
            }
        }
    }

    /// Validates a POSTed batch before anything is applied, so a bad element changes nothing.
    pub fn check_batch(&self, batch: &[Value]) -> Result<(), BatchError> {
        if batch.is_empty() {
            return Err(BatchError::Invalid(
                "the request body is an empty array".to_owned(),
            ));
        }
        for (i, item) in batch.iter().enumerate() {
            let Some(obj) = item.as_object() else {
                return Err(BatchError::Invalid(format!(
                    "element {i} is not a ticket object"
                )));
            };
            if let Some(id) = existing_id(obj).map_err(BatchError::Invalid)?
                && self.get(id).is_none()
            {
                return Err(BatchError::Missing(id));
            }
        }
        Ok(())
    }

    /// Creates (no `id`, or `id` 0) or updates (existing `id`) one ticket; `true` when created.
    /// Call [`TicketStore::check_batch`] first.
    pub fn upsert(&mut self, fields: &Map<String, Value>, now_unix: i64) -> (Ticket, bool) {
        match existing_id(fields)
            .ok()
            .flatten()
            .and_then(|id| Some((id, self.get(id)?)))
        {
            Some((id, old)) => {
                let mut merged = (*old).clone();
                merged.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
                merged.insert("id".to_owned(), Value::from(id));
                let ticket = Arc::new(merged);
                if let Some(slot) = usize::try_from(id - 1)
                    .ok()
                    .and_then(|i| self.tickets.get_mut(i))
                {
                    *slot = ticket.clone();
                }
                (ticket, false)
            }
            None => {
                let id = self.tickets.len() as u64 + 1;
                let mut ticket = new_ticket_defaults(id, now_unix);
                ticket.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
                ticket.insert("id".to_owned(), Value::from(id));
                let ticket = Arc::new(ticket);
                self.tickets.push(ticket.clone());
                (ticket, true)
            }
        }
    }
}

/// The id of an update, `None` for a create; Halo treats a missing, null or 0 id as "new".
fn existing_id(obj: &Map<String, Value>) -> Result<Option<u64>, String> {
    match obj.get("id") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        {
            Some(0) => Ok(None),
            Some(id) => Ok(Some(id)),
            None => Err(format!("invalid ticket id {v}")),
        },
    }
}

fn search_hit(t: &Ticket, needle: &str) -> bool {
    ["summary", "details", "client_name", "user_name"]
        .iter()
        .any(|field| {
            t.get(*field)
                .and_then(Value::as_str)
                .is_some_and(|s| s.to_lowercase().contains(needle))
        })
        || t.get("id")
            .and_then(Value::as_u64)
            .is_some_and(|id| id.to_string() == needle)
}

fn select<'a>(
    matches: impl Iterator<Item = &'a Ticket>,
    total: usize,
    q: &TicketQuery,
) -> Vec<Ticket> {
    let (skip, take) = match (q.page, q.count) {
        (Some((size, no)), _) => (size.saturating_mul(no.saturating_sub(1)), size),
        (None, Some(count)) => (0, count),
        (None, None) => (0, total),
    };
    matches.skip(skip).take(take).cloned().collect()
}

/// A ticket as listed by `GET /api/Tickets`: Halo leaves `details` out unless `includedetails=true`.
pub struct Listed<'a> {
    /// The ticket.
    pub ticket: &'a Map<String, Value>,
    /// Keep the `details` field.
    pub include_details: bool,
}

impl Serialize for Listed<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (k, v) in self.ticket {
            if self.include_details || k != "details" {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids(page: &TicketPage) -> Vec<u64> {
        page.tickets
            .iter()
            .filter_map(|t| t["id"].as_u64())
            .collect()
    }

    #[test]
    fn pages_cover_all_tickets_once() {
        let s = TicketStore::seeded(7);
        let q = |no| TicketQuery {
            page: Some((3, no)),
            ..TicketQuery::default()
        };
        assert_eq!(ids(&s.list(&q(1))), [1, 2, 3]);
        assert_eq!(ids(&s.list(&q(3))), [7]);
        let past = s.list(&q(4));
        assert_eq!((past.record_count, past.tickets.len()), (7, 0));
        assert_eq!(ids(&s.list(&TicketQuery::default())), [1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(
            ids(&s.list(&TicketQuery {
                count: Some(2),
                ..TicketQuery::default()
            })),
            [1, 2]
        );
    }

    #[test]
    fn open_only_and_search_filter_and_count() {
        let s = TicketStore::seeded(100);
        let open = s.list(&TicketQuery {
            open_only: true,
            ..TicketQuery::default()
        });
        assert!(open.record_count > 0 && open.record_count < 100);
        assert!(open.tickets.iter().all(|t| t["status_id"] != STATUS_CLOSED));
        let vpn = s.list(&TicketQuery {
            search: Some("vPn".into()),
            ..TicketQuery::default()
        });
        assert!(vpn.record_count > 0);
        // Seeded details repeat the summary, so every hit mentions VPN there.
        assert!(
            vpn.tickets
                .iter()
                .all(|t| t["details"].as_str().is_some_and(|x| x.contains("VPN")))
        );
        let paged = s.list(&TicketQuery {
            search: Some("vpn".into()),
            page: Some((1, 1)),
            ..TicketQuery::default()
        });
        assert_eq!(
            (paged.record_count, paged.tickets.len()),
            (vpn.record_count, 1)
        );
        let none = s.list(&TicketQuery {
            search: Some("zzz-nothing".into()),
            ..TicketQuery::default()
        });
        assert_eq!(none.record_count, 0);
    }

    #[test]
    fn upsert_creates_with_new_ids_and_updates_existing() {
        let mut s = TicketStore::seeded(2);
        let new = json!({"summary": "Disk full", "priority_id": 1});
        let (t, created) = s.upsert(new.as_object().expect("object"), 0);
        assert!(created);
        assert_eq!(
            (
                t["id"].as_u64(),
                t["summary"].as_str(),
                t["status_id"].as_u64()
            ),
            (Some(3), Some("Disk full"), Some(1))
        );
        let upd = json!({"id": 1, "status_id": 9});
        let (t, created) = s.upsert(upd.as_object().expect("object"), 0);
        assert!(!created);
        assert_eq!(t["status_id"], 9);
        assert_eq!(s.get(1).map(|t| t["status_id"].clone()), Some(json!(9)));
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn batch_check_rejects_bad_elements() {
        let s = TicketStore::seeded(2);
        assert!(s.check_batch(&[]).is_err());
        assert!(s.check_batch(&[json!("x")]).is_err());
        assert_eq!(
            s.check_batch(&[json!({"id": 99})]),
            Err(BatchError::Missing(99))
        );
        assert!(s.check_batch(&[json!({"id": "abc"})]).is_err());
        assert!(
            s.check_batch(&[json!({"id": 0, "summary": "a"}), json!({"id": 2})])
                .is_ok()
        );
    }

    #[test]
    fn listing_hides_details_unless_asked() {
        let t = seeded_ticket(1);
        let brief = serde_json::to_value(Listed {
            ticket: &t,
            include_details: false,
        })
        .expect("json");
        assert!(brief.get("details").is_none() && brief.get("summary").is_some());
        let full = serde_json::to_value(Listed {
            ticket: &t,
            include_details: true,
        })
        .expect("json");
        assert!(full.get("details").is_some());
    }
}
