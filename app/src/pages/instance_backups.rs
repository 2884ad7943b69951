//! The backups section of the instance console: the latest backups with time, reason,
//! phase, size and state (refreshed every few seconds, so a backup or restore can be
//! watched), "Back up now", and restoring the instance from a stored backup after typing
//! its name.

use crate::api::backups::{BackUpInstance, RestoreInstance, instance_backups};
use crate::components::feedback::{Done, FormError, last_error};
use crate::dto::{BackupView, BackupsView};
use leptos::prelude::*;

/// How often the list refreshes.
const REFRESH: std::time::Duration = std::time::Duration::from_secs(3);

/// The backups of instance `id`; `name` is what a restore is confirmed with.
#[component]
pub fn Backups(id: i64, name: String) -> impl IntoView {
    let tick = RwSignal::new(0u64);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), REFRESH) {
            on_cleanup(move || handle.clear());
        }
    });
    let back_up = ServerAction::<BackUpInstance>::new();
    let restore = ServerAction::<RestoreInstance>::new();
    let list = Resource::new(
        move || (tick.get(), back_up.version().get(), restore.version().get()),
        move |_| instance_backups(id),
    );
    let back_up_error = last_error(back_up);
    let restore_error = last_error(restore);
    view! {
        <h2 id="backups-heading">"Backups"</h2>
        <FormError error=back_up_error fields=&[] />
        <FormError error=restore_error fields=&[] />
        <Done action=back_up text="Backup requested: it is taken while the instance runs." />
        <Done action=restore text="Restore requested: the instance goes into maintenance and comes back with the backup's data." />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let name = name.clone();
                Suspend::new(async move {
                    match list.await {
                        Ok(view) if !view.declared => view! {
                            <p id="backups">"This instance's template declares no backups."</p>
                        }.into_any(),
                        Ok(view) => view! { <BackupList id name view back_up restore /> }.into_any(),
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
) -> impl IntoView {
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
            view! { <BackupTable list=view.backups /> }.into_any()
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
    }
}

#[component]
fn BackupTable(list: Vec<BackupView>) -> impl IntoView {
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
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
