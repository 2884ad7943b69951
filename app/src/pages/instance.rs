//! The instance console at `/instances/:id`: status and provisioning steps pushed live
//! from the event stream, the address, the actions the viewer's role allows (start, stop,
//! scale, upgrade, one-time reveal of the initial password, delete by typing the name,
//! wake a hibernated one and whether it may hibernate),
//! who may enter it ("People", for owners and staff), its load (CPU and memory, drawn),
//! backups, problems, logs and the event log.

use crate::api::instances::{
    AllowHibernation, DeleteInstance, RevealInitialPassword, ScaleInstance, StartInstance,
    StopInstance, UpgradeInstance, instance_console,
};
use crate::components::feedback::{Done, FieldError, FormError, last_error};
use crate::components::live;
use crate::dto::{InstanceConsole, InstanceEventView, InstanceStatusUpdate, ScaleChoice};
use crate::pages::home::RequireLogin;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The console page.
#[component]
pub fn InstancePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok());
    let actions = Actions {
        start: ServerAction::new(),
        stop: ServerAction::new(),
        scale: ServerAction::new(),
        upgrade: ServerAction::new(),
        delete: ServerAction::new(),
        hibernation: ServerAction::new(),
    };
    // Created here, before anything is awaited, so that server and browser number it alike.
    let people = crate::pages::people::PeopleState::new(Signal::derive(id));
    let backups = crate::pages::instance_backups::BackupsState::new(Signal::derive(id));
    let problems = crate::pages::incidents::ProblemsState::new(Signal::derive(id));
    let load = crate::pages::instance_usage::UsageState::new(Signal::derive(id));
    let console = Resource::new(
        move || (id(), actions.versions()),
        |(id, _)| async move {
            match id {
                Some(id) => instance_console(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    view! {
        <RequireLogin>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match console.await {
                        Ok(console) => view! { <Console console actions people backups problems load /> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </RequireLogin>
    }
}

/// The console's actions (the page reloads the console after each).
#[derive(Clone, Copy)]
struct Actions {
    start: ServerAction<StartInstance>,
    stop: ServerAction<StopInstance>,
    scale: ServerAction<ScaleInstance>,
    upgrade: ServerAction<UpgradeInstance>,
    delete: ServerAction<DeleteInstance>,
    hibernation: ServerAction<AllowHibernation>,
}

impl Actions {
    fn versions(&self) -> [usize; 6] {
        [
            self.start.version().get(),
            self.stop.version().get(),
            self.scale.version().get(),
            self.upgrade.version().get(),
            self.delete.version().get(),
            self.hibernation.version().get(),
        ]
    }

    /// The last failure of any of them.
    fn error(&self) -> Signal<Option<crate::error::AppError>> {
        let (start, stop, scale, upgrade, delete, hibernation) = (
            last_error(self.start),
            last_error(self.stop),
            last_error(self.scale),
            last_error(self.upgrade),
            last_error(self.delete),
            last_error(self.hibernation),
        );
        Signal::derive(move || {
            start
                .get()
                .or_else(|| stop.get())
                .or_else(|| scale.get())
                .or_else(|| upgrade.get())
                .or_else(|| delete.get())
                .or_else(|| hibernation.get())
        })
    }
}

#[component]
fn Console(
    console: InstanceConsole,
    actions: Actions,
    people: crate::pages::people::PeopleState,
    backups: crate::pages::instance_backups::BackupsState,
    problems: crate::pages::incidents::ProblemsState,
    load: crate::pages::instance_usage::UsageState,
) -> impl IntoView {
    let instance = console.instance.clone();
    let id = instance.id;
    let status = RwSignal::new(InstanceStatusUpdate {
        lifecycle: instance.lifecycle.clone(),
        status: instance.status.clone(),
        status_reason: instance.status_reason.clone(),
        busy: instance.busy.clone(),
        version: instance.version.clone(),
    });
    let events = RwSignal::new(console.events.clone());
    let after = console.events.last().map_or(0, |e| e.id);
    live::subscribe(
        format!("/api/instances/{id}/events/stream?after={after}"),
        &["status", "event"],
        move |name, data| match name {
            "status" => {
                if let Ok(update) = serde_json::from_str(&data) {
                    status.set(update);
                }
            }
            _ => {
                if let Ok(event) = serde_json::from_str::<InstanceEventView>(&data) {
                    events.update(|list| list.push(event));
                }
            }
        },
    );
    let address = match instance.url.clone() {
        Some(url) => view! { <a href=url.clone()>{url.clone()}</a> }.into_any(),
        None => view! { <code>{instance.slug.clone()}</code> " (the edge router is not enabled: no public address)" }.into_any(),
    };
    view! {
        <section class="instance-console" data-instance=id>
            <h1>{instance.name.clone()}</h1>
            <dl class="facts">
                <dt>"Status"</dt>
                <dd id="instance-status" aria-live="polite">
                    {move || {
                        let s = status.get();
                        let class = format!("badge status-{}", s.status.replace(' ', "-"));
                        view! {
                            <span class=class>{s.status.clone()}</span>
                            {s.status_reason.clone().map(|r| view! { " " <span class="reason">{r}</span> })}
                            {s.busy.clone().map(|b| view! { <p class="note">{b}</p> })}
                        }
                    }}
                </dd>
                <dt>"Should be"</dt>
                <dd>{move || status.get().lifecycle}</dd>
                <dt>"Address"</dt>
                <dd>{address}</dd>
                <dt>"Template"</dt>
                <dd>{move || format!("{} {}", instance.template, status.get().version)}</dd>
                {console.phase.clone().map(|phase| view! {
                    <dt>"Phase"</dt>
                    <dd id="instance-phase">{phase_text(&phase)}</dd>
                })}
            </dl>
            <crate::pages::instance_usage::Load state=load />
            {console.can_manage.then(|| view! { <Manage console=console.clone() actions /> })}
            {console.can_manage.then(|| view! { <crate::pages::people::People id state=people /> })}
            <crate::pages::instance_backups::Backups id name=instance.name.clone() state=backups />
            <crate::pages::incidents::Problems state=problems />
            <crate::pages::instance_logs::Logs id services=console.services.clone() />
            <EventLog events />
        </section>
    }
}

#[component]
fn Manage(console: InstanceConsole, actions: Actions) -> impl IntoView {
    let id = console.instance.id;
    let error = actions.error();
    let name = console.instance.name.clone();
    let asleep = console
        .phase
        .as_ref()
        .is_some_and(|p| p.current.as_deref() == Some("hibernated") && p.pinned.is_none());
    view! {
        <h2>"Actions"</h2>
        <FormError error fields=&["confirm", "version", "replicas"] />
        <div class="row-actions">
            <ActionForm action=actions.start>
                <input type="hidden" name="id" value=id />
                <button type="submit" id="start-instance">{if asleep { "Wake up" } else { "Start" }}</button>
            </ActionForm>
            <ActionForm action=actions.stop>
                <input type="hidden" name="id" value=id />
                <button type="submit">"Stop"</button>
            </ActionForm>
        </div>
        <Done action=actions.start text="Start requested." />
        <Done action=actions.stop text="Stop requested." />
        {console.phase.map(|phase| view! { <HibernationForm id allowed=phase.hibernate_allowed action=actions.hibernation /> })}
        {console.scaling.into_iter().map(|choice| view! { <ScaleForm id choice action=actions.scale /> }).collect_view()}
        <FieldError error field="replicas" />
        <Done action=actions.scale text="Scaling requested." />
        {(!console.upgrades.is_empty()).then(|| view! {
            <ActionForm action=actions.upgrade>
                <input type="hidden" name="id" value=id />
                <label for="upgrade-version">"Upgrade to"</label>
                <select id="upgrade-version" name="version">
                    {console.upgrades.into_iter().map(|v| view! { <option value=v.clone()>{v.clone()}</option> }).collect_view()}
                </select>
                <button type="submit">"Upgrade"</button>
            </ActionForm>
        })}
        <FieldError error field="version" />
        <Done action=actions.upgrade text="Upgrade requested." />
        <Reveal id />
        <h3>"Delete"</h3>
        <ActionForm action=actions.delete attr:class="delete-form">
            <input type="hidden" name="id" value=id />
            <label for="delete-confirm">{format!("Type the name, {name}, to delete the instance")}</label>
            <input id="delete-confirm" name="confirm" required autocomplete="off" aria-describedby="confirm-error" />
            <button type="submit" class="danger">"Delete"</button>
        </ActionForm>
        <FieldError error field="confirm" />
        <Done action=actions.delete text="Deletion requested: the data is kept for the grace period." />
    }
}

/// Lets the owner choose whether the instance hibernates while nobody uses it.
#[component]
fn HibernationForm(
    id: i64,
    allowed: bool,
    action: ServerAction<AllowHibernation>,
) -> impl IntoView {
    let (text, button) = if allowed {
        (
            "It hibernates when nobody has used it for a while between events, and wakes up within seconds on the next visit.",
            "Keep it awake",
        )
    } else {
        (
            "It stays awake between events, even when nobody uses it.",
            "Let it hibernate when unused",
        )
    };
    view! {
        <ActionForm action attr:class="hibernation-form">
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="allowed" value=(!allowed).to_string() />
            <p id="hibernation">{text}</p>
            <button type="submit">{button}</button>
        </ActionForm>
        <Done action text="Saved." />
    }
}

#[component]
fn ScaleForm(id: i64, choice: ScaleChoice, action: ServerAction<ScaleInstance>) -> impl IntoView {
    let input = format!("replicas-{}", choice.service);
    view! {
        <ActionForm action attr:class="scale-form">
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="service" value=choice.service.clone() />
            <label for=input.clone()>{format!("Replicas of {} ({} to {})", choice.service, choice.min, choice.max)}</label>
            <input id=input type="number" name="replicas" min=choice.min max=choice.max value=choice.replicas required />
            <button type="submit">"Scale"</button>
        </ActionForm>
    }
}

/// The one-time reveal of the initial administrator password.
#[component]
fn Reveal(id: i64) -> impl IntoView {
    let reveal = ServerAction::<RevealInitialPassword>::new();
    let error = last_error(reveal);
    view! {
        <h3>"Initial administrator password"</h3>
        <p>"It can be shown once. Store it safely before you leave this page."</p>
        <ActionForm action=reveal>
            <input type="hidden" name="id" value=id />
            <button type="submit">"Reveal once"</button>
        </ActionForm>
        <FormError error fields=&[] />
        {move || reveal.value().get().and_then(Result::ok).map(|password| view! {
            <p class="secret" role="status">
                <strong>"Shown only this once: "</strong>
                <code>{password}</code>
            </p>
        })}
    }
}

#[component]
fn EventLog(events: RwSignal<Vec<InstanceEventView>>) -> impl IntoView {
    view! {
        <h2>"Event log"</h2>
        <table class="table" id="event-log">
            <thead>
                <tr>
                    <th scope="col">"When"</th>
                    <th scope="col">"Who"</th>
                    <th scope="col">"What"</th>
                    <th scope="col">"Details"</th>
                </tr>
            </thead>
            <tbody aria-live="polite">
                <For each=move || events.get() key=|e| e.id let:event>
                    <tr class=format!("event-{}", event.kind)>
                        <td><time datetime=event.at.clone()>{event.at.clone()}</time></td>
                        <td>{event.who}</td>
                        <td>{event.kind.clone()}</td>
                        <td>{event.message}</td>
                    </tr>
                </For>
            </tbody>
        </table>
    }
}

/// The phase line of the console: now, and what comes next by the calendar.
fn phase_text(phase: &crate::dto::PhaseView) -> String {
    let now = phase.current.as_deref().unwrap_or("not applied yet");
    let next = match (&phase.pinned, &phase.next) {
        (Some(pin), _) => format!(" (pinned to {pin} by staff)"),
        (None, Some((at, next))) => format!("; {next} from {at} UTC"),
        (None, None) => String::new(),
    };
    let used = match &phase.last_used {
        Some(at) => format!("; last used {at} UTC"),
        None => String::new(),
    };
    format!("{now}{next}{used}")
}
