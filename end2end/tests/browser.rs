//! The customer journey in a real headless Chromium against a real Plenum: sign-up, log out,
//! log in, add a member to one's organisation, and a third customer who must not see it.
//!
//! Along the way it checks that the pages hydrate: form errors appear in place, without a page
//! load. Needs the built app; run it through `scripts/test.sh` (which sets `PLENUM_E2E_BIN` and
//! `PLENUM_E2E_SITE_DIR`), or after `cargo leptos build` with those two set by hand.

use end2end::{Browser, Harness};
use fantoccini::Locator;
use std::path::PathBuf;

const A_EMAIL: &str = "alice@example.com";
const A_ORG: &str = "alice's organisation";
const B_EMAIL: &str = "bob@example.com";
const C_EMAIL: &str = "carol@example.com";
const PASSWORD: &str = "correct horse 42";
/// Must match `domain::account::PASSWORD_RULE`, the text shown for a weak password.
const PASSWORD_RULE: &str =
    "Passwords need 10 to 128 characters, with at least one letter and one digit or symbol.";
const NO_ACCESS: &str = "Not found, or you have no access to it.";
const WRONG_LOGIN: &str = "Wrong email or password.";

/// Where the screenshot of the organisation page goes: `target/e2e-screenshots/` of the workspace.
fn screenshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/e2e-screenshots/organisation-page.png")
}

/// Signs up at /signup and waits for the dashboard listing the new account's organisation.
async fn sign_up(browser: &Browser<'_>, email: &str) {
    browser.goto("/signup").await;
    browser.fill("#signup-form", "email", email).await;
    browser.fill("#signup-form", "password", PASSWORD).await;
    browser.submit("#signup-form").await;
    browser.wait_for_path("/").await;
    let local = email.split('@').next().unwrap_or_default();
    browser
        .wait_for_text("#org-list", &format!("{local}'s organisation"))
        .await;
    browser.wait_for_text("header .who", email).await;
}

