//! The order form as typed, and the checks that turn it into an [`OrderRequest`].
//!
//! Whether the template version is in the catalog and whether the address is still free need
//! stored data; the store checks those and answers on the same fields.

use serde::{Deserialize, Serialize};

use crate::booking::{
    Booking, BookingRules, check_booking, check_contact_and_note, parse_date, parse_event_days,
};
use crate::instance::Slug;
use crate::template::is_tag;
use crate::validation::{Invalid, check_max_len};

/// Longest instance name.
pub const INSTANCE_NAME_MAX_LEN: usize = 100;

/// The fields of the order form, as the browser sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderForm {
    /// The instance's display name.
    pub name: String,
    /// The address (`<slug>.<domain>`).
    pub slug: String,
    /// Template name from the catalog.
    pub template: String,
    /// Version (image tag) from the catalog.
    pub version: String,
    /// `small`, `medium` or `large`.
    pub plan: String,
    /// First rental day, `YYYY-MM-DD`.
    pub rental_start: String,
    /// Last rental day, `YYYY-MM-DD`.
    pub rental_end: String,
    /// Event days, one per line: `YYYY-MM-DD participants`.
    pub event_days: String,
    /// Whom to reach about the order.
    pub contact: String,
    /// Anything else.
    pub note: String,
}

/// A checked order, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    /// The instance's display name, trimmed.
    pub name: String,
    /// The checked address.
    pub slug: Slug,
    /// Template name (still to be found in the catalog).
    pub template: String,
    /// Version (still to be found in the catalog).
    pub version: String,
    /// Rental period, event days and plan, checked.
    pub booking: Booking,
    /// Contact, trimmed.
    pub contact: String,
    /// Note, trimmed.
    pub note: String,
}

/// Checks an instance name: 1–100 characters, no control characters. Returns it trimmed.
pub fn parse_instance_name(raw: &str) -> Result<String, Invalid> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Invalid::new("name", "Give the instance a name."));
    }
    check_max_len("name", name, INSTANCE_NAME_MAX_LEN)?;
    if name.chars().any(char::is_control) {
        return Err(Invalid::new(
            "name",
            "The name may not contain control characters.",
        ));
    }
    Ok(name.to_owned())
}

fn required(field: &str, raw: &str, what: &str, max: usize) -> Result<String, Invalid> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(Invalid::new(field, format!("Choose a {what}.")));
    }
    check_max_len(field, value, max)?;
    Ok(value.to_owned())
}

/// Checks a version: a Docker image tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`). Returns it
/// trimmed.
pub fn parse_version(raw: &str) -> Result<String, Invalid> {
    let version = required("version", raw, "version", 128)?;
    if !is_tag(&version) {
        return Err(Invalid::new(
            "version",
            "A version is an image tag: letters, digits, '_', '.' and '-', not starting with '.' or '-'.",
        ));
    }
    Ok(version)
}

/// Checks the form's plan, rental period and event days, as typed, into a booking.
pub fn check_dates(
    plan: &str,
    rental_start: &str,
    rental_end: &str,
    event_days: &str,
    rules: BookingRules,
) -> Result<Booking, Invalid> {
    let booking = Booking {
        plan: plan.trim().parse()?,
        start: parse_date("rental_start", rental_start)?,
        end: parse_date("rental_end", rental_end)?,
        event_days: parse_event_days(event_days)?,
    };
    check_booking(&booking, rules)?;
    Ok(booking)
}

/// Checks every field of the form that needs no stored data, in the order the form shows
/// them; the first broken rule is returned, naming its field.
pub fn check_order(form: &OrderForm, rules: BookingRules) -> Result<OrderRequest, Invalid> {
    let name = parse_instance_name(&form.name)?;
    let slug = Slug::parse(&form.slug)?;
    let template = required("template", &form.template, "template", 64)?;
    let version = parse_version(&form.version)?;
    let booking = check_dates(
        &form.plan,
        &form.rental_start,
        &form.rental_end,
        &form.event_days,
        rules,
    )?;
    check_contact_and_note(&form.contact, &form.note)?;
    Ok(OrderRequest {
        name,
        slug,
        template,
        version,
        booking,
        contact: form.contact.trim().to_owned(),
        note: form.note.trim().to_owned(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::booking::PlanSize;
    use chrono::NaiveDate;

    fn rules() -> BookingRules {
        BookingRules {
            today: NaiveDate::from_ymd_opt(2027, 1, 10).unwrap(),
            max_rental_days: 90,
        }
    }

    fn good() -> OrderForm {
        OrderForm {
            name: " Party congress ".into(),
            slug: "congress-27".into(),
            template: "openslides-4".into(),
            version: "4.2.21".into(),
            plan: "medium".into(),
            rental_start: "2027-02-01".into(),
            rental_end: "2027-02-28".into(),
            event_days: "2027-02-20 450\n2027-02-21 300".into(),
            contact: "Ada, +49 30 1234".into(),
            note: "".into(),
        }
    }

    #[test]
    fn a_good_form_is_checked_into_a_request() {
        let order = check_order(&good(), rules()).unwrap();
        assert_eq!(order.name, "Party congress");
        assert_eq!(order.slug.as_str(), "congress-27");
        assert_eq!(order.booking.plan, PlanSize::Medium);
        assert_eq!(order.booking.event_days.len(), 2);
    }

    /// Breaks one field of a good form.
    type Spoil = fn(&mut OrderForm);

    #[test]
    fn every_field_rule_names_its_field() {
        let cases: [(Spoil, &str); 13] = [
            (|f| f.name = " ".into(), "name"),
            (|f| f.name = "a\u{7}b".into(), "name"),
            (|f| f.slug = "www".into(), "slug"),
            (|f| f.template = "".into(), "template"),
            (|f| f.version = " ".into(), "version"),
            (|f| f.version = "-x".into(), "version"),
            (|f| f.plan = "huge".into(), "plan"),
            (|f| f.rental_start = "1.2.2027".into(), "rental_start"),
            (|f| f.rental_end = "2027-01-31".into(), "rental_end"),
            (|f| f.event_days = "2027-03-20 10".into(), "event_days"),
            (|f| f.event_days = "2027-02-20 501".into(), "event_days"),
            (|f| f.contact = "".into(), "contact"),
            (|f| f.note = "x".repeat(2001), "note"),
        ];
        for (spoil, field) in cases {
            let mut form = good();
            spoil(&mut form);
            assert_eq!(
                check_order(&form, rules()).unwrap_err().field,
                field,
                "{form:?}"
            );
        }
    }
}
