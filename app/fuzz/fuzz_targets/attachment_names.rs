//! The blocked-attachment check, on any message a sender can write.
//!
//! It walks hostile MIME by hand (mail-parser's own `parse` overflows the stack on deep
//! nesting), so the fuzzer looks for the walk panicking, looping or running over its budget
//! (libFuzzer's timeout), and for an answer the check cannot stand behind: a name it calls
//! blocked must have a blocked extension, as `extension` reads it.
#![no_main]

use app::backend::mail::attachments::{extension, find_blocked, TOO_COMPLEX};
use libfuzzer_sys::fuzz_target;

/// The extensions a domain blocks by default.
const BLOCKED: [&str; 9] = [
    "bat", "btm", "cmd", "com", "cpl", "dll", "exe", "msi", "pif",
];

fuzz_target!(|message: &[u8]| {
    let is_blocked = |extension: &str| {
        assert_extension(extension);
        BLOCKED.contains(&extension)
    };
    if let Some(name) = find_blocked(message, is_blocked) {
        if name != TOO_COMPLEX {
            // A NUL cuts the name for C-string readers: the part before it counts too.
            let before_nul = name.split('\0').next().unwrap_or_default();
            let blocked = [name.as_str(), before_nul]
                .iter()
                .any(|name| extension(name).is_some_and(|e| BLOCKED.contains(&e.as_str())));
            assert!(blocked, "{name:?} called blocked");
        }
    }
    // The message as one file name: the fuzzer reaches `extension` directly.
    if let Some(extension) = extension(&String::from_utf8_lossy(message)) {
        assert_extension(&extension);
    }
});

/// What `is_blocked` is promised: the part after the last dot, lower case, not empty.
fn assert_extension(extension: &str) {
    assert!(
        !extension.is_empty() && !extension.contains('.'),
        "{extension:?}"
    );
    assert_eq!(extension, extension.to_lowercase(), "{extension:?}");
}
