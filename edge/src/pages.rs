//! The small, self-contained HTML pages shown at an instance's address when it is not
//! running, in Plenum's look (the colours, font and card of `style/main.css`, light and dark).

/// Which page to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// No instance has this host name.
    Unknown,
    /// The instance is stopped.
    Paused,
    /// The instance is being created or started.
    Preparing,
    /// The instance exists but cannot be served (failed, being removed).
    Unavailable,
    /// The instance should be running but its entry service does not answer.
    NotAnswering,
    /// The instance was hibernated and is waking up because of this visit.
    Waking,
}

impl Page {
    fn title(self) -> &'static str {
        match self {
            Page::Unknown => "No meeting here",
            Page::Paused => "This meeting platform is paused",
            Page::Preparing => "This meeting platform is being prepared",
            Page::Unavailable => "This meeting platform is unavailable",
            Page::NotAnswering => "This meeting platform is starting",
            Page::Waking => "This meeting platform is waking up",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Page::Unknown => {
                "There is no OpenSlides instance at this address. Check the address you were given."
            }
            Page::Paused => {
                "Its organisers have paused it. It will be back at this address when they start it again."
            }
            Page::Preparing => {
                "It is being set up and will be ready in a moment. This page reloads itself."
            }
            Page::Unavailable => "It cannot be reached right now. Please try again later.",
            Page::NotAnswering => {
                "It does not answer yet and should be ready in a moment. This page reloads itself."
            }
            Page::Waking => {
                "Nobody used it for a while, so it was resting. It is starting now and opens by itself in a few seconds."
            }
        }
    }

    /// Whether the page waits for the instance: it follows the address and opens the
    /// instance as soon as it answers.
    fn follows(self) -> bool {
        matches!(self, Page::Preparing | Page::NotAnswering | Page::Waking)
    }

    /// The page's kind: `data-page` and the [`EDGE_HEADER`] of its response.
    pub fn kind(self) -> &'static str {
        match self {
            Page::Unknown => "unknown",
            Page::Paused => "paused",
            Page::Preparing => "preparing",
            Page::Unavailable => "unavailable",
            Page::NotAnswering => "not-answering",
            Page::Waking => "waking",
        }
    }
}

/// Response header on every status page, naming its kind: a response without it comes
/// from the instance itself.
pub const EDGE_HEADER: &str = "x-plenum-edge";

/// Asks the page's own address every second and reloads as soon as the answer no longer
/// comes from Plenum's status pages (no [`EDGE_HEADER`]): the instance answers. The meta
/// refresh stays as the fallback without JavaScript.
const FOLLOW_SCRIPT: &str = "<script>(function(){var busy=false;setInterval(function(){\
if(busy)return;busy=true;fetch(location.href,{cache:'no-store',credentials:'omit'})\
.then(function(r){if(!r.headers.has('x-plenum-edge')){location.reload();}})\
.catch(function(){}).then(function(){busy=false;});},1000);})();</script>";

const STYLE: &str = ":root{--bg:#f6f7f9;--surface:#fff;--text:#1c2330;--muted:#5a6475;--border:#d9dde4;\
--accent:#1f5fbf;--radius:8px;--shadow:0 1px 2px rgba(16,24,40,.06),0 1px 3px rgba(16,24,40,.1);\
font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif;\
line-height:1.5;color-scheme:light dark}\
@media (prefers-color-scheme:dark){:root{--bg:#11151c;--surface:#1a2029;--text:#e6e9ef;\
--muted:#a3acba;--border:#2e3744;--accent:#6ea8fe}}\
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--text)}\
header{background:var(--surface);border-bottom:1px solid var(--border)}\
header p{max-width:72rem;margin:0 auto;padding:.75rem 1rem;font-weight:700;font-size:1.2rem}\
main{max-width:28rem;margin:2rem auto;padding:0 1rem}\
.card{background:var(--surface);border:1px solid var(--border);border-radius:var(--radius);\
box-shadow:var(--shadow);padding:1.25rem}\
h1{font-size:1.4rem;margin:0 0 .75rem}p{margin:0 0 .5rem}.meta{color:var(--muted)}\
a{color:var(--accent)}button{font:inherit;padding:.5rem 1rem;border-radius:var(--radius);\
border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}";

/// The page's HTML; `host` is shown (escaped), `refresh_seconds` used by pages that wait.
pub fn render(page: Page, host: &str, refresh_seconds: u32) -> String {
    let host_line = if host.is_empty() {
        String::new()
    } else {
        format!("<p class=\"meta\">{}</p>", escape(host))
    };
    let follow = if page.follows() { FOLLOW_SCRIPT } else { "" };
    document(
        page.title(),
        &format!(
            "<div class=\"card\" id=\"edge-status\" data-page=\"{kind}\">\
<h1>{title}</h1><p>{text}</p>{host_line}</div>{follow}",
            title = page.title(),
            text = page.text(),
            kind = page.kind(),
        ),
        page.follows().then_some(refresh_seconds),
    )
}

/// A self-contained page in Plenum's look around `main_html` (already escaped), reloading
/// itself every `refresh_seconds` when given. Also used by the identity provider's pages.
pub fn document(title: &str, main_html: &str, refresh_seconds: Option<u32>) -> String {
    let refresh = refresh_seconds
        .map(|s| format!("<meta http-equiv=\"refresh\" content=\"{s}\">"))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{refresh}\
<title>{title}</title><style>{STYLE}</style></head>\
<body><header><p>Plenum</p></header><main>{main_html}</main></body></html>\n",
        title = escape(title),
    )
}

/// `text` with the HTML special characters escaped.
pub fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_name_their_kind_and_only_waiting_pages_refresh() {
        let paused = render(Page::Paused, "a.example.org", 5);
        assert!(paused.contains("data-page=\"paused\""));
        assert!(paused.contains("is paused"));
        assert!(paused.contains("a.example.org"));
        assert!(!paused.contains("http-equiv=\"refresh\""));
        let preparing = render(Page::Preparing, "a.example.org", 7);
        assert!(preparing.contains("<meta http-equiv=\"refresh\" content=\"7\">"));
        assert!(preparing.contains("being prepared"));
        assert!(render(Page::Unknown, "", 5).contains("data-page=\"unknown\""));
        let waking = render(Page::Waking, "a.example.org", 5);
        assert!(waking.contains("data-page=\"waking\""));
        assert!(waking.contains("waking up"));
        // Waiting pages follow the address; the others do not.
        assert!(waking.contains("r.headers.has('x-plenum-edge')"));
        assert!(preparing.contains("<script>"));
        assert!(!paused.contains("<script>"));
    }

    #[test]
    fn host_is_escaped() {
        assert!(render(Page::Unknown, "<b>", 5).contains("&lt;b&gt;"));
    }
}
