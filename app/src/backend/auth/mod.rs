//! Authentication: password hashing, sessions, throttling, the caller's rights, and the
//! sign-in, first-start and password-reset flows.

pub mod ctx;
pub mod passkey;
pub mod password;
pub mod reset;
pub mod session;
pub mod setup;
pub mod sign_in;
pub mod throttle;
pub mod token;
pub mod totp;
