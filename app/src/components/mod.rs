//! Small components shared by several pages.

pub mod calendar_chart;
pub mod capacity_chart;
pub mod feedback;
pub mod live;
pub mod load_chart;
pub mod nav;
pub mod usage_chart;

/// Percent-encodes a value for a URL's query string.
pub fn query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
