//! What an instance used in the last hour, drawn: a line for CPU cores and one for
//! working-set memory, each scaled to its own peak (with a floor, so that an idle instance
//! looks idle), the newest value beside it. Gaps where a sample had no value. No script
//! library.

use crate::dto::{UsagePoint, UsageView};
use leptos::prelude::*;

/// The plot's size in SVG units.
const WIDTH: f64 = 240.0;
const HEIGHT: f64 = 40.0;
/// The smallest top of each scale: 0.1 cores, 64 MB.
const CPU_FLOOR: f64 = 0.1;
const MEMORY_FLOOR_MB: f64 = 64.0;

/// The polylines' point lists for `values` on a scale topped at `top`: one list per run
/// without gaps.
fn runs(values: &[Option<f64>], top: f64) -> Vec<String> {
    let step = if values.len() > 1 {
        WIDTH / (values.len() - 1) as f64
    } else {
        0.0
    };
    let mut out = Vec::new();
    let mut current = Vec::new();
    for (i, value) in values.iter().enumerate() {
        match value {
            Some(v) => {
                let x = i as f64 * step;
                let y = HEIGHT - (v / top).clamp(0.0, 1.0) * HEIGHT;
                current.push(format!("{x:.1},{y:.1}"));
            }
            None if !current.is_empty() => out.push(std::mem::take(&mut current).join(" ")),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current.join(" "));
    }
    out
}

/// One line chart with its newest value in words.
#[component]
fn Line(
    /// What it shows ("CPU", "Memory").
    name: &'static str,
    /// The CSS class of the line.
    class: &'static str,
    values: Vec<Option<f64>>,
    /// The top of the scale.
    top: f64,
    /// The newest value in words.
    now: String,
    /// The top of the scale in words.
    top_text: String,
) -> impl IntoView {
    let label = format!("{name}: now {now}; scale up to {top_text} over the last hour");
    let title = label.clone();
    let lines = runs(&values, top);
    let single = values.iter().filter(|v| v.is_some()).count() == 1;
    view! {
        <figure class=format!("usage-line {class}")>
            <figcaption>{name} " " <strong>{now}</strong></figcaption>
            <svg
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                preserveAspectRatio="none"
                role="img"
                aria-label=label
            >
                <title>{title}</title>
                <line class="axis" x1="0" y1=HEIGHT x2=WIDTH y2=HEIGHT />
                {lines.into_iter().map(|points| view! { <polyline points=points /> }).collect_view()}
                {single.then(|| view! { <circle cx=WIDTH cy=HEIGHT / 2.0 r="2" /> })}
            </svg>
        </figure>
    }
}

/// CPU cores in words: `0.12 cores`.
pub fn cores_text(cores: Option<f64>) -> String {
    match cores {
        Some(c) => format!("{c:.2} cores"),
        None => "—".to_owned(),
    }
}

/// Megabytes in words: `84 MB`.
pub fn megabytes_text(mb: f64) -> String {
    if mb >= 1000.0 {
        format!("{:.1} GB", mb / 1000.0)
    } else {
        format!("{mb:.0} MB")
    }
}

/// Both lines of `usage`; nothing sampled yet says so.
#[component]
pub fn UsageChart(usage: UsageView) -> impl IntoView {
    let Some(latest) = usage.points.last().cloned() else {
        return view! { <p class="usage-none">"Not sampled yet: it runs nothing, or its containers are on other nodes."</p> }.into_any();
    };
    let cpu: Vec<Option<f64>> = usage.points.iter().map(|p| p.cpu).collect();
    let memory: Vec<Option<f64>> = usage.points.iter().map(|p| Some(p.memory_mb)).collect();
    let cpu_top = cpu.iter().flatten().fold(CPU_FLOOR, |a, b| a.max(*b));
    let memory_top = memory
        .iter()
        .flatten()
        .fold(MEMORY_FLOOR_MB, |a, b| a.max(*b));
    let UsagePoint {
        cpu: now_cpu,
        memory_mb,
        ..
    } = latest;
    view! {
        <div class="usage" data-containers=usage.containers>
            <Line name="CPU" class="cpu" values=cpu top=cpu_top now=cores_text(now_cpu) top_text=cores_text(Some(cpu_top)) />
            <Line name="Memory" class="memory" values=memory top=memory_top now=megabytes_text(memory_mb) top_text=megabytes_text(memory_top) />
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_split_at_gaps_and_scale_to_the_top() {
        let lines = runs(&[Some(0.0), Some(1.0), None, Some(0.5), Some(2.0)], 1.0);
        assert_eq!(lines, ["0.0,40.0 60.0,0.0", "180.0,20.0 240.0,0.0"]);
        assert!(runs(&[None, None], 1.0).is_empty());
    }
}
