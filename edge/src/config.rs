//! The Caddy configuration Plenum wants, as a pure function of the checked settings and the
//! instances: [`Desired::from_instances`] picks what is routed, [`caddy_config`] writes
//! Caddy's JSON, and [`routed_hosts`] reads the routes back out of a configuration.
//!
//! # Shape
//!
//! * `admin.listen` is `{env.CADDY_ADMIN}`: the admin API stays where the container was told
//!   to put it (a loaded config without `admin` would move it back to `localhost:2019`).
//! * Server `plenum_https` on `:443` (HTTP/1.1 and HTTP/2, TLS for every name, automatic
//!   HTTPS off because Plenum configures TLS itself):
//!   1. one route per running instance, `@id` `plenum-instance-<hostname>`: host match →
//!      `reverse_proxy` to `<stack>_<entry>:<port>` with `flush_interval: -1` (responses are
//!      streamed, not buffered);
//!   2. `plenum-ui`: Plenum's own host name → Plenum, except `/edge/*` (404 from outside);
//!   3. `plenum-fallback`: any other host → Plenum's status page (`GET /edge/status`, Host
//!      kept, cookies and credentials dropped), which answers 404 / paused / being prepared;
//!   4. errors of a route (an entry service that does not answer) → the status page too.
//! * Server `plenum_http` on `:80`: `plenum-redirect` sends known host names (existing
//!   instances and Plenum's) to HTTPS with 308; other hosts get the status page (404).
//!   ACME HTTP challenges are answered by Caddy before any route.
//! * `apps.tls`: Plenum's host name is obtained ahead of time; every other name on demand,
//!   after Caddy asked `http://<plenum upstream>/edge/ask?domain=<name>` (200 = yes).

use std::collections::{BTreeMap, BTreeSet};

use domain::dns::DnsName;
use serde_json::{Value, json};

use crate::directory::{EdgeInstance, InstanceState};
use crate::settings::{EdgeSetup, Issuer};

/// `@id` prefix of the route of one running instance; the host name follows.
pub const INSTANCE_ROUTE_PREFIX: &str = "plenum-instance-";
/// `@id` of the route to Plenum's own UI.
pub const UI_ROUTE_ID: &str = "plenum-ui";
/// `@id` of the catch-all routes to Plenum's status pages (`:443` and `:80`).
pub const FALLBACK_ROUTE_ID: &str = "plenum-fallback";
/// `@id` of the HTTP→HTTPS redirect.
pub const REDIRECT_ROUTE_ID: &str = "plenum-redirect";
/// Name of the HTTPS server in `apps.http.servers`.
pub const HTTPS_SERVER: &str = "plenum_https";
/// Name of the HTTP server in `apps.http.servers`.
pub const HTTP_SERVER: &str = "plenum_http";
/// Path of Plenum's on-demand TLS `ask` endpoint.
pub const ASK_PATH: &str = "/edge/ask";
/// Path Caddy rewrites requests to when Plenum is to answer with a status page.
pub const STATUS_PATH: &str = "/edge/status";

/// One running instance's route.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    /// Its public host name.
    pub hostname: DnsName,
    /// Its entry service as Caddy dials it, `host:port`.
    pub upstream: String,
}

/// An instance that cannot get a route, and why (logged by the reconciler).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The instance's slug.
    pub slug: String,
    /// Why it was left out.
    pub reason: String,
}

/// What the edge should route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Desired {
    /// Routes of running instances, by host name.
    pub routes: Vec<Route>,
    /// Host names of all existing instances (HTTP requests to them are redirected to HTTPS).
    pub known_hosts: BTreeSet<DnsName>,
}

impl Desired {
    /// Routes for the running instances among `instances`, host names for all of them.
    /// Instances whose slug is no DNS label, whose host name is Plenum's own, or whose
    /// upstream is not `host:port` are left out and reported.
    pub fn from_instances(setup: &EdgeSetup, instances: &[EdgeInstance]) -> (Self, Vec<Skipped>) {
        let mut routes = BTreeMap::new();
        let mut known_hosts = BTreeSet::new();
        let mut skipped = Vec::new();
        for instance in instances {
            let skip = |reason: String| Skipped {
                slug: instance.slug.clone(),
                reason,
            };
            let Some(hostname) = setup.instance_hostname(&instance.slug) else {
                skipped.push(skip("the slug is not a DNS label".to_owned()));
                continue;
            };
            if hostname == setup.ui_hostname {
                skipped.push(skip(format!("{hostname} is Plenum's own host name")));
                continue;
            }
            known_hosts.insert(hostname.clone());
            if let InstanceState::Running { upstream } = &instance.state {
                if !is_dial_address(upstream) {
                    skipped.push(skip(format!("upstream {upstream:?} is not host:port")));
                    continue;
                }
                routes.insert(hostname, upstream.clone());
            }
        }
        let routes = routes
            .into_iter()
            .map(|(hostname, upstream)| Route { hostname, upstream })
            .collect();
        (
            Self {
                routes,
                known_hosts,
            },
            skipped,
        )
    }
}

