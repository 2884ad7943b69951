//! The capacity calendar drawn in SVG: for CPU and for memory, one bar per day stacked by
//! plan size (the demand in the day's fullest hour), the usable capacity as a line, and
//! overbooked days marked; the forecast of nodes to add or drain in words; the figures as a
//! table behind it. No script library.

use crate::dto::{CapacityCalendarView, CapacityDayView, ResourcesView};
use leptos::prelude::*;

/// Width of one day's slot, height of the plot, room for the axis label and dates.
const SLOT: i64 = 8;
const PLOT: i64 = 120;
const LEFT: i64 = 56;
const TOP: i64 = 8;
const BOTTOM: i64 = 16;

const PLANS: [&str; 3] = ["small", "medium", "large"];

/// One resource's chart: `amount` picks CPU or memory, `unit` names it.
fn chart(
    days: &[CapacityDayView],
    usable: ResourcesView,
    amount: fn(&ResourcesView) -> i64,
    title: &'static str,
    unit: &'static str,
) -> impl IntoView + use<> {
    let total = |d: &CapacityDayView| d.by_plan.iter().map(amount).sum::<i64>();
    let top = days
        .iter()
        .map(total)
        .max()
        .unwrap_or(0)
        .max(amount(&usable))
        .max(1);
    let scale = |v: i64| v.clamp(0, top) * PLOT / top;
    let count = i64::try_from(days.len()).unwrap_or(0);
    let width = LEFT + count * SLOT + 4;
    let height = TOP + PLOT + BOTTOM;
    let base = TOP + PLOT;
    let line = base - scale(amount(&usable));
    let bars = days
        .iter()
        .zip(0i64..)
        .map(|(day, i)| {
            let x = LEFT + i * SLOT + 1;
            let mut y = base;
            let parts = day
                .by_plan
                .iter()
                .zip(PLANS)
                .map(|(r, plan)| {
                    let h = scale(amount(r));
                    y -= h;
                    view! { <rect class=format!("plan-{plan}") x=x y=y width=SLOT - 2 height=h /> }
                })
                .collect_view();
            let label = format!(
                "{}: {} {unit} booked (small {}, medium {}, large {}){}",
                day.date,
                total(day),
                amount(&day.by_plan[0]),
                amount(&day.by_plan[1]),
                amount(&day.by_plan[2]),
                if day.overbooked {
                    " — overbooked"
                } else {
                    ""
                }
            );
            let marker = day.overbooked.then(|| {
                view! { <rect class="over-marker" x=x y=TOP - 6 width=SLOT - 2 height=4 /> }
            });
            view! { <g><title>{label}</title>{parts}{marker}</g> }
        })
        .collect_view();
    view! {
        <svg class="capacity-chart" role="img" viewBox=format!("0 0 {width} {height}") width="100%">
            <title>{title}</title>
            <desc>{format!("Demand per day by plan size against the usable capacity ({} {unit}).", amount(&usable))}</desc>
            <line class="axis" x1=LEFT y1=base x2=width y2=base />
            {bars}
            <line class="capacity" x1=LEFT y1=line x2=width y2=line />
            <text class="axis-label" x=2 y=line + 4>{format!("{} {unit}", amount(&usable))}</text>
        </svg>
    }
}

/// Demand against capacity, the forecast, and the table.
#[component]
pub fn CapacityChart(calendar: CapacityCalendarView) -> impl IntoView {
    if !calendar.known {
        return view! {
            <p class="hint" id="capacity-forecast">
                "Capacity is not known here (this Plenum runs no Swarm engine)."
            </p>
        }
        .into_any();
    }
    let add = calendar.add_nodes.clone().map(|(n, by)| {
        view! { <p id="forecast-add" class="form-error">{format!("Add {n} node(s) like the current ones by {by}: some days are overbooked.")}</p> }
    });
    let drain = calendar.drain_nodes.clone().map(|(n, after)| {
        view! { <p id="forecast-drain">{format!("{n} node(s) can be drained after {after}.")}</p> }
    });
    let steady = (add.is_none() && drain.is_none())
        .then(|| view! { <p>"The cluster fits the calendar; no node to spare."</p> });
    let rows = calendar
        .days
        .iter()
        .map(|d| {
            let cpu: i64 = d.by_plan.iter().map(|r| r.cpu_milli).sum();
            let mem: i64 = d.by_plan.iter().map(|r| r.memory_mib).sum();
            view! {
                <tr class:over=d.overbooked>
                    <td>{d.date.clone()}</td>
                    <td>{format!("{cpu}")}</td>
                    <td>{format!("{mem}")}</td>
                    <td>{if d.overbooked { "overbooked" } else { "fits" }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div id="capacity-forecast">
            <p>{format!(
                "{} node(s); orders may use {} milli-CPUs and {} MiB.",
                calendar.nodes, calendar.usable.cpu_milli, calendar.usable.memory_mib
            )}</p>
            {add}
            {drain}
            {steady}
        </div>
        <p class="legend">
            <span class="key plan-small">"small"</span> " "
            <span class="key plan-medium">"medium"</span> " "
            <span class="key plan-large">"large"</span> " — line: usable capacity; red mark: overbooked"
        </p>
        {chart(&calendar.days, calendar.usable, |r| r.cpu_milli, "CPU demand per day", "milli-CPUs")}
        {chart(&calendar.days, calendar.usable, |r| r.memory_mib, "Memory demand per day", "MiB")}
        <details>
            <summary>"The figures"</summary>
            <table class="table" id="capacity-table">
                <thead>
                    <tr>
                        <th scope="col">"Day"</th>
                        <th scope="col">"CPU (milli)"</th>
                        <th scope="col">"Memory (MiB)"</th>
                        <th scope="col">"Fits"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </details>
    }
    .into_any()
}