#[tokio::test]
async fn customers_sign_up_manage_members_and_see_only_their_organisations() {
    let harness = Harness::start();
    let started = std::time::Instant::now();

    // --- A: a weak password is refused next to the field, in place (hydrated form) ---
    let a = harness.browser("customer A").await;
    a.goto("/signup").await;
    let marker = a.set_page_marker().await;
    a.fill("#signup-form", "email", A_EMAIL).await;
    a.fill("#signup-form", "password", "short").await;
    a.submit("#signup-form").await;
    a.wait_for_text("#password-error", PASSWORD_RULE).await;
    a.assert_no_page_load(&marker, "submitting a weak password")
        .await;
    assert_eq!(a.path().await.ok().as_deref(), Some("/signup"));

    // --- A signs up properly: the dashboard lists A's own organisation ---
    a.fill("#signup-form", "password", PASSWORD).await;
    a.submit("#signup-form").await;
    a.wait_for_path("/").await;
    a.wait_for_text("#org-list", A_ORG).await;
    a.wait_for_text("header .who", A_EMAIL).await;

    // --- B signs up in a browser of their own (own cookies) ---
    let b = harness.browser("customer B").await;
    sign_up(&b, B_EMAIL).await;

    // --- A logs out with the button in the top navigation ---
    a.wait_for_handler("header.topbar form", "submit").await;
    a.click_button("header.topbar", "Log out").await;
    a.wait_for_path("/login").await;
    a.wait_for("#login-form").await;
    a.wait_for_text("header.topbar", "Log in").await;
    let nav = a
        .text("header.topbar")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    if nav.contains(A_EMAIL) {
        a.fail("after logging out, the navigation still shows A's email")
            .await;
    }

    // --- A mistypes the password: the error appears in the form, without a page load ---
    a.goto("/login").await;
    let marker = a.set_page_marker().await;
    a.fill("#login-form", "email", A_EMAIL).await;
    a.fill("#login-form", "password", "not the password 1")
        .await;
    a.submit("#login-form").await;
    a.wait_for_text("#login-form .form-error", WRONG_LOGIN)
        .await;
    a.assert_no_page_load(&marker, "a login with a wrong password")
        .await;
    assert_eq!(a.path().await.ok().as_deref(), Some("/login"));

    // --- A logs in and opens the organisation from the dashboard ---
    a.fill("#login-form", "password", PASSWORD).await;
    a.submit("#login-form").await;
    a.wait_for_path("/").await;
    a.wait_for_text("#org-list", A_ORG).await;
    a.wait_for_text("header .who", A_EMAIL).await;
    let link = a.wait_for("#org-list a").await;
    let href = link.attr("href").await.ok().flatten().unwrap_or_default();
    let org_id = href
        .strip_prefix("/orgs/")
        .filter(|id| id.parse::<i64>().is_ok())
        .map(str::to_owned);
    let Some(org_id) = org_id else {
        a.fail(&format!(
            "the organisation link points to {href:?}, not /orgs/<id>"
        ))
        .await;
    };
    if let Err(e) = link.click().await {
        a.fail(&format!("clicking the organisation link failed: {e}"))
            .await;
    }
    a.wait_for_path(&format!("/orgs/{org_id}")).await;
    a.wait_for_text("main h1", A_ORG).await;
    let members = a.wait_for_text("#members", A_EMAIL).await;
    assert!(
        members.contains("owner"),
        "A should be listed as owner: {members}"
    );
    assert!(
        !members.contains(B_EMAIL),
        "B is not a member yet: {members}"
    );

    // --- A adds B by email: B appears in the member table ---
    a.fill("#add-member-form", "email", B_EMAIL).await;
    a.submit("#add-member-form").await;
    let members = a.wait_for_text("#members", B_EMAIL).await;
    assert!(
        members.contains(A_EMAIL),
        "A must still be listed: {members}"
    );
    let b_row = a
        .client()
        .find(Locator::XPath(&format!(
            "//table[@id='members']//tr[td[normalize-space()='{B_EMAIL}']]"
        )))
        .await;
    match b_row {
        Ok(row) => {
            let row = row.text().await.unwrap_or_default();
            assert!(
                row.contains("member"),
                "B should have the role member: {row}"
            );
        }
        Err(e) => a.fail(&format!("no table row for B: {e}")).await,
    }
    let screenshot = screenshot_path();
    a.screenshot(&screenshot).await;
    eprintln!(
        "screenshot of the organisation page: {}",
        screenshot.display()
    );

    // --- B now sees A's organisation on their dashboard ---
    b.goto("/").await;
    b.wait_for_text("#org-list", A_ORG).await;

    // --- C, not a member, can neither open A's organisation nor see it listed ---
    let c = harness.browser("customer C").await;
    sign_up(&c, C_EMAIL).await;
    let dashboard = c.wait_for_text("#org-list", "carol's organisation").await;
    if dashboard.contains(A_ORG) {
        c.fail("C's dashboard lists A's organisation").await;
    }
    let links = c
        .js(
            "return Array.from(document.querySelectorAll('#org-list a')).map(a => a.getAttribute('href'));",
            vec![],
        )
        .await;
    if links
        .as_array()
        .is_some_and(|l| l.iter().any(|h| h.as_str() == Some(href.as_str())))
    {
        c.fail(&format!("C's dashboard links to A's organisation ({href})"))
            .await;
    }
    c.goto(&format!("/orgs/{org_id}")).await;
    c.wait_for_text("main", NO_ACCESS).await;
    let page = c.text("body").await.ok().flatten().unwrap_or_default();
    for email in [A_EMAIL, B_EMAIL] {
        if page.contains(email) {
            c.fail(&format!("C sees {email} on A's organisation page"))
                .await;
        }
    }
    if c.text("#members").await.ok().flatten().is_some() {
        c.fail("C is shown a member table for A's organisation")
            .await;
    }

    for browser in [a, b, c] {
        browser.close().await;
    }
    eprintln!("browser journey took {:.1?}", started.elapsed());
}