/// `@id` of the route for `hostname`.
pub fn instance_route_id(hostname: &DnsName) -> String {
    format!("{INSTANCE_ROUTE_PREFIX}{hostname}")
}

/// Caddy's complete JSON configuration for `desired`.
pub fn caddy_config(setup: &EdgeSetup, desired: &Desired) -> Value {
    let mut https_routes: Vec<Value> = desired
        .routes
        .iter()
        .map(|route| {
            json!({
                "@id": instance_route_id(&route.hostname),
                "match": [{ "host": [route.hostname.as_str()] }],
                "handle": [proxy(&route.upstream)],
                "terminal": true
            })
        })
        .collect();
    https_routes.push(json!({
        "@id": UI_ROUTE_ID,
        "match": [{ "host": [setup.ui_hostname.as_str()] }],
        "handle": [{
            "handler": "subroute",
            "routes": [
                {
                    "match": [{ "path": ["/edge/*"] }],
                    "handle": [{ "handler": "static_response", "status_code": 404 }]
                },
                { "handle": [proxy(&setup.plenum_upstream)] }
            ]
        }],
        "terminal": true
    }));
    https_routes.push(fallback(setup));

    let mut redirect_hosts: Vec<&str> = desired.known_hosts.iter().map(DnsName::as_str).collect();
    redirect_hosts.push(setup.ui_hostname.as_str());
    redirect_hosts.sort_unstable();
    redirect_hosts.dedup();
    let location = if setup.https_port == 443 {
        "https://{http.request.host}{http.request.uri}".to_owned()
    } else {
        format!(
            "https://{{http.request.host}}:{}{{http.request.uri}}",
            setup.https_port
        )
    };

    let mut apps = json!({
        "http": {
            "servers": {
                HTTPS_SERVER: {
                    "listen": [":443"],
                    "protocols": ["h1", "h2"],
                    "automatic_https": { "disable": true },
                    "tls_connection_policies": [{}],
                    "routes": https_routes,
                    "errors": { "routes": [status_page(setup)] }
                },
                HTTP_SERVER: {
                    "listen": [":80"],
                    "protocols": ["h1"],
                    "automatic_https": { "disable": true },
                    "routes": [
                        {
                            "@id": REDIRECT_ROUTE_ID,
                            "match": [{ "host": redirect_hosts }],
                            "handle": [{
                                "handler": "static_response",
                                "status_code": 308,
                                "headers": { "Location": [location] }
                            }],
                            "terminal": true
                        },
                        fallback(setup)
                    ]
                }
            }
        },
        "tls": {
            "certificates": { "automate": [setup.ui_hostname.as_str()] },
            "automation": {
                "policies": [
                    { "subjects": [setup.ui_hostname.as_str()], "issuers": [issuer(&setup.issuer)] },
                    { "issuers": [issuer(&setup.issuer)], "on_demand": true }
                ],
                "on_demand": { "ask": format!("http://{}{ASK_PATH}", setup.plenum_upstream) }
            }
        }
    });
    if setup.issuer == Issuer::Internal
        && let Some(apps) = apps.as_object_mut()
    {
        // Caddy would try to add its root to the container's trust store otherwise.
        apps.insert(
            "pki".to_owned(),
            json!({ "certificate_authorities": { "local": { "install_trust": false } } }),
        );
    }
    json!({
        "admin": { "listen": "{env.CADDY_ADMIN}" },
        "apps": apps
    })
}

