use super::*;

const JOB: &str = "pl1_migrate-abc";

fn tags(tags: &[&str]) -> BTreeSet<String> {
    tags.iter().map(|t| (*t).to_owned()).collect()
}

fn job(name: &str, tag: &str, state: JobState) -> ObservedJob {
    ObservedJob {
        name: name.to_owned(),
        id: format!("id-{name}"),
        tag: tag.to_owned(),
        state,
        lost: false,
    }
}

fn gate(declared: bool, running: &[&str], jobs: &[ObservedJob]) -> MigrationPlan {
    plan_migration(&MigrationInputs {
        declared,
        runs: true,
        desired_tag: "1.1",
        job_name: JOB,
        running_tags: &tags(running),
        jobs,
    })
}

fn update(name: &str, change: ServiceChange) -> Step {
    Step::UpdateService {
        short: name.to_owned(),
        name: format!("pl1_{name}"),
        id: format!("id-{name}"),
        version: 3,
        change,
    }
}

#[test]
fn nothing_to_migrate_when_services_run_the_desired_tag_or_none_is_declared() {
    let open = MigrationPlan {
        gate: Gate::Open,
        remove: Vec::new(),
    };
    assert_eq!(gate(true, &["1.1"], &[]), open);
    assert_eq!(
        gate(true, &[], &[]),
        open,
        "a new instance has nothing to migrate"
    );
    assert_eq!(gate(false, &["1.0"], &[]), open);
}

#[test]
fn an_upgrade_creates_the_job_then_waits_for_it() {
    assert_eq!(
        gate(true, &["1.0"], &[]).gate,
        Gate::Create {
            name: JOB.to_owned(),
            tag: "1.1".to_owned()
        }
    );
    let stopped = plan_migration(&MigrationInputs {
        declared: true,
        runs: false,
        desired_tag: "1.1",
        job_name: JOB,
        running_tags: &tags(&["1.0"]),
        jobs: &[],
    });
    assert_eq!(stopped.gate, Gate::Deferred);
    assert_eq!(
        stopped.status("1.1", "1.0"),
        None,
        "a stopped instance stays stopped"
    );
    assert_eq!(
        gate(true, &["1.0", "1.1"], &[job(JOB, "1.1", JobState::Running)]),
        MigrationPlan {
            gate: Gate::Running {
                name: JOB.to_owned()
            },
            remove: Vec::new(),
        }
    );
    let running = gate(true, &["1.0"], &[job(JOB, "1.1", JobState::Running)]);
    assert_eq!(
        running.status("1.1", "1.0").map(|r| r.status),
        Some(Status::Provisioning)
    );
}

#[test]
fn a_completed_job_opens_the_gate_and_is_removed_once_services_run_the_tag() {
    let completed = [job(JOB, "1.1", JobState::Completed)];
    assert_eq!(
        gate(true, &["1.0"], &completed),
        MigrationPlan {
            gate: Gate::Open,
            remove: Vec::new(),
        }
    );
    assert_eq!(
        gate(true, &["1.1"], &completed),
        MigrationPlan {
            gate: Gate::Open,
            remove: vec![(JOB.to_owned(), format!("id-{JOB}"))],
        }
    );
}

#[test]
fn a_failed_job_keeps_the_gate_closed_with_its_reason() {
    let failed = [job(JOB, "1.1", JobState::Failed("exit 1".to_owned()))];
    let plan = gate(true, &["1.0"], &failed);
    let report = plan.status("1.1", "1.0").unwrap();
    assert_eq!(report.status, Status::Failed);
    assert_eq!(
        report.reason.as_deref(),
        Some(
            "the migration to 1.1 failed (job pl1_migrate-abc: exit 1); the services still run 1.0"
        )
    );
    assert_eq!(
        plan,
        MigrationPlan {
            gate: Gate::Failed {
                name: JOB.to_owned(),
                reason: "exit 1".to_owned()
            },
            remove: Vec::new(),
        }
    );
}

#[test]
fn jobs_for_other_tags_are_removed() {
    let jobs = [
        job(
            "pl1_migrate-old",
            "1.2",
            JobState::Failed("exit 1".to_owned()),
        ),
        job(JOB, "1.1", JobState::Running),
    ];
    let plan = gate(true, &["1.0"], &jobs);
    assert_eq!(
        plan.gate,
        Gate::Running {
            name: JOB.to_owned()
        }
    );
    assert_eq!(
        plan.remove,
        [(
            "pl1_migrate-old".to_owned(),
            "id-pl1_migrate-old".to_owned()
        )]
    );
}

#[test]
fn a_closed_gate_holds_service_creations_and_spec_updates_only() {
    let steps = vec![
        Step::CreateSecret {
            short: "pw".to_owned(),
            name: "pl1_pw_aaaa".to_owned(),
        },
        Step::CreateService {
            short: "worker".to_owned(),
            name: "pl1_worker".to_owned(),
        },
        update("web", ServiceChange::Spec),
        update(
            "db",
            ServiceChange::Replicas {
                from: Some(1),
                to: 0,
            },
        ),
    ];
    let closed = gate(
        true,
        &["1.0"],
        &[job("pl1_migrate-old", "1.2", JobState::Running)],
    );
    assert_eq!(
        closed.steps(steps.clone()),
        [
            steps[0].clone(),
            update(
                "db",
                ServiceChange::Replicas {
                    from: Some(1),
                    to: 0
                }
            ),
            Step::CreateMigrationJob {
                name: JOB.to_owned(),
                tag: "1.1".to_owned()
            },
            Step::RemoveMigrationJob {
                name: "pl1_migrate-old".to_owned(),
                id: "id-pl1_migrate-old".to_owned()
            },
        ]
    );
    assert_eq!(gate(true, &["1.1"], &[]).steps(steps.clone()), steps);
}
