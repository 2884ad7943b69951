//! The backups section of the instance console: the latest backups with time, reason,
//! phase, size and state (refreshed every few seconds, so a backup or restore can be
//! watched), "Back up now", restoring the instance from a stored backup after typing
//! its name, and each backup's restore test (started by hand here, or by Plenum after a
//! final backup).

use crate::api::backups::{
    BackUpInstance, CloneBackup, RestoreInstance, TestRestore, instance_backups,
};
use crate::components::feedback::{Done, FormError, last_error};
use crate::dto::{BackupView, BackupsView};
use leptos::prelude::*;

/// How often the list refreshes.
const REFRESH: std::time::Duration = std::time::Duration::from_secs(3);

/// The section's resource and actions, made by the page before anything is awaited (so
/// that server and browser number them alike).
#[derive(Clone, Copy)]
pub struct BackupsState {
    tick: RwSignal<u64>,
    back_up: ServerAction<BackUpInstance>,
    restore: ServerAction<RestoreInstance>,
    clone: ServerAction<CloneBackup>,
    test: ServerAction<TestRestore>,
    list: Resource<Result<BackupsView, crate::error::AppError>>,
}

impl BackupsState {
    /// The state for the instance `id` names (None: not found).
    pub fn new(id: Signal<Option<i64>>) -> Self {
        let tick = RwSignal::new(0u64);
        let back_up = ServerAction::<BackUpInstance>::new();
        let restore = ServerAction::<RestoreInstance>::new();
        let clone = ServerAction::<CloneBackup>::new();
        let test = ServerAction::<TestRestore>::new();
        let list = Resource::new(
            move || {
                (
                    id.get(),
                    tick.get(),
                    back_up.version().get(),
                    restore.version().get(),
                    test.version().get(),
                )
            },
            |(id, ..)| async move {
                match id {
                    Some(id) => instance_backups(id).await,
                    None => Err(crate::error::AppError::NotFound),
                }
            },
        );
        Self {
            tick,
            back_up,
            restore,
            clone,
            test,
            list,
        }
    }
}

