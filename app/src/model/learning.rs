//! Spam and not-spam learning as the screens name it.

use serde::{Deserialize, Serialize};

/// What a person says a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Class {
    Spam,
    /// Not spam.
    Ham,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Spam => "spam",
            Class::Ham => "ham",
        }
    }

    pub fn parse(text: &str) -> Result<Class, String> {
        match text {
            "spam" => Ok(Class::Spam),
            "ham" => Ok(Class::Ham),
            _ => Err("Choose spam or not spam.".into()),
        }
    }
}

/// What learning a batch of messages did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Learned {
    /// Learned for the first time.
    pub new: usize,
    /// Learned before as the other class, and moved.
    pub moved: usize,
    /// Learned as this class already.
    pub already: usize,
}
