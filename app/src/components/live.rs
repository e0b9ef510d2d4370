//! A screen that follows server-sent events (read with gloo-net's EventSource in the
//! browser): each event of a name bumps a counter the screen reloads on, at most once a
//! second however fast the events come. For work the server sends no events about (a
//! mail migration), `poll_while` bumps the counter on a timer instead.

use leptos::prelude::*;

/// How a live view stands, for the line that tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Following {
    /// Not asked for (switched off), or not yet running in the browser.
    Off,
    /// Asked for; the server has not said it is following yet.
    Connecting,
    /// Open: `seen` events have come since it was switched on.
    On { seen: u32 },
    /// The server closed it (signed out, or the server stopped).
    Lost,
}

/// Follows `event` events of `url` while `wanted` is true; `arrived` is bumped (at most
/// once a second) when one comes, and `state` tells how it stands. The server sends
/// `ready` first, once it follows: only then does the view say so.
pub fn follow(
    url: &'static str,
    event: &'static str,
    wanted: Signal<bool>,
    arrived: RwSignal<u32>,
    state: RwSignal<Following>,
) {
    #[cfg(feature = "hydrate")]
    {
        use futures::StreamExt;
        use gloo_net::eventsource::futures::EventSource;
        use std::{cell::Cell, rc::Rc, time::Duration};

        let source = StoredValue::new_local(None::<EventSource>);
        // Each opening's number: a closed one's task must not speak for the next.
        let opening = Rc::new(Cell::new(0u32));
        Effect::new(move |_| {
            // Switching off drops the source, which closes it.
            source.set_value(None);
            let this = opening.get() + 1;
            opening.set(this);
            let opening = opening.clone();
            if !wanted.get() {
                state.set(Following::Off);
                return;
            }
            let Ok(mut opened) = EventSource::new(url) else {
                state.set(Following::Lost);
                return;
            };
            let (Ok(ready), Ok(rows)) = (opened.subscribe("ready"), opened.subscribe(event)) else {
                state.set(Following::Lost);
                return;
            };
            let mut events = futures::stream::select(ready, rows);
            state.set(Following::Connecting);
            let waiting = Rc::new(Cell::new(false));
            leptos::task::spawn_local(async move {
                while let Some(item) = events.next().await {
                    if opening.get() != this {
                        return;
                    }
                    let Ok((kind, _)) = item else {
                        break;
                    };
                    if kind == "ready" {
                        state.set(Following::On { seen: 0 });
                        continue;
                    }
                    state.update(|s| {
                        if let Following::On { seen } = s {
                            *seen += 1;
                        }
                    });
                    if !waiting.replace(true) {
                        let waiting = waiting.clone();
                        set_timeout(
                            move || {
                                waiting.set(false);
                                arrived.update(|n| *n += 1);
                            },
                            Duration::from_secs(1),
                        );
                    }
                }
                if opening.get() == this {
                    state.set(Following::Lost);
                }
            });
            source.set_value(Some(opened));
        });
        on_cleanup(move || source.set_value(None));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (url, event, wanted, arrived, state);
}

/// Bumps `tick` every `every` while `wanted` holds (something the screen shows is still
/// under way), so the screen reloads on it. The timer stops when `wanted` turns false and
/// when the screen goes: an effect's cleanup runs before its next run and on unmount.
pub fn poll_while(wanted: Signal<bool>, every: std::time::Duration, tick: RwSignal<u32>) {
    // Effects run only in the browser, so the server never touches `window`.
    Effect::new(move |_| {
        if !wanted.get() {
            return;
        }
        let bump = move || {
            tick.try_update(|n| *n += 1);
        };
        if let Ok(timer) = set_interval_with_handle(bump, every) {
            on_cleanup(move || timer.clear());
        }
    });
}
