//! Orders: what a customer asks for (an instance with a name, address, template version, plan
//! and rental period), the states an order passes through, and how each plan sizes the
//! template's services.

mod form;
mod sizing;
mod status;

pub use form::{
    INSTANCE_NAME_MAX_LEN, OrderForm, OrderRequest, check_dates, check_order, parse_instance_name,
    parse_version,
};
pub use sizing::{PlanServices, ServiceSizing, check_sizing, limits_of, parse_sizing, replicas_of};
pub use status::{OrderStatus, REASON_MAX_LEN, check_reason};