/// The backups of instance `id`; `name` is what a restore is confirmed with.
#[component]
pub fn Backups(id: i64, name: String, state: BackupsState) -> impl IntoView {
    let BackupsState {
        tick,
        back_up,
        restore,
        clone,
        test,
        list,
    } = state;
    crate::components::live::tick_every(tick, REFRESH);
    let back_up_error = last_error(back_up);
    let restore_error = last_error(restore);
    let clone_error = last_error(clone);
    let test_error = last_error(test);
    view! {
        <h2 id="backups-heading">"Backups"</h2>
        <FormError error=back_up_error fields=&[] />
        <FormError error=restore_error fields=&[] />
        <FormError error=clone_error fields=&[] />
        <FormError error=test_error fields=&[] />
        {move || clone.value().get().and_then(Result::ok).map(|copy| view! {
            <p class="form-ok" role="status" id="clone-outcome">
                "Copy made: " <a href=format!("/instances/{copy}")>{format!("instance {copy}")}</a>
                " is restored from the backup, then starts."
            </p>
        })}
        <Done action=back_up text="Backup requested: it is taken while the instance runs." />
        <Done action=restore text="Restore requested: the instance goes into maintenance and comes back with the backup's data." />
        <Done action=test text="Restore test started: a scratch copy is restored from the backup; once it answers, the test passes and the copy is erased." />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let name = name.clone();
                Suspend::new(async move {
                    match list.await {
                        Ok(view) if !view.declared => view! {
                            <p id="backups">"This instance's template declares no backups."</p>
                        }.into_any(),
                        Ok(view) => view! { <BackupList id name view back_up restore clone test /> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn BackupList(
    id: i64,
    name: String,
    view: BackupsView,
    back_up: ServerAction<BackUpInstance>,
    restore: ServerAction<RestoreInstance>,
    clone: ServerAction<CloneBackup>,
    test: ServerAction<TestRestore>,
) -> impl IntoView {
    let stored: Vec<BackupView> = view
        .backups
        .iter()
        .filter(|b| view.can_clone && b.state == "stored")
        .cloned()
        .collect();
    let restorable: Vec<BackupView> = view
        .backups
        .iter()
        .filter(|b| b.restorable)
        .cloned()
        .collect();
    view! {
        {view.can_back_up.then(|| view! {
            <ActionForm action=back_up>
                <input type="hidden" name="id" value=id />
                <button type="submit" id="back-up-now">"Back up now"</button>
            </ActionForm>
        })}
        {if view.backups.is_empty() {
            view! { <p id="backups">"No backups yet."</p> }.into_any()
        } else {
            view! { <BackupTable id list=view.backups test /> }.into_any()
        }}
        {(!restorable.is_empty()).then(|| view! {
            <h3>"Restore"</h3>
            <ActionForm action=restore attr:class="restore-form">
                <input type="hidden" name="id" value=id />
                <label for="restore-backup">"Backup"</label>
                <select id="restore-backup" name="backup">
                    {restorable.into_iter().map(|b| {
                        let label = format!("{} · {} · {}", b.id, b.requested_at, b.size.unwrap_or_default());
                        view! { <option value=b.id>{label}</option> }
                    }).collect_view()}
                </select>
                <label for="restore-confirm">{format!("Type the name, {name}, to replace the instance's data with the backup's")}</label>
                <input id="restore-confirm" name="confirm" required autocomplete="off" />
                <button type="submit" class="danger">"Restore"</button>
            </ActionForm>
        })}
        {(!stored.is_empty()).then(|| view! {
            <h3>"Copy into a new instance"</h3>
            <ActionForm action=clone attr:class="clone-form">
                <label for="clone-backup">"Backup"</label>
                <select id="clone-backup" name="backup">
                    {stored.into_iter().map(|b| view! {
                        <option value=b.id>{format!("{} · {}", b.id, b.requested_at)}</option>
                    }).collect_view()}
                </select>
                <label for="clone-name">"Name"</label>
                <input id="clone-name" name="name" required />
                <label for="clone-slug">"Address"</label>
                <input id="clone-slug" name="slug" required autocomplete="off" />
                <button type="submit">"Copy"</button>
            </ActionForm>
        })}
    }
}

#[component]
fn BackupTable(id: i64, list: Vec<BackupView>, test: ServerAction<TestRestore>) -> impl IntoView {
    view! {
        <table id="backups" aria-labelledby="backups-heading">
            <thead>
                <tr>
                    <th scope="col">"Backup"</th>
                    <th scope="col">"Taken"</th>
                    <th scope="col">"Why"</th>
                    <th scope="col">"Phase"</th>
                    <th scope="col">"Size"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"Restore test"</th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|b| view! {
                    <tr data-backup=b.id>
                        <th scope="row">{b.id}</th>
                        <td><time datetime=b.requested_at.clone()>{b.requested_at.clone()}</time></td>
                        <td>{b.reason}</td>
                        <td>{b.phase.unwrap_or_else(|| "—".to_owned())}</td>
                        <td>{b.size.unwrap_or_else(|| "—".to_owned())}</td>
                        <td class="backup-state">
                            {b.state}
                            {b.error.map(|e| view! { <span class="reason">{format!(": {e}")}</span> })}
                        </td>
                        <td class="backup-test">
                            {b.test.clone().unwrap_or_else(|| "—".to_owned())}
                            {b.test_detail.map(|d| view! { <span class="reason">{format!(" ({d})")}</span> })}
                            {b.testable.then(|| view! {
                                <ActionForm action=test attr:class="row-actions">
                                    <input type="hidden" name="id" value=id />
                                    <input type="hidden" name="backup" value=b.id />
                                    <button type="submit" class="test-restore">"Test restore"</button>
                                </ActionForm>
                            })}
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
