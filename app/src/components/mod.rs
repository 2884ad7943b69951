//! Small components shared by several pages.

pub mod calendar_chart;
pub mod capacity_chart;
pub mod feedback;
pub mod live;
pub mod load_chart;
pub mod nav;
