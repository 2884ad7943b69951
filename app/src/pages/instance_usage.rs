//! The load section of the instance console: CPU and working-set memory of the last hour,
//! drawn, refreshed as the engine samples.

use crate::api::usage::instance_usage;
use crate::components::usage_chart::UsageChart;
use crate::dto::UsageView;
use leptos::prelude::*;

/// How often the charts refresh (the engine samples every 30 s).
const REFRESH: std::time::Duration = std::time::Duration::from_secs(15);

/// The section's resource, made by the page before anything is awaited (so that server
/// and browser number it alike).
#[derive(Clone, Copy)]
pub struct UsageState {
    tick: RwSignal<u64>,
    usage: Resource<Result<UsageView, crate::error::AppError>>,
}

impl UsageState {
    /// The state for the instance `id` names (None: not found).
    pub fn new(id: Signal<Option<i64>>) -> Self {
        let tick = RwSignal::new(0u64);
        let usage = Resource::new(
            move || (id.get(), tick.get()),
            |(id, _)| async move {
                match id {
                    Some(id) => instance_usage(id).await,
                    None => Err(crate::error::AppError::NotFound),
                }
            },
        );
        Self { tick, usage }
    }
}

/// The load of the instance, drawn.
#[component]
pub fn Load(state: UsageState) -> impl IntoView {
    let UsageState { tick, usage } = state;
    crate::components::live::tick_every(tick, REFRESH);
    view! {
        <h2 id="load-heading">"Load"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match usage.await {
                    Ok(usage) => view! { <section id="load" aria-labelledby="load-heading"><UsageChart usage /></section> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
