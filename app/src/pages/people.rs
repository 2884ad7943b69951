//! The instance console's "People" section (owners and staff): who may enter the instance
//! through Plenum's single sign-on, with a form to grant one person, a CSV import with a
//! report per row, and revoke.

use crate::api::access::{AccessGrant, AccessImport, AccessRevoke, access_list};
use crate::components::feedback::{Done, FieldError, FormError, last_error};
use crate::dto::{AccessView, GrantNotice, ImportReport};
use leptos::prelude::*;

/// The section's list and actions. Made by the page before anything is awaited, so that
/// the server and the browser number the resource alike (hydration).
#[derive(Clone, Copy)]
pub struct PeopleState {
    people: Resource<Result<Vec<AccessView>, crate::error::AppError>>,
    grant: ServerAction<AccessGrant>,
    import: ServerAction<AccessImport>,
    revoke: ServerAction<AccessRevoke>,
}

impl PeopleState {
    /// The state for the instance `id` names (None: not found).
    pub fn new(id: Signal<Option<i64>>) -> Self {
        let grant = ServerAction::<AccessGrant>::new();
        let import = ServerAction::<AccessImport>::new();
        let revoke = ServerAction::<AccessRevoke>::new();
        let people = Resource::new(
            move || {
                (
                    id.get(),
                    grant.version().get(),
                    import.version().get(),
                    revoke.version().get(),
                )
            },
            |(id, ..)| async move {
                match id {
                    Some(id) => access_list(id).await,
                    None => Err(crate::error::AppError::NotFound),
                }
            },
        );
        Self {
            people,
            grant,
            import,
            revoke,
        }
    }
}

