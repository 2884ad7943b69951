//! A booking's load on the platform, day by day, drawn in SVG: for each day the approved
//! orders' share of the usable capacity (staff only) and, stacked on it, the booking's, in
//! the day's fullest hour; the 100 % line; days that do not fit marked. The same figures as
//! a table behind it. No script library.

use crate::dto::{AvailabilityView, DayLoadView, SuggestedDates};
use leptos::prelude::*;

/// Width of one day's slot, in SVG units.
const SLOT: u32 = 10;
/// Height of the 100 % line above the base.
const FULL: u32 = 100;
/// Room left of the plot for the axis label, above it for overflow, below it for dates.
const LEFT: u32 = 40;
const TOP: u32 = 40;
const BOTTOM: u32 = 16;

/// The chart and its table.
#[component]
pub fn LoadChart(days: Vec<DayLoadView>) -> impl IntoView {
    let count = u32::try_from(days.len()).unwrap_or(u32::MAX);
    let width = LEFT + count.saturating_mul(SLOT) + 4;
    let height = TOP + FULL + BOTTOM;
    let base = TOP + FULL;
    // Bars above 140 % are cut at the top edge; the table has the figure.
    let clip = |percent: u32| percent.min(FULL + TOP);
    let over = days.iter().filter(|d| !d.fits).count();
    let description = format!(
        "{} days; {over} overbooked. Grey: already booked; coloured: this order; line: full.",
        days.len()
    );
    let bars = days
        .iter()
        .zip(0u32..)
        .map(|(day, i)| {
            let booked_percent = day.booked_percent.unwrap_or(0);
            let booked = clip(booked_percent);
            let requested = clip(booked_percent.saturating_add(day.requested_percent)) - booked;
            let x = LEFT + i * SLOT + 1;
            let booked_text = day
                .booked_percent
                .map(|p| format!("booked {p} %, "))
                .unwrap_or_default();
            let label = format!(
                "{}: {booked_text}this order {} %{}",
                day.date,
                day.requested_percent,
                if day.fits { "" } else { " — overbooked" }
            );
            let class = if day.fits { "requested" } else { "requested over" };
            view! {
                <g>
                    <title>{label}</title>
                    <rect class="booked" x=x y=base - booked width=SLOT - 2 height=booked />
                    <rect class=class x=x y=base - booked - requested width=SLOT - 2 height=requested />
                </g>
            }
        })
        .collect_view();
    let rows = days
        .into_iter()
        .map(|day| {
            view! {
                <tr class:over=!day.fits>
                    <td>{day.date}</td>
                    <td>{day.booked_percent.map(|p| format!("{p} %")).unwrap_or_else(|| "—".to_owned())}</td>
                    <td>{format!("{} %", day.requested_percent)}</td>
                    <td>{if day.fits { "fits" } else { "overbooked" }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <svg class="load-chart" role="img" viewBox=format!("0 0 {width} {height}") width="100%">
            <title>"Load on the platform per day"</title>
            <desc>{description}</desc>
            <line class="full" x1=LEFT y1=TOP x2=width y2=TOP />
            <text class="axis-label" x=2 y=TOP + 4>"100 %"</text>
            <line class="axis" x1=LEFT y1=base x2=width y2=base />
            {bars}
        </svg>
        <details>
            <summary>"The figures"</summary>
            <table class="table load-table">
                <thead>
                    <tr>
                        <th scope="col">"Day"</th>
                        <th scope="col">"Booked"</th>
                        <th scope="col">"This order"</th>
                        <th scope="col">"Fits"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </details>
    }
}

/// Whether a booking fits, with its chart and, when it does not, the nearest dates that do
/// (`on_use` offers to take them).
#[component]
pub fn AvailabilityReport(
    report: AvailabilityView,
    #[prop(optional, into)] on_use: Option<Callback<SuggestedDates>>,
) -> impl IntoView {
    if !report.known {
        return view! {
            <p class="hint availability" role="status">
                "Capacity is not checked here (this Plenum runs no Swarm engine)."
            </p>
        }
        .into_any();
    }
    let overbooked: Vec<String> = report
        .days
        .iter()
        .filter(|d| !d.fits)
        .map(|d| d.date.clone())
        .collect();
    let summary = if report.fits {
        "These dates fit.".to_owned()
    } else {
        format!("Fully booked on {}.", overbooked.join(", "))
    };
    let nearest = report.nearest.map(|dates| {
        let text = format!(
            "The nearest dates that fit: rental {} to {}, event days {}.",
            dates.rental_start,
            dates.rental_end,
            dates.event_days.replace('\n', ", ")
        );
        let use_button = on_use.map(|on_use| {
            let dates = dates.clone();
            view! {
                <button type="button" class="link-button use-nearest"
                    on:click=move |_| on_use.run(dates.clone())>"Use these dates"</button>
            }
        });
        view! { <p class="nearest-dates">{text} " " {use_button}</p> }
    });
    let class = if report.fits {
        "availability fits"
    } else {
        "availability overbooked"
    };
    view! {
        <div class=class role="status">
            <p>{summary}</p>
            {nearest}
            <LoadChart days=report.days />
        </div>
    }
    .into_any()
}
