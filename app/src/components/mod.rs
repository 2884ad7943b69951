//! Small components shared by several pages.

pub mod feedback;
pub mod nav;