/// The instance routes found in a Caddy configuration: host name → upstream.
pub fn routed_hosts(config: &Value) -> BTreeMap<String, String> {
    let servers = config
        .pointer("/apps/http/servers")
        .and_then(Value::as_object);
    servers
        .into_iter()
        .flat_map(|servers| servers.values())
        .filter_map(|server| server.get("routes").and_then(Value::as_array))
        .flatten()
        .filter(|route| {
            route
                .get("@id")
                .and_then(Value::as_str)
                .is_some_and(|id| id.starts_with(INSTANCE_ROUTE_PREFIX))
        })
        .filter_map(|route| {
            let host = route.pointer("/match/0/host/0")?.as_str()?;
            let dial = route.pointer("/handle/0/upstreams/0/dial")?.as_str()?;
            Some((host.to_owned(), dial.to_owned()))
        })
        .collect()
}

fn proxy(upstream: &str) -> Value {
    json!({
        "handler": "reverse_proxy",
        "upstreams": [{ "dial": upstream }],
        "flush_interval": -1
    })
}

/// Everything not routed elsewhere: Plenum's status page for the request's host.
fn fallback(setup: &EdgeSetup) -> Value {
    let mut route = status_page(setup);
    if let Some(route) = route.as_object_mut() {
        route.insert("@id".to_owned(), json!(FALLBACK_ROUTE_ID));
    }
    route
}

fn status_page(setup: &EdgeSetup) -> Value {
    json!({
        "handle": [
            { "handler": "rewrite", "method": "GET", "uri": STATUS_PATH },
            {
                "handler": "reverse_proxy",
                "upstreams": [{ "dial": setup.plenum_upstream }],
                "headers": { "request": { "delete": ["Cookie", "Authorization"] } }
            }
        ],
        "terminal": true
    })
}

fn issuer(issuer: &Issuer) -> Value {
    match issuer {
        Issuer::Internal => json!({ "module": "internal" }),
        Issuer::Acme { email, ca_url } => {
            let mut acme = json!({ "module": "acme", "ca": ca_url });
            if let (Some(email), Some(acme)) = (email, acme.as_object_mut()) {
                acme.insert("email".to_owned(), json!(email));
            }
            acme
        }
    }
}

