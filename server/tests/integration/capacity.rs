//! Admission at order time against the real local Swarm's node (its CPUs and memory read by
//! the engine): the order form's live check day by day, an order that overbooks an event
//! day refused with the nearest dates that fit, and staff approving over capacity only with
//! a reason that reaches the order. The reserve is set so that exactly two `medium` events
//! fit at once on whatever machine runs the test. Without the engine nothing is checked.

use std::process::Command;

use serde_json::Value;

use crate::common::{Backend, Client, TestServer, email};
use crate::orders::{customer, day, form, id_of, place, staff, with};

/// `SecretKey::from_bytes([7; 32])` in base64, as `engine.secret_key_file` holds it.
const KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

/// The Swarm node's CPUs and memory in bytes, as Docker reports them.
fn node_size() -> (i64, i64) {
    let out = Command::new("docker")
        .args(["info", "--format", "{{.NCPU}} {{.MemTotal}}"])
        .output()
        .expect("docker runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace().map(|p| p.parse::<i64>().unwrap());
    (parts.next().unwrap(), parts.next().unwrap())
}

/// A medium order of `org` at `slug` with one event day `offset` days from now.
fn medium(org: i64, slug: &str, offset: u64) -> Vec<(String, String)> {
    let f = with(form(org, slug, offset - 2), "plan", "medium");
    with(f, "event_days", &format!("{} 300", day(offset)))
}

async fn availability(client: &Client, order: &[(String, String)]) -> Value {
    let field = |name: &str| {
        order
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap()
    };
    let reply = client
        .call(
            "orders/availability",
            &[
                ("plan", field("plan")),
                ("rental_start", field("rental_start")),
                ("rental_end", field("rental_end")),
                ("event_days", field("event_days")),
            ],
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.text);
    reply.body
}

fn overbooked(report: &Value) -> Vec<String> {
    report["days"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["fits"] == false)
        .map(|d| d["date"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn orders_are_admitted_against_the_swarms_capacity() {
    let (cpus, memory) = node_size();
    assert!(
        cpus >= 2 && memory >= 5 << 30,
        "needs a node with 2 CPUs and 5 GiB"
    );
    let key_dir = tempfile::tempdir().unwrap();
    let key_file = key_dir.path().join("key");
    std::fs::write(&key_file, KEY).unwrap();
    let server = TestServer::start_with(Backend::Sqlite, |s| {
        s.engine.enabled = true;
        s.engine.secret_key_file = Some(key_file.clone());
        s.engine.installation_id = format!("t-capacity-{}", std::process::id());
        // Room for exactly two medium events (1 CPU, 2 GiB each) and nothing more.
        s.capacity.headroom_percent = 0;
        s.capacity.reserved_cpus = (cpus - 2).to_string();
        s.capacity.reserved_memory = (memory - (4 << 30)).to_string();
    })
    .await;
    let admin = staff(&server).await;
    let (alice, alice_org) = customer(&server, "alice").await;
    let (bob, bob_org) = customer(&server, "bob").await;

    // The event day 20 days out: nothing booked, it fits; the days run from the rental's
    // start to its end.
    let first = medium(alice_org, "cap-one", 20);
    let report = availability(&alice, &first).await;
    assert_eq!(report["known"], true, "{report}");
    assert_eq!(report["fits"], true, "{report}");
    assert_eq!(report["days"][0]["date"], day(18));
    assert_eq!(report["days"].as_array().unwrap().len(), 5);
    assert_eq!(report["nearest"], Value::Null);

    // Two medium events that day fill the platform.
    for (client, order) in [(&alice, first), (&bob, medium(bob_org, "cap-two", 20))] {
        let placed = place(client, &order).await;
        let id = id_of(&placed);
        let approved = admin
            .call("staff/orders/approve", &[("order_id", &id)])
            .await;
        assert_eq!(approved.body["status"], "Approved", "{}", approved.text);
    }

    // A third does not fit on the event day, nor on the evening before (event mode begins
    // 12 hours early). Moved by one or two days its event mode or its quiet start (a quiet
    // instance reserves a tenth) still meets theirs; three days later it fits, and the form
    // offers those dates.
    let third = medium(alice_org, "cap-three", 20);
    let report = availability(&alice, &third).await;
    assert_eq!(report["fits"], false, "{report}");
    assert_eq!(overbooked(&report), [day(19), day(20)]);
    let day20 = report["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == day(20))
        .unwrap();
    // Customers see their own share, not how full others made the day.
    assert_eq!(
        (
            day20["booked_percent"].as_u64(),
            day20["requested_percent"].as_u64()
        ),
        (None, Some(50))
    );
    assert_eq!(report["nearest"]["event_days"], format!("{} 300", day(23)));
    assert_eq!(report["nearest"]["rental_start"], day(21));
    // Placing it anyway is refused, naming the days and the dates that fit; nothing stored.
    let refused = place(&alice, &third).await;
    let (field, message) = refused.invalid();
    assert_eq!(field, "event_days");
    assert!(
        message.contains(&day(20)) && message.contains(&format!("event days {}", day(23))),
        "{message}"
    );
    let orders = alice
        .call("orders/list", &[("org_id", &alice_org.to_string())])
        .await;
    assert_eq!(orders.body.as_array().unwrap().len(), 1, "{}", orders.text);
    // The proposed dates are accepted.
    let moved = medium(alice_org, "cap-three", 23);
    assert!(place(&alice, &moved).await.status.is_success());

    // An order placed while there was room, then overtaken by two approvals: staff see the
    // impact and may approve it only by forcing it with a reason.
    let (carol, carol_org) = customer(&server, "carol").await;
    let early = place(&carol, &medium(carol_org, "cap-early", 40)).await;
    let early_id = id_of(&early);
    for (client, org, slug) in [(&alice, alice_org, "cap-x"), (&bob, bob_org, "cap-y")] {
        let id = id_of(&place(client, &medium(org, slug, 40)).await);
        let approved = admin
            .call("staff/orders/approve", &[("order_id", &id)])
            .await;
        assert_eq!(approved.body["status"], "Approved", "{}", approved.text);
    }
    let impacts = admin.call("staff/orders/impacts", &[]).await;
    let impact = impacts
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["order_id"].as_i64().map(|id| id.to_string()).as_deref() == Some(early_id.as_str())
        })
        .unwrap_or_else(|| panic!("the pending order's impact: {}", impacts.text))["availability"]
        .clone();
    assert_eq!(impact["fits"], false, "{impact}");
    assert_eq!(overbooked(&impact), [day(39), day(40)]);
    let day40 = impact["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == day(40))
        .unwrap();
    assert_eq!(
        (
            day40["booked_percent"].as_u64(),
            day40["requested_percent"].as_u64()
        ),
        (Some(100), Some(50)),
        "staff see the load"
    );
    let plain = admin
        .call("staff/orders/approve", &[("order_id", &early_id)])
        .await;
    assert_eq!(plain.invalid().0, "force");
    assert!(plain.invalid().1.contains(&day(40)), "{}", plain.text);
    let no_reason = admin
        .call(
            "staff/orders/approve",
            &[("order_id", &early_id), ("force", "true")],
        )
        .await;
    assert_eq!(no_reason.invalid().0, "reason");
    let forced = admin
        .call(
            "staff/orders/approve",
            &[
                ("order_id", &early_id),
                ("force", "true"),
                ("reason", "second node arrives the week before"),
            ],
        )
        .await;
    assert_eq!(forced.body["status"], "Approved", "{}", forced.text);
    assert_eq!(
        forced.body["reason"],
        "approved over capacity (2 overbooked days): second node arrives the week before"
    );
    // The capacity calendar: demand per day by plan against the cluster, and the forecast —
    // day 40 now holds three medium events where two fit: one node more, 14 days before the
    // first overbooked day (the evening before, when event mode begins).
    let calendar = admin.call("staff/instances/capacity", &[]).await;
    let calendar = &calendar.body;
    assert_eq!(calendar["known"], true, "{calendar}");
    assert_eq!(calendar["nodes"], 1);
    assert_eq!(calendar["usable"]["cpu_milli"], 2000);
    let on = |offset: u64| {
        calendar["days"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["date"] == day(offset))
            .unwrap()
            .clone()
    };
    assert_eq!(on(20)["by_plan"][1]["cpu_milli"], 2000, "two medium events");
    assert_eq!(on(20)["overbooked"], false);
    assert_eq!(on(40)["by_plan"][1]["cpu_milli"], 3000);
    assert_eq!(on(40)["overbooked"], true);
    assert_eq!(calendar["add_nodes"], serde_json::json!([1, day(25)]));
    assert_eq!(calendar["days"].as_array().unwrap().len(), 90);

    // Customers cannot ask for the staff's view.
    let denied = carol.call("staff/instances/capacity", &[]).await;
    assert!(!denied.status.is_success());
    let denied = carol.call("staff/orders/impacts", &[]).await;
    assert!(!denied.status.is_success());
}

#[tokio::test]
async fn without_the_engine_capacity_is_not_checked() {
    let server = TestServer::start(Backend::Sqlite).await;
    let client = server.client();
    client
        .sign_up(&email("nocap"), crate::common::PASSWORD)
        .await;
    let org = client.first_org_id().await;
    let report = availability(&client, &medium(org, "nocap", 20)).await;
    assert_eq!(report["known"], false);
    assert_eq!(report["fits"], true);
    // Bad dates are refused with the field named.
    let bad = client
        .call(
            "orders/availability",
            &[
                ("plan", "medium"),
                ("rental_start", "someday"),
                ("rental_end", &day(3)),
                ("event_days", &format!("{} 10", day(2))),
            ],
        )
        .await;
    assert_eq!(bad.invalid().0, "rental_start");
    // Signed out: refused.
    let anonymous = server
        .client()
        .call(
            "orders/availability",
            &[
                ("plan", "medium"),
                ("rental_start", &day(1)),
                ("rental_end", &day(3)),
                ("event_days", &format!("{} 10", day(2))),
            ],
        )
        .await;
    assert!(!anonymous.status.is_success());
}

#[tokio::test]
async fn bulk_upgrades_skip_instances_in_their_update_freeze_unless_forced() {
    let server = TestServer::start(Backend::Sqlite).await;
    let admin = staff(&server).await;
    let (owner, org) = customer(&server, "freeze").await;
    // Provisioned at once (the rental starts today); event days tomorrow and in 20 days.
    let soon = with(
        form(org, "frozen", 0),
        "event_days",
        &format!("{} 50", day(1)),
    );
    let later = with(
        with(form(org, "thawed", 18), "rental_end", &day(22)),
        "event_days",
        &format!("{} 50", day(20)),
    );
    let mut ids = Vec::new();
    for order in [soon, later] {
        let placed = place(&owner, &order).await;
        let approved = admin
            .call("staff/orders/approve", &[("order_id", &id_of(&placed))])
            .await;
        assert!(approved.status.is_success(), "{}", approved.text);
        ids.push(approved.body["instance_id"].as_i64());
    }
    // The second is provisioned only when its rental starts: upgrade the first alone, and
    // an instance made without an order beside it.
    let frozen = ids[0].expect("provisioned at once").to_string();
    let plain = crate::instances::create_instance(&server, org, "plain")
        .await
        .to_string();
    let outcome = |reply: &crate::common::Reply, id: &str| {
        reply
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"].as_i64().map(|n| n.to_string()).as_deref() == Some(id))
            .unwrap_or_else(|| panic!("{id} in {}", reply.text))
            .clone()
    };
    let ask = |force: &'static str| {
        let ids = format!("{frozen},{plain}");
        let admin = &admin;
        async move {
            admin
                .call(
                    "staff/instances/upgrade",
                    &[("ids", ids.as_str()), ("version", "1.1"), ("force", force)],
                )
                .await
        }
    };
    let reply = ask("false").await;
    let skipped = outcome(&reply, &frozen);
    assert_eq!(skipped["accepted"], false);
    let message = skipped["message"].as_str().unwrap();
    assert!(
        message.starts_with("skipped") && message.contains(&day(1)),
        "{message}"
    );
    // Not frozen: it goes on to the upgrade itself (here refused: no engine).
    let other = outcome(&reply, &plain);
    assert!(
        !other["message"].as_str().unwrap().starts_with("skipped"),
        "{other}"
    );
    // Forced: the frozen one goes on too.
    let forced = ask("true").await;
    assert!(
        !outcome(&forced, &frozen)["message"]
            .as_str()
            .unwrap()
            .starts_with("skipped"),
        "{}",
        forced.text
    );
}
