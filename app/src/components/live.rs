//! Live updates: a server-sent event stream opened in the browser once the page is
//! hydrated, each message handed to a callback with its event name. On the server (and
//! without WASM) nothing is opened; the page shows what it was rendered with.

/// Subscribes to the event stream at `url` while the calling component lives (it is closed
/// when the component is cleaned up); `on(name, data)` is called for every message of the
/// events named in `names`.
pub fn subscribe(
    url: String,
    names: &'static [&'static str],
    on: impl Fn(&str, String) + Send + Sync + 'static,
) {
    #[cfg(feature = "hydrate")]
    browser::subscribe(&url, names, on);
    #[cfg(not(feature = "hydrate"))]
    let _ = (url, names, on);
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    /// An open `EventSource` and its listeners; closed when dropped.
    struct Subscription {
        source: EventSource,
        _listeners: Vec<Closure<dyn Fn(MessageEvent)>>,
    }

    impl Drop for Subscription {
        fn drop(&mut self) {
            self.source.close();
        }
    }

    pub fn subscribe(
        url: &str,
        names: &'static [&'static str],
        on: impl Fn(&str, String) + Send + Sync + 'static,
    ) {
        let Ok(source) = EventSource::new(url) else {
            return;
        };
        let on = std::sync::Arc::new(on);
        let listeners = names
            .iter()
            .filter_map(|&name| {
                let on = on.clone();
                let listener = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
                    if let Some(data) = e.data().as_string() {
                        on(name, data);
                    }
                });
                source
                    .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
                    .ok()
                    .map(|()| listener)
            })
            .collect();
        let subscription = StoredValue::new_local(Some(Subscription {
            source,
            _listeners: listeners,
        }));
        on_cleanup(move || subscription.set_value(None));
    }
}

/// Advances `tick` every `period` in the browser while the calling component lives (for
/// lists that refresh themselves: a resource keyed on `tick` reloads).
pub fn tick_every(tick: leptos::prelude::RwSignal<u64>, period: std::time::Duration) {
    use leptos::prelude::*;
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), period) {
            on_cleanup(move || handle.clear());
        }
    });
}
