//! The workflow files and `relay.yaml` the benchmarks run, generated as text.

use std::fmt::Write;

/// `relay.yaml` for the sandbox at `base_url` (`http://127.0.0.1:PORT`): the `halo_api`
/// resource and a `text` credential `halo` read from `HALO_ACCESS_TOKEN`, allowed for `host`.
pub fn relay_config(base_url: &str, host: &str) -> String {
    format!(
        "resources:\n  halo_api: {base_url}\ncredentials:\n  halo:\n    type: text\n    env: HALO_ACCESS_TOKEN\n    allowed_hosts: [\"{host}\"]\n"
    )
}

/// Query string of every benchmark ticket request: one ticket, so the response stays small
/// and the figures measure the client, not the sandbox serializing 250 tickets.
pub const TICKETS_QUERY: &str = "count=1";

/// `K` authenticated `GET /api/Tickets` requests, `concurrency` at a time: an explode of
/// `range(k) | list` (`range` alone is a lazy iterable that explode rejects; `k` comes from `--input '{"k": K}'`) feeding one `http_request`.
pub fn requests_workflow(concurrency: usize) -> String {
    format!(
        r#"name: Bench requests
concurrency: {concurrency}
actions:
  - name: Fan out
    type: event_transform
    options:
      mode: explode
      path: <<range(k) | list>>
      to: n
      limit: 100000
  - name: Get tickets
    type: http_request
    options:
      url: <<RESOURCE.halo_api>>/api/Tickets
      method: get
      headers:
        Authorization: Bearer <<CREDENTIAL.halo>>
      payload:
        count: 1
"#
    )
}

/// One authenticated `GET /api/Tickets`: the cold-start scenario.
pub fn single_request_workflow() -> String {
    r#"name: Bench one request
actions:
  - name: Get tickets
    type: http_request
    options:
      url: <<RESOURCE.halo_api>>/api/Tickets
      method: get
      headers:
        Authorization: Bearer <<CREDENTIAL.halo>>
      payload:
        count: 1
"#
    .to_owned()
}

/// How the memory workflow's last step checks the implode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImplodeCheck {
    /// Emit the imploded event when it holds `expected` items (a leaf event of the whole
    /// data set: only for small sanity runs).
    EmitWhenComplete,
    /// Emit only when the count is wrong, so a correct run prints `[]` instead of the data
    /// set twice over (the entry event and the imploded list are in the leaf's lineage).
    EmitWhenWrong,
}

/// Explode `items` from the entry event (`--input @FILE`), pass each through a trigger,
/// implode them back, and check the imploded count against `expected`.
pub fn explode_workflow(expected: usize, check: ImplodeCheck) -> String {
    let rule = match check {
        ImplodeCheck::EmitWhenComplete => "field==value",
        ImplodeCheck::EmitWhenWrong => "field!=value",
    };
    format!(
        r#"name: Bench explode
actions:
  - name: Explode items
    type: event_transform
    options:
      mode: explode
      path: <<items>>
      to: item
      limit: 10000000
  - name: Keep item
    type: trigger
    options:
      rules:
        - type: field>=value
          value: "0"
          path: <<explode_items.item.id>>
  - name: Implode items
    type: event_transform
    options:
      mode: implode
      item_path: <<explode_items.item>>
      guid_path: <<explode_items.guid>>
      size_path: <<explode_items.size>>
  - name: Check count
    type: trigger
    options:
      rules:
        - type: {rule}
          value: "{expected}"
          path: <<SIZE(implode_items.items)>>
"#
    )
}

/// A chain of `count` actions (no `links:`, so file order) cycling through an authenticated
/// `http_request`, a `message_only` transform and a `trigger`, each reading the previous
/// action's result: what `relay validate` and plan building have to check for a big workflow.
pub fn chain_workflow(count: usize) -> String {
    let mut out =
        String::from("name: Bench chain\ndescription: generated for the benchmarks\nactions:\n");
    for i in 0..count {
        let from = format!("step_{}", i.saturating_sub(1));
        let _ = writeln!(out, "  - name: Step {i}");
        match i % 3 {
            0 => {
                let _ = write!(
                    out,
                    r#"    type: http_request
    options:
      url: <<RESOURCE.halo_api>>/api/Tickets
      method: get
      headers:
        Authorization: Bearer <<CREDENTIAL.halo>>
        X-Step: "{i}"
      payload:
        count: 1
        search: {search}
"#,
                    search = if i == 0 {
                        "<<RESOURCE.halo_api>>".to_owned()
                    } else {
                        format!("<<{from}.rule_matched>>")
                    }
                );
            }
            1 => {
                let _ = write!(
                    out,
                    r#"    type: event_transform
    options:
      mode: message_only
      payload:
        status: <<{from}.status>>
        first: <<{from}.body.tickets[0].id>>
        summary: "Ticket <<{from}.body.tickets[0].id>>: <<UPCASE({from}.body.tickets[0].summary)>>"
"#
                );
            }
            _ => {
                let _ = write!(
                    out,
                    r#"    type: trigger
    options:
      rules:
        - type: field>=value
          value: "1"
          path: <<{from}.first>>
"#
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_has_the_requested_number_of_actions_each_reading_its_predecessor() {
        let text = chain_workflow(7);
        assert_eq!(text.matches("  - name: Step ").count(), 7);
        assert!(text.contains("<<step_0.status>>"));
        assert!(text.contains("<<step_1.first>>"));
        assert!(text.contains("search: <<step_2.rule_matched>>"));
        assert!(text.contains("search: <<RESOURCE.halo_api>>"));
        assert!(!text.contains("step_7"));
    }

    #[test]
    fn implode_check_rule_follows_the_mode() {
        assert!(
            explode_workflow(5, ImplodeCheck::EmitWhenWrong)
                .contains("type: field!=value\n          value: \"5\"")
        );
        assert!(explode_workflow(5, ImplodeCheck::EmitWhenComplete).contains("type: field==value"));
    }

    #[test]
    fn config_allows_the_credential_for_the_sandbox_host_only() {
        let c = relay_config("http://127.0.0.1:9", "127.0.0.1:9");
        assert!(c.contains("halo_api: http://127.0.0.1:9\n"));
        assert!(c.contains("allowed_hosts: [\"127.0.0.1:9\"]"));
        assert!(c.contains("env: HALO_ACCESS_TOKEN"));
    }
}
