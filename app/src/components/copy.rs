//! Copying a secret to the clipboard, and offering it as a text file.

use leptos::prelude::*;

/// A button that copies `text`; "Copied" is announced to screen readers afterwards.
#[component]
pub fn CopyButton(text: String, label: &'static str) -> impl IntoView {
    let copied = RwSignal::new(false);
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&text);
            copied.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
    };
    view! {
        <button type="button" class="secondary" on:click=on_click>{label}</button>
        <span role="status" class="copied">{move || copied.get().then_some("Copied")}</span>
    }
}

/// A link that saves `text` as a file named `file_name`, with no request to the server.
#[component]
pub fn DownloadLink(text: String, file_name: &'static str, label: &'static str) -> impl IntoView {
    let href = format!("data:text/plain;charset=utf-8,{}", percent_encode(&text));
    view! { <a class="button secondary" href=href download=file_name>{label}</a> }
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn data_urls_escape_everything_but_plain_characters() {
        assert_eq!(super::percent_encode("ab-2\nc d"), "ab-2%0Ac%20d");
    }
}
