//! Orphans: objects with this installation's labels but no instance in the database are
//! reported, and removed only once the grace period is over. Objects of known instances,
//! of other installations or without Plenum's labels are never touched.

use std::time::Duration;

use engine::controller::OrphanTracker;

use crate::harness::{Harness, docker};

fn labels(installation: &str, instance: i64) -> Vec<String> {
    [
        "org.plenum.managed=true".to_owned(),
        format!("org.plenum.installation={installation}"),
        format!("org.plenum.instance={instance}"),
    ]
    .into_iter()
    .flat_map(|l| ["--label".to_owned(), l])
    .collect()
}

fn create(kind: &str, name: &str, labels: &[String]) {
    let mut args: Vec<&str> = vec![kind, "create"];
    args.extend(labels.iter().map(String::as_str));
    if kind == "network" {
        args.extend(["--driver", "overlay"]);
    }
    if kind == "volume" {
        args.extend(["--name", name]);
    } else {
        args.push(name);
    }
    docker(&args).unwrap();
}

fn exists(kind: &str, name: &str) -> bool {
    docker(&[kind, "inspect", name]).is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orphans_are_removed_only_after_the_grace_period() {
    let h = Harness::with("orph", |_| {}, false).await;
    let i = &h.installation;
    // A known instance (in the database, not provisioned) with one labelled volume.
    let known = h.engine.create(h.demo("delta", "1.0"), None).await.unwrap();
    let orphan_id = known.id + 1000;
    let names = [
        format!("{i}-orphan-net"),
        format!("{i}-orphan-vol"),
        format!("{i}-known-vol"),
        format!("{i}-foreign-net"),
        format!("{i}-other-net"),
    ];
    create("network", &names[0], &labels(i, orphan_id));
    create("volume", &names[1], &labels(i, orphan_id));
    create("volume", &names[2], &labels(i, known.id));
    // No Plenum labels at all, and another installation's labels.
    create("network", &names[3], &[]);
    create(
        "network",
        &names[4],
        &labels(&format!("{i}-other"), orphan_id),
    );

    let mut tracker = OrphanTracker::default();
    let first = tracker
        .sweep(&h.ctx, Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(first.reported, vec![orphan_id]);
    assert!(first.removed.is_empty());
    assert!(names.iter().take(2).all(|n| exists(
        if n.ends_with("net") {
            "network"
        } else {
            "volume"
        },
        n
    )));

    let second = tracker.sweep(&h.ctx, Duration::ZERO).await.unwrap();
    assert_eq!(second.removed, vec![orphan_id]);
    assert!(second.reported.is_empty());
    assert!(!exists("network", &names[0]), "orphaned network kept");
    assert!(!exists("volume", &names[1]), "orphaned volume kept");
    assert!(
        exists("volume", &names[2]),
        "a known instance's volume was removed"
    );
    assert!(
        exists("network", &names[3]),
        "an unlabelled network was removed"
    );
    assert!(
        exists("network", &names[4]),
        "another installation's network was removed"
    );

    docker(&["network", "rm", &names[3], &names[4]]).unwrap();
    h.finish().await;
}
