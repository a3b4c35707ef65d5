//! A value that parses but makes no sense, with where it is: each section's `validate`
//! returns one, and `load.rs` turns it into a [`super::ConfigError`] with file, line and
//! column. Also what every section does with an optional value: its default.

use std::ops::Range;

use toml::Spanned;

pub struct Invalid {
    pub span: Range<usize>,
    pub key: String,
    pub message: String,
}

impl Invalid {
    /// `value` (at the key path `key`) is wrong, for the reason `message`.
    pub fn at<T>(
        value: &Spanned<T>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Invalid {
        Invalid {
            span: value.span(),
            key: key.into(),
            message: message.into(),
        }
    }
}

/// `Ok` when `holds`, else `value` is invalid for `message`'s reason.
pub fn check<T>(
    holds: bool,
    value: &Spanned<T>,
    key: impl Into<String>,
    message: impl Into<String>,
) -> Result<(), Invalid> {
    if holds {
        Ok(())
    } else {
        Err(Invalid::at(value, key, message))
    }
}

/// `Ok` when `value` is absent or `holds` for it, else it is invalid for `message`'s reason.
pub fn check_some<T>(
    value: &Option<Spanned<T>>,
    holds: impl FnOnce(&T) -> bool,
    key: impl Into<String>,
    message: impl Into<String>,
) -> Result<(), Invalid> {
    match value {
        Some(value) => check(holds(value.get_ref()), value, key, message),
        None => Ok(()),
    }
}

/// An optional value, or `default` where the configuration leaves it out.
pub fn or_default<T: Copy>(value: &Option<Spanned<T>>, default: T) -> T {
    value.as_ref().map_or(default, |value| *value.get_ref())
}

/// An optional number of milliseconds as a duration, or `default_ms`.
pub fn millis_or(value: &Option<Spanned<u64>>, default_ms: u64) -> std::time::Duration {
    std::time::Duration::from_millis(or_default(value, default_ms))
}