/// The section for instance `id`.
#[component]
pub fn People(id: i64, state: PeopleState) -> impl IntoView {
    let PeopleState {
        people,
        grant,
        import,
        revoke,
    } = state;
    let grant_error = last_error(grant);
    let import_error = last_error(import);
    let revoke_error = last_error(revoke);
    view! {
        <section class="people" aria-labelledby="people-heading">
            <h2 id="people-heading">"People"</h2>
            <p>"People granted access sign in to this instance with their Plenum account. \
               Your organisation's owners enter as admins, its members as participants."</p>
            <FormError error=revoke_error fields=&[] />
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match people.await {
                        Ok(list) if list.is_empty() => view! { <p id="people-list">"Nobody has been granted access yet."</p> }.into_any(),
                        Ok(list) => view! { <PeopleTable list revoke id /> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <h3>"Grant access"</h3>
            <ActionForm action=grant attr:id="grant-form">
                <input type="hidden" name="id" value=id />
                <label for="grant-email">"Email"</label>
                <input id="grant-email" name="email" type="email" required aria-describedby="email-error" />
                <FieldError error=grant_error field="email" />
                <label for="grant-given">"Given name"</label>
                <input id="grant-given" name="given_name" maxlength="100" />
                <label for="grant-family">"Family name"</label>
                <input id="grant-family" name="family_name" maxlength="100" />
                <label for="grant-role">"Role"</label>
                <select id="grant-role" name="role">
                    <option value="participant">"Participant"</option>
                    <option value="admin">"Instance admin"</option>
                </select>
                <FieldError error=grant_error field="role" />
                <label for="grant-from">"Valid from (empty: today)"</label>
                <input id="grant-from" name="valid_from" type="date" />
                <FieldError error=grant_error field="valid_from" />
                <label for="grant-until">"Valid until (empty: end of the rental)"</label>
                <input id="grant-until" name="valid_until" type="date" />
                <FieldError error=grant_error field="valid_until" />
                <FormError error=grant_error fields=&["email", "role", "valid_from", "valid_until"] />
                <button type="submit">"Grant"</button>
                <Done action=grant text="Access granted." />
            </ActionForm>
            {move || grant.value().get().and_then(Result::ok).and_then(|v| v.notice.map(|notice| view! { <Notice notice /> }))}
            <h3>"Import a list"</h3>
            <p>"One person per line: " <code>"email, given name, family name, role"</code>
               " (role: admin or participant; a header line is fine). Commas or semicolons."</p>
            <ActionForm action=import attr:id="import-form">
                <input type="hidden" name="id" value=id />
                <label for="import-csv">"CSV"</label>
                <textarea id="import-csv" name="csv" rows="6" required></textarea>
                <FieldError error=import_error field="file" />
                <label class="inline">
                    <input type="checkbox" name="confirm" value="true" />
                    " Grant the valid rows even if some rows have problems"
                </label>
                <FormError error=import_error fields=&["file"] />
                <button type="submit">"Import"</button>
            </ActionForm>
            {move || import.value().get().and_then(Result::ok).map(|report| view! { <Report report /> })}
        </section>
    }
}

#[component]
fn PeopleTable(
    list: Vec<AccessView>,
    revoke: ServerAction<AccessRevoke>,
    id: i64,
) -> impl IntoView {
    view! {
        <table class="table" id="people-list">
            <thead>
                <tr>
                    <th scope="col">"Person"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Valid"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|person| {
                    let name = format!("{} {}", person.given_name, person.family_name).trim().to_owned();
                    let validity = format!("{} to {}", person.valid_from, person.valid_until);
                    let state = if person.active_today { "" } else { " (not today)" };
                    let label = format!("Revoke access of {}", person.email);
                    view! {
                        <tr data-email=person.email.clone()>
                            <td>{person.email.clone()} {(!name.is_empty()).then(|| view! { <br /> {name} })}</td>
                            <td>{person.role.clone()}</td>
                            <td>{validity}{state}</td>
                            <td>
                                <ActionForm action=revoke>
                                    <input type="hidden" name="id" value=id />
                                    <input type="hidden" name="access_id" value=person.id />
                                    <button type="submit" class="danger"
                                        aria-label=label>"Revoke"</button>
                                </ActionForm>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// How the person just granted access hears of it.
#[component]
fn Notice(notice: GrantNotice) -> impl IntoView {
    let failed = notice
        .mail_error
        .map(|e| format!("The mail could not be sent ({e}). "));
    let told = match (notice.mailed, notice.invited) {
        (true, true) => Some("An invitation went to them by mail."),
        (true, false) => Some("They were told by mail."),
        (false, _) => None,
    };
    view! {
        <p class="note" id="grant-notice" role="status">
            {failed}
            {told}
            {notice.invite_link.map(|link| view! {
                <span id="invite-link">
                    "This address has no account yet. Pass this invitation link on (shown only now, valid 14 days): "
                    <code>{link}</code>
                </span>
            })}
        </p>
    }
}

#[component]
fn Report(report: ImportReport) -> impl IntoView {
    let summary = if report.applied {
        format!("Granted {} people.", report.valid)
    } else {
        format!(
            "Nothing was granted: {} rows have problems ({} are fine). Fix them, or tick the box to grant the valid rows.",
            report.invalid, report.valid
        )
    };
    let notices: Vec<(String, GrantNotice)> = report
        .rows
        .iter()
        .filter_map(|r| r.notice.clone().map(|n| (r.email.clone(), n)))
        .collect();
    let mailed = notices.iter().filter(|(_, n)| n.mailed).count();
    let invited: Vec<_> = notices
        .iter()
        .filter_map(|(email, n)| n.invite_link.clone().map(|link| (email.clone(), link)))
        .collect();
    let unmailed: Vec<_> = notices
        .into_iter()
        .filter_map(|(email, n)| n.mail_error.map(|e| (email, e)))
        .collect();
    let problems: Vec<_> = report
        .rows
        .into_iter()
        .filter(|r| !r.problems.is_empty())
        .collect();
    view! {
        <div id="import-report" role="status">
            <p>{summary}</p>
            {(mailed > 0).then(|| view! { <p id="import-mailed">{format!("{mailed} were told by mail (new addresses with their invitation).")}</p> })}
            {(!unmailed.is_empty()).then(|| view! {
                <p class="form-error">"These could not be told by mail:"</p>
                <ul id="import-unmailed">
                    {unmailed.into_iter().map(|(email, error)| view! { <li>{email} ": " {error}</li> }).collect_view()}
                </ul>
            })}
            {(!invited.is_empty()).then(|| view! {
                <p>"These addresses have no account yet; pass each its invitation link on (shown only now, valid 14 days):"</p>
                <ul id="invite-links">
                    {invited.into_iter().map(|(email, link)| view! { <li>{email} ": " <code>{link}</code></li> }).collect_view()}
                </ul>
            })}
            {(!problems.is_empty()).then(|| view! {
                <table class="table">
                    <thead><tr><th scope="col">"Line"</th><th scope="col">"Email"</th><th scope="col">"Problem"</th></tr></thead>
                    <tbody>
                        {problems.into_iter().map(|row| view! {
                            <tr><td>{row.line}</td><td>{row.email}</td><td>{row.problems.join("; ")}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </div>
    }
}
