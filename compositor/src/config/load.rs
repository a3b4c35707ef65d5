//! Reading the configuration: which file, parsing it with serde (unknown keys and wrong types
//! named by their key path), validating it, and every error located by file, line and column.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::Config;

/// The configuration compiled into the binary.
pub const BUILT_IN: &str = include_str!("../../../assets/config/cowl.toml");
/// Where an installed head unit keeps its configuration.
pub const SYSTEM_PATH: &str = "/etc/cowl/cowl.toml";

/// A configuration that cannot be used, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The key, as a path like `apps[1].restart`; empty when the file does not parse at all.
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Where the configuration came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    BuiltIn,
    File(PathBuf),
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSource::BuiltIn => f.write_str("<built-in cowl.toml>"),
            ConfigSource::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Loads `--config FILE`, else the system file when it exists, else the built-in defaults.
pub fn load(explicit: Option<&Path>) -> anyhow::Result<(Config, ConfigSource)> {
    let path = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => Some(PathBuf::from(SYSTEM_PATH)).filter(|path| path.exists()),
    };
    match path {
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|err| {
                anyhow::anyhow!("could not read the configuration {}: {err}", path.display())
            })?;
            let source = ConfigSource::File(path);
            let config = parse(&text, &source.to_string())?;
            Ok((config, source))
        }
        None => Ok((
            parse(BUILT_IN, &ConfigSource::BuiltIn.to_string())?,
            ConfigSource::BuiltIn,
        )),
    }
}

/// Parses and validates a configuration; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
    let error_at = |span: Option<Range<usize>>, key: String, message: String| {
        let (line, column) = line_and_column(text, span.map_or(0, |span| span.start));
        ConfigError {
            file: file.to_string(),
            line,
            column,
            key,
            message,
        }
    };
    let deserializer = toml::de::Deserializer::parse(text)
        .map_err(|err| error_at(err.span(), String::new(), err.message().to_string()))?;
    let config: Config = serde_path_to_error::deserialize(deserializer).map_err(|err| {
        // A `Spanned` value shows up in the path as serde_spanned's private field name.
        let key = err
            .path()
            .to_string()
            .replace(".$__serde_spanned_private_value", "");
        let inner = err.into_inner();
        error_at(inner.span(), key, inner.message().to_string())
    })?;
    config
        .validate()
        .map_err(|invalid| error_at(Some(invalid.span), invalid.key, invalid.message))?;
    Ok(config)
}

/// 1-based line and column (in characters) of a byte offset.
pub(super) fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}
