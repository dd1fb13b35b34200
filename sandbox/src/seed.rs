//! Deterministic, realistic seeded tickets: ticket `id` always looks the same.

use serde_json::{Map, Value, json};

use crate::time::iso_utc;

const SUMMARIES: &[&str] = &[
    "Outlook keeps asking for password",
    "VPN disconnects every few minutes",
    "New starter: laptop and accounts",
    "Printer on 2nd floor offline",
    "Cannot access shared drive S:",
    "MFA prompt not arriving on phone",
    "Teams calls drop after 30 seconds",
    "Request: Adobe Acrobat Pro licence",
    "Suspicious email reported by user",
    "Laptop battery swelling",
    "Wi-Fi slow in meeting room B",
    "Password reset for finance mailbox",
    "Backup job failed on FS01",
    "Leaver: disable accounts and recover kit",
    "Monitor flickering at reception",
    "Disk space low on SQL02",
];

const CLIENTS: &[(u64, &str)] = &[
    (12, "Acme Corporation"),
    (17, "Globex Ltd"),
    (23, "Initech"),
    (31, "Umbrella Pharma"),
    (42, "Stark Industries"),
    (57, "Wayne Enterprises"),
];

const USERS: &[&str] = &[
    "Alice Morgan",
    "Ben Carter",
    "Chloe Nguyen",
    "Dev Patel",
    "Emma Schultz",
    "Farid Haddad",
    "Grace O'Neill",
    "Hiro Tanaka",
];

const CATEGORIES: &[&str] = &[
    "Software>Email",
    "Network>VPN",
    "Hardware>Laptop",
    "Hardware>Printer",
    "Security>Phishing",
    "Accounts>Access",
];

/// Halo's default "Closed" status; `open_only` excludes it.
pub const STATUS_CLOSED: u64 = 9;

// New, In Progress, Action Required, With User, Updated, and Closed three times in ten.
const STATUSES: &[u64] = &[
    1,
    1,
    2,
    2,
    3,
    4,
    5,
    STATUS_CLOSED,
    STATUS_CLOSED,
    STATUS_CLOSED,
];

const TEAMS: &[&str] = &["1st Line Support", "2nd Line Support", "Projects"];

/// 2025-01-06T08:00:00Z: the first seeded ticket is logged shortly after.
const SEED_EPOCH: i64 = 1_736_150_400;

/// SplitMix64: a well-mixed, dependency-free hash of the ticket id.
fn mix(id: u64) -> u64 {
    let mut z = id.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn pick<T: Copy>(items: &[T], h: u64) -> T {
    // Slices here are non-empty constants and far smaller than u64::MAX.
    items[(h % items.len() as u64) as usize]
}

/// The seeded ticket with this id, as Halo's ticket JSON object.
pub fn seeded_ticket(id: u64) -> Map<String, Value> {
    let h = mix(id);
    let summary = pick(SUMMARIES, h);
    let (client_id, client_name) = pick(CLIENTS, h >> 8);
    let user_name = pick(USERS, h >> 16);
    let user_id = 100 + (h >> 16) % USERS.len() as u64 + 10 * client_id;
    let priority_id = 1 + (h >> 24) % 4;
    let status_id = pick(STATUSES, h >> 28);
    let tickettype_id = pick(&[1u64, 1, 1, 3, 3, 4], h >> 32);
    let agent_id = (h >> 36) % 6; // 0 = unassigned
    let occurred =
        SEED_EPOCH + i64::try_from(id).unwrap_or(0).saturating_mul(2820) + ((h >> 40) % 600) as i64;
    let last_action = occurred + ((h >> 44) % 86_400) as i64;
    let deadline_hours = [4, 8, 24, 72][(priority_id - 1) as usize];
    let deadline = occurred + deadline_hours * 3600;
    let details = format!(
        "{user_name} from {client_name} reports: {summary}. Logged via the portal; \
         the user can be reached on the number in their profile."
    );
    let value = json!({
        "id": id,
        "dateoccurred": iso_utc(occurred),
        "summary": summary,
        "details": details,
        "status_id": status_id,
        "tickettype_id": tickettype_id,
        "sla_id": 1,
        "priority_id": priority_id,
        "client_id": client_id,
        "client_name": client_name,
        "site_id": client_id * 10 + 1,
        "site_name": "Head Office",
        "user_id": user_id,
        "user_name": user_name,
        "agent_id": agent_id,
        "team": pick(TEAMS, h >> 48),
        "category_1": pick(CATEGORIES, h >> 52),
        "impact": 1 + (h >> 56) % 3,
        "urgency": 1 + (h >> 58) % 3,
        "onhold": false,
        "inactive": false,
        "deadlinedate": iso_utc(deadline),
        "lastactiondate": iso_utc(last_action),
        "estimate": 0.0,
        "timetaken": ((h >> 60) % 8) as f64 * 0.25,
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Defaults Halo fills in for a ticket created through the API with only some fields given.
pub fn new_ticket_defaults(id: u64, now_unix: i64) -> Map<String, Value> {
    let now = iso_utc(now_unix);
    let value = json!({
        "id": id,
        "dateoccurred": now,
        "summary": "",
        "details": "",
        "status_id": 1,
        "tickettype_id": 1,
        "sla_id": 1,
        "priority_id": 4,
        "client_id": 0,
        "client_name": "",
        "site_id": 0,
        "site_name": "",
        "user_id": 0,
        "user_name": "",
        "agent_id": 0,
        "team": "",
        "category_1": "",
        "onhold": false,
        "inactive": false,
        "lastactiondate": now,
        "estimate": 0.0,
        "timetaken": 0.0,
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_tickets_are_deterministic_and_plausible() {
        assert_eq!(seeded_ticket(7), seeded_ticket(7));
        assert_ne!(seeded_ticket(7), seeded_ticket(8));
        let mut statuses = std::collections::HashSet::new();
        for id in 1..=200 {
            let t = seeded_ticket(id);
            assert_eq!(t["id"], id);
            let p = t["priority_id"].as_u64().expect("priority");
            assert!((1..=4).contains(&p));
            statuses.insert(t["status_id"].as_u64().expect("status"));
            assert!(t["summary"].as_str().is_some_and(|s| !s.is_empty()));
            assert!(
                t["dateoccurred"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("2025-") && s.ends_with('Z'))
            );
        }
        // Both open and closed tickets exist, so open_only has something to filter.
        assert!(statuses.contains(&STATUS_CLOSED));
        assert!(statuses.len() >= 4);
    }

    #[test]
    fn dates_increase_with_id() {
        let a = seeded_ticket(10)["dateoccurred"]
            .as_str()
            .map(str::to_owned);
        let b = seeded_ticket(11)["dateoccurred"]
            .as_str()
            .map(str::to_owned);
        assert!(a < b);
    }
}
