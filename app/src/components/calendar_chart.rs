//! The event calendar as a bar chart drawn by the app in SVG: one bar per day, its height
//! the expected participants, each bar titled with the day's figures. No script library.

use crate::dto::CalendarDayView;
use leptos::prelude::*;

/// Width of one day's bar slot, in SVG units.
const SLOT: u32 = 8;
/// Height of the plot area.
const PLOT: u32 = 140;
/// Room left of the plot for the axis label, and below it for dates.
const LEFT: u32 = 48;
const BOTTOM: u32 = 24;

/// The bar height of `value` when `max` fills the plot.
fn bar_height(value: u64, max: u64) -> u32 {
    if max == 0 {
        return 0;
    }
    // value ≤ max, so the result is at most PLOT.
    u32::try_from(value.min(max) * u64::from(PLOT) / max).unwrap_or(PLOT)
}

/// The chart of expected participants per day.
#[component]
pub fn CalendarChart(days: Vec<CalendarDayView>) -> impl IntoView {
    let max = days.iter().map(|d| d.participants).max().unwrap_or(0);
    let count = u32::try_from(days.len()).unwrap_or(u32::MAX);
    let width = LEFT + count.saturating_mul(SLOT) + 4;
    let height = PLOT + BOTTOM + 8;
    let first = days.first().map(|d| d.date.clone()).unwrap_or_default();
    let last = days.last().map(|d| d.date.clone()).unwrap_or_default();
    let description = format!(
        "Expected participants per day from {first} to {last}; the busiest day expects {max}."
    );
    let bars = days
        .into_iter()
        .zip(0u32..)
        .map(|(day, i)| {
            let h = bar_height(day.participants, max);
            let label = format!(
                "{}: {} participants, {} with an event, {} in rental",
                day.date, day.participants, day.with_event, day.in_rental
            );
            view! {
                <rect class="bar" x=LEFT + i * SLOT + 1 y=8 + PLOT - h width=SLOT - 2 height=h>
                    <title>{label}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <svg
            class="calendar-chart"
            role="img"
            aria-labelledby="calendar-chart-title calendar-chart-desc"
            viewBox=format!("0 0 {width} {height}")
            width="100%"
        >
            <title id="calendar-chart-title">"Expected participants per day"</title>
            <desc id="calendar-chart-desc">{description}</desc>
            <line class="axis" x1=LEFT y1=8 x2=LEFT y2=8 + PLOT />
            <line class="axis" x1=LEFT y1=8 + PLOT x2=width y2=8 + PLOT />
            <text class="axis-label" x=LEFT - 4 y=16 text-anchor="end">{max.to_string()}</text>
            <text class="axis-label" x=LEFT - 4 y=8 + PLOT text-anchor="end">"0"</text>
            <text class="axis-label" x=LEFT y=height - 4>{first}</text>
            <text class="axis-label" x=width y=height - 4 text-anchor="end">{last}</text>
            {bars}
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_busiest_day() {
        assert_eq!(bar_height(0, 0), 0);
        assert_eq!(bar_height(50, 100), PLOT / 2);
        assert_eq!(bar_height(100, 100), PLOT);
        assert_eq!(bar_height(200, 100), PLOT);
    }
}
