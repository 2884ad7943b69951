//! Issue 8's single sign-on journey in a real headless Chromium, on the real Docker Swarm
//! behind a real Caddy: two organisations each run a demo instance (an OpenID Connect relying
//! party of Plenum's, registered by the engine); a person invited by link (no account yet)
//! and granted access to both signs in once
//! at the first and enters the second without typing a password, with their role at each; a
//! person without access gets Plenum's "no access" page; after the owner revokes the access,
//! and the person logs out (which ends the Plenum session), the next sign-in asks for the
//! password again and the second instance refuses them.
//!
//! Like the other Swarm tests it fails — never skips — without Docker in Swarm mode and the
//! local images; everything is removed at the end, also after a failure.

use end2end::Browser;
use end2end::platform::{Platform, SLOW, assert_clean_console, call, wait_for_page};
use end2end::swarm::{self, CADDY_IMAGE};
use serde_json::json;
use std::time::Instant;

const OWNER_X: &str = "owner-x@example.com";
const OWNER_Y: &str = "owner-y@example.com";
const PERSON: &str = "delegate@example.com";
const OUTSIDER: &str = "outsider@example.com";
const PASSWORD: &str = "correct horse 42";

/// Signs `email` up at Plenum in `browser` (which is then signed in).
async fn sign_up(browser: &Browser<'_>, email: &str) {
    browser.goto("/signup").await;
    browser.fill("#signup-form", "email", email).await;
    browser.fill("#signup-form", "password", PASSWORD).await;
    browser.submit("#signup-form").await;
    browser.wait_for_text("header .who", email).await;
}

