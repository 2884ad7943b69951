//! The logs section of the instance console: the instance's service logs as they are
//! written (all services or one, lines containing a text, from a chosen time back),
//! streamed from `/api/instances/<id>/logs/stream`. The newest lines are kept on screen.

use crate::components::live;
use crate::dto::LogLineView;
use leptos::prelude::*;

/// Lines kept on screen.
const KEPT: usize = 500;

/// What the reader chose.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Choice {
    service: String,
    text: String,
    since_minutes: u32,
}

/// The logs of instance `id`, whose services are `services`.
#[component]
pub fn Logs(id: i64, services: Vec<String>) -> impl IntoView {
    let choice = RwSignal::new(Choice {
        service: String::new(),
        text: String::new(),
        since_minutes: 60,
    });
    let lines = RwSignal::new(Vec::<LogLineView>::new());
    let (service, text, since) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new("60".to_owned()),
    );
    // One subscription per choice: a new choice closes the old stream and opens another.
    Effect::new(move |_| {
        let c = choice.get();
        lines.set(Vec::new());
        let url = format!(
            "/api/instances/{id}/logs/stream?service={}&q={}&since_minutes={}",
            crate::components::query_value(&c.service),
            crate::components::query_value(&c.text),
            c.since_minutes
        );
        live::subscribe(url, &["log"], move |_, data| {
            if let Ok(line) = serde_json::from_str::<LogLineView>(&data) {
                lines.update(|list| {
                    list.push(line);
                    let over = list.len().saturating_sub(KEPT);
                    list.drain(..over);
                });
            }
        });
    });
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        choice.set(Choice {
            service: service.get(),
            text: text.get(),
            since_minutes: since.get().parse().unwrap_or(60),
        });
    };
    view! {
        <h2 id="logs-heading">"Logs"</h2>
        <form class="filters" on:submit=apply>
            <label for="logs-service">"Service"</label>
            <select id="logs-service" bind:value=service>
                <option value="">"all"</option>
                {services.into_iter().map(|s| view! { <option value=s.clone()>{s.clone()}</option> }).collect_view()}
            </select>
            <label for="logs-text">"Containing"</label>
            <input id="logs-text" bind:value=text />
            <label for="logs-since">"Since"</label>
            <select id="logs-since" bind:value=since>
                <option value="5">"5 minutes"</option>
                <option value="60">"1 hour"</option>
                <option value="1440">"1 day"</option>
                <option value="10080">"1 week"</option>
            </select>
            <button type="submit">"Show"</button>
        </form>
        <pre id="logs" class="logs" aria-labelledby="logs-heading" aria-live="off">
            {move || lines.get().into_iter().map(|l| {
                let at = l.at.as_deref().and_then(|a| a.get(11..19)).unwrap_or("").to_owned();
                let class = if l.stderr { "log-line stderr" } else { "log-line" };
                view! { <span class=class>{format!("{at} {:<10} {}\n", l.service, l.text)}</span> }
            }).collect_view()}
        </pre>
    }
}