/// `host:port` made only of characters that cannot start a Caddy placeholder.
fn is_dial_address(text: &str) -> bool {
    text.rsplit_once(':').is_some_and(|(host, port)| {
        !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            && port.parse::<u16>().is_ok_and(|p| p > 0)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::settings::{EdgeSettings, TlsIssuer};

    fn setup(issuer: TlsIssuer) -> EdgeSetup {
        EdgeSettings {
            enabled: true,
            base_domain: "example.org".to_owned(),
            tls_issuer: issuer,
            acme_email: Some("ops@example.org".to_owned()),
            plenum_upstream: "plenum_server:3000".to_owned(),
            ..EdgeSettings::default()
        }
        .check()
        .unwrap()
    }

    fn instance(slug: &str, state: InstanceState) -> EdgeInstance {
        EdgeInstance {
            slug: slug.to_owned(),
            state,
        }
    }

    fn running(slug: &str, upstream: &str) -> EdgeInstance {
        instance(
            slug,
            InstanceState::Running {
                upstream: upstream.to_owned(),
            },
        )
    }

    #[test]
    fn only_running_instances_are_routed_all_are_known() {
        let setup = setup(TlsIssuer::Acme);
        let (desired, skipped) = Desired::from_instances(
            &setup,
            &[
                running("zeta", "pl2_web:8080"),
                running("alpha", "pl1_web:8080"),
                instance("paused", InstanceState::Paused),
                instance("new", InstanceState::Preparing),
                running("plenum", "pl9_web:8080"),
                running("bad_slug", "pl3_web:8080"),
                running("odd", "{env.SECRET}:80"),
            ],
        );
        let hosts: Vec<_> = desired.routes.iter().map(|r| r.hostname.as_str()).collect();
        assert_eq!(hosts, ["alpha.example.org", "zeta.example.org"]);
        assert_eq!(desired.routes[0].upstream, "pl1_web:8080");
        let known: Vec<_> = desired.known_hosts.iter().map(DnsName::as_str).collect();
        assert_eq!(
            known,
            [
                "alpha.example.org",
                "new.example.org",
                "odd.example.org",
                "paused.example.org",
                "zeta.example.org"
            ]
        );
        let skipped: Vec<_> = skipped.iter().map(|s| s.slug.as_str()).collect();
        assert_eq!(skipped, ["plenum", "bad_slug", "odd"]);
    }

    #[test]
    fn config_routes_streams_and_reads_back() {
        let setup = setup(TlsIssuer::Acme);
        let (desired, _) = Desired::from_instances(
            &setup,
            &[
                running("alpha", "pl1_web:8080"),
                instance("beta", InstanceState::Paused),
            ],
        );
        let config = caddy_config(&setup, &desired);
        assert_eq!(config["admin"]["listen"], "{env.CADDY_ADMIN}");
        let https = &config["apps"]["http"]["servers"][HTTPS_SERVER];
        assert_eq!(https["listen"], json!([":443"]));
        assert_eq!(https["protocols"], json!(["h1", "h2"]));
        assert_eq!(https["automatic_https"]["disable"], true);
        let routes = https["routes"].as_array().unwrap();
        assert_eq!(routes.len(), 3);
        assert_eq!(routes[0]["@id"], "plenum-instance-alpha.example.org");
        assert_eq!(routes[0]["match"][0]["host"], json!(["alpha.example.org"]));
        assert_eq!(routes[0]["handle"][0]["handler"], "reverse_proxy");
        assert_eq!(routes[0]["handle"][0]["flush_interval"], -1);
        assert_eq!(routes[1]["@id"], UI_ROUTE_ID);
        assert_eq!(routes[1]["match"][0]["host"], json!(["plenum.example.org"]));
        assert_eq!(routes[2]["@id"], FALLBACK_ROUTE_ID);
        assert!(
            routes[2].get("match").is_none(),
            "the fallback matches every host"
        );
        assert_eq!(routes[2]["handle"][0]["uri"], STATUS_PATH);
        assert_eq!(
            routes[2]["handle"][1]["upstreams"][0]["dial"],
            "plenum_server:3000"
        );
        assert_eq!(
            routed_hosts(&config),
            BTreeMap::from([("alpha.example.org".to_owned(), "pl1_web:8080".to_owned())])
        );

        let http = &config["apps"]["http"]["servers"][HTTP_SERVER];
        let redirect = &http["routes"][0];
        assert_eq!(redirect["@id"], REDIRECT_ROUTE_ID);
        assert_eq!(
            redirect["match"][0]["host"],
            json!([
                "alpha.example.org",
                "beta.example.org",
                "plenum.example.org"
            ])
        );
        assert_eq!(redirect["handle"][0]["status_code"], 308);
        assert_eq!(
            redirect["handle"][0]["headers"]["Location"],
            json!(["https://{http.request.host}{http.request.uri}"])
        );
        assert_eq!(http["routes"][1]["@id"], FALLBACK_ROUTE_ID);

        let tls = &config["apps"]["tls"];
        assert_eq!(
            tls["automation"]["on_demand"]["ask"],
            "http://plenum_server:3000/edge/ask"
        );
        assert_eq!(tls["automation"]["policies"][1]["on_demand"], true);
        assert_eq!(
            tls["automation"]["policies"][1]["issuers"],
            json!([{ "module": "acme", "ca": crate::settings::LETS_ENCRYPT, "email": "ops@example.org" }])
        );
        assert_eq!(
            tls["certificates"]["automate"],
            json!(["plenum.example.org"])
        );
        assert!(config["apps"].get("pki").is_none());
    }

    #[test]
    fn internal_issuer_and_other_https_port() {
        let mut setup = setup(TlsIssuer::Internal);
        setup.https_port = 18443;
        let config = caddy_config(&setup, &Desired::default());
        assert_eq!(
            config["apps"]["tls"]["automation"]["policies"][0]["issuers"],
            json!([{ "module": "internal" }])
        );
        assert_eq!(
            config["apps"]["pki"]["certificate_authorities"]["local"]["install_trust"],
            false
        );
        assert_eq!(
            config["apps"]["http"]["servers"][HTTP_SERVER]["routes"][0]["handle"][0]["headers"]["Location"],
            json!(["https://{http.request.host}:18443{http.request.uri}"])
        );
        assert!(routed_hosts(&config).is_empty());
    }

    #[test]
    fn config_is_deterministic() {
        let setup = setup(TlsIssuer::Acme);
        let a = Desired::from_instances(
            &setup,
            &[running("b", "pl2_web:8080"), running("a", "pl1_web:8080")],
        )
        .0;
        let b = Desired::from_instances(
            &setup,
            &[running("a", "pl1_web:8080"), running("b", "pl2_web:8080")],
        )
        .0;
        assert_eq!(
            serde_json::to_string(&caddy_config(&setup, &a)).unwrap(),
            serde_json::to_string(&caddy_config(&setup, &b)).unwrap()
        );
    }
}