/// Orders a demo instance at `slug` for the signed-in owner (approved at once: the platform
/// approves orders automatically) and waits until it runs; its id.
async fn running_instance(browser: &Browser<'_>, slug: &str) -> i64 {
    let orgs = call(browser, "orgs/mine", json!({})).await;
    let org_id = orgs[0]["id"].as_i64().expect("an organisation");
    let days = browser
        .js(
            "const today = new Date(); const next = new Date(today); next.setUTCDate(today.getUTCDate() + 1);\
             return [today.toISOString().slice(0, 10), next.toISOString().slice(0, 10)];",
            vec![],
        )
        .await;
    let (today, tomorrow) = (
        days[0].as_str().unwrap_or(""),
        days[1].as_str().unwrap_or(""),
    );
    let order = call(
        browser,
        "orders/place",
        json!({
            "org_id": org_id.to_string(), "name": format!("Congress {slug}"), "slug": slug,
            "template": "demo", "version": "1.0", "plan": "small",
            "rental_start": today, "rental_end": tomorrow,
            "event_days": format!("{tomorrow} 80"), "contact": "Ada", "note": "",
        }),
    )
    .await;
    let Some(id) = order["instance_id"].as_i64() else {
        browser
            .fail(&format!("the order was not provisioned: {order}"))
            .await;
    };
    browser
        .eventually_within(SLOW, &format!("instance {slug} to run"), async || {
            let list = call(
                browser,
                "instances/list",
                json!({ "org_id": org_id.to_string() }),
            )
            .await;
            let running = list.as_array().into_iter().flatten().any(|i| {
                i["id"] == json!(id)
                    && i["status"]
                        .as_str()
                        .is_some_and(|s| s.starts_with("running"))
            });
            if !running {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
            Ok(running.then_some(()))
        })
        .await;
    id
}

/// Grants `email` access; the invitation link when the address has no account yet.
async fn grant(browser: &Browser<'_>, instance: i64, email: &str, role: &str) -> Option<String> {
    let reply = call(
        browser,
        "access/grant",
        json!({ "id": instance.to_string(), "email": email, "given_name": "Rosa",
                "family_name": "Lux", "role": role }),
    )
    .await;
    if reply["email"] != json!(email) {
        browser
            .fail(&format!("granting {email} failed: {reply}"))
            .await;
    }
    reply["notice"]["invite_link"].as_str().map(str::to_owned)
}

/// Clicks the instance page's "Sign in".
async fn click_sign_in(browser: &Browser<'_>) {
    browser.click("#sign-in").await;
}

/// Waits until the instance page at `url` says `email` is signed in; returns the role shown.
async fn signed_in_at(browser: &Browser<'_>, url: &str, email: &str) -> String {
    browser.wait_for_text("#signed-in", email).await;
    let at = browser
        .client()
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    if !at.starts_with(url) {
        browser
            .fail(&format!("signed in, but at {at}, not {url}"))
            .await;
    }
    browser
        .text("#role")
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_sign_in_reaches_instances_of_two_organisations() {
    swarm::preflight(&[CADDY_IMAGE, "plenum/demo-app:1.0", "plenum/postgres:15"]);
    let started = Instant::now();
    let platform = Platform::start("e2e-sso", "[orders]\nauto_approve = true\n", |_| {}).await;
    let suffix = platform.installation.suffix();
    let (slug_a, slug_b) = (format!("union-{suffix}"), format!("party-{suffix}"));
    let (url_a, url_b) = (
        platform.instance_url(&slug_a),
        platform.instance_url(&slug_b),
    );

    // --- Two organisations, each with a running demo instance; both grant the person ---
    let owner_x = platform.browser("owner X").await;
    sign_up(&owner_x, OWNER_X).await;
    let owner_y = platform.browser("owner Y").await;
    sign_up(&owner_y, OWNER_Y).await;
    let instance_a = running_instance(&owner_x, &slug_a).await;
    let instance_b = running_instance(&owner_y, &slug_b).await;
    // The person has no account yet: the grant gives an invitation link.
    let Some(invitation) = grant(&owner_x, instance_a, PERSON, "participant").await else {
        owner_x
            .fail("granting an address without an account gave no invitation link")
            .await;
    };
    owner_x.close().await;
    // B's owner grants through the console's People section.
    owner_y.goto(&format!("/instances/{instance_b}")).await;
    owner_y.wait_for_handler("#grant-form", "submit").await;
    owner_y.fill("#grant-form", "email", PERSON).await;
    owner_y.fill("#grant-form", "given_name", "Rosa").await;
    owner_y
        .js(
            "const s = document.querySelector('#grant-role'); s.value = 'admin';\
             s.dispatchEvent(new Event('change', { bubbles: true })); return s.value;",
            vec![],
        )
        .await;
    owner_y.submit("#grant-form").await;
    owner_y.wait_for_text("#people-list", PERSON).await;
    owner_y
        .wait_for_text(
            &format!("#people-list tr[data-email=\"{PERSON}\"]"),
            "admin",
        )
        .await;
    assert_clean_console(&owner_y).await;

    // The person follows the invitation link and sets a password (then signs out); an
    // outsider has an account of their own.
    let invited = platform.browser("invited person").await;
    invited.goto_url(&invitation).await;
    invited.wait_for_handler("#invitation-form", "submit").await;
    invited.fill("#invitation-form", "password", PASSWORD).await;
    invited.submit("#invitation-form").await;
    invited.wait_for_path("/portal").await;
    invited.wait_for_text("header .who", PERSON).await;
    assert_clean_console(&invited).await;
    invited.close().await;
    let registrar = platform.browser("registrar").await;
    sign_up(&registrar, OUTSIDER).await;
    registrar.close().await;

    // --- The person signs in once, at instance A, with Plenum's password form ---
    let person = platform.browser("person").await;
    wait_for_page(&person, &url_a, "#sign-in", "Sign in").await;
    click_sign_in(&person).await;
    person.wait_for("#login-form").await;
    person.fill("#login-form", "email", PERSON).await;
    person.fill("#login-form", "password", PASSWORD).await;
    person.submit("#login-form").await;
    let role = signed_in_at(&person, &url_a, PERSON).await;
    assert_eq!(role, "participant", "the person's role at A");

    // --- … and enters instance B of another organisation without typing a password ---
    wait_for_page(&person, &url_b, "#sign-in", "Sign in").await;
    click_sign_in(&person).await;
    let role = signed_in_at(&person, &url_b, PERSON).await;
    assert_eq!(role, "admin", "the person's role at B");
    // Plenum's portal lists both, across the organisations.
    person.goto("/portal").await;
    person
        .wait_for_text("#portal", &format!("Congress {slug_a}"))
        .await;
    person
        .wait_for_text("#portal", &format!("Congress {slug_b}"))
        .await;
    assert_clean_console(&person).await;

    // --- Someone without access to B gets Plenum's "no access" page ---
    let outsider = platform.browser("outsider").await;
    outsider.goto("/login").await;
    outsider.fill("#login-form", "email", OUTSIDER).await;
    outsider.fill("#login-form", "password", PASSWORD).await;
    outsider.submit("#login-form").await;
    outsider.wait_for_text("header .who", OUTSIDER).await;
    wait_for_page(&outsider, &url_b, "#sign-in", "Sign in").await;
    click_sign_in(&outsider).await;
    outsider.wait_for_text("#sso-no-access", "no access").await;
    outsider.close().await;

    // --- B's owner revokes the person's access in the People section ---
    let row = format!("#people-list tr[data-email=\"{PERSON}\"]");
    owner_y
        .wait_for_handler(&format!("{row} form"), "submit")
        .await;
    owner_y.click_button(&row, "Revoke").await;
    owner_y
        .wait_until_gone(&row, "the person to leave B's list")
        .await;
    let people = call(
        &owner_y,
        "access/list",
        json!({ "id": instance_b.to_string() }),
    )
    .await;
    assert_eq!(people, json!([]), "nobody left at B");
    assert_clean_console(&owner_y).await;
    owner_y.close().await;

    // --- Logging out at B ends the Plenum session (RP-initiated logout) … ---
    wait_for_page(&person, &url_b, "#signed-in", PERSON).await;
    person.click("#sign-out").await;
    person.wait_for_text("#sign-in", "Sign in").await;
    // … so at A the next sign-in asks for the password again …
    wait_for_page(&person, &url_a, "#signed-in", PERSON).await;
    person.click("#sign-out").await;
    person.wait_for("#sign-in").await;
    click_sign_in(&person).await;
    person.wait_for("#login-form").await;
    person.fill("#login-form", "email", PERSON).await;
    person.fill("#login-form", "password", PASSWORD).await;
    person.submit("#login-form").await;
    signed_in_at(&person, &url_a, PERSON).await;
    // … and B, after the revocation, refuses the person.
    wait_for_page(&person, &url_b, "#sign-in", "Sign in").await;
    click_sign_in(&person).await;
    person.wait_for_text("#sso-no-access", "no access").await;

    assert_clean_console(&person).await;
    person.close().await;
    drop(platform);
    eprintln!("single sign-on journey took {:.1?}", started.elapsed());
}
