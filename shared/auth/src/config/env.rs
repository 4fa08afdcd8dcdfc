//! Where variables come from, and reading one [`Setting`] with its declared default and bounds.

use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;

use super::settings::{Setting, Value};
use crate::domain::error::ConfigError;

/// A source of variables: the process environment in production, a map in tests
/// (edition 2024 makes `set_var` unsafe, and tests must not race on the real environment).
pub struct Env {
    vars: HashMap<String, String>,
    /// The settings this function declares (`Deploy`); reading another is a start-up error, so
    /// what a stack sets for a function and what it reads cannot drift apart. `None`: any.
    declared: Option<BTreeSet<&'static str>>,
}

impl Env {
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars().collect(),
            declared: None,
        }
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            declared: None,
        }
    }

    /// This source, answering only `settings`.
    pub fn only<'s>(self, settings: impl IntoIterator<Item = &'s &'static Setting>) -> Self {
        Self {
            declared: Some(settings.into_iter().map(|s| s.variable).collect()),
            ..self
        }
    }

    fn declared(&self, setting: &'static Setting) -> Result<(), ConfigError> {
        match &self.declared {
            Some(names) if !names.contains(setting.variable) => Err(ConfigError::Invalid {
                name: setting.variable,
                reason: "read by this function but not among the settings its Deploy declares"
                    .into(),
            }),
            _ => Ok(()),
        }
    }

    /// A set, non-blank value; blank counts as unset so `FOO=` in a template does not pass.
    pub fn optional(&self, name: &str) -> Option<String> {
        self.vars
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    pub fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }

    pub fn parsed_or<T: FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.optional(name) {
            None => Ok(default),
            Some(raw) => raw.parse().map_err(|e: T::Err| ConfigError::Invalid {
                name,
                reason: e.to_string(),
            }),
        }
    }

    /// A `Required` or `Optional` setting's text.
    pub fn text(&self, setting: &'static Setting) -> Result<Option<String>, ConfigError> {
        self.declared(setting)?;
        Ok(self.optional(setting.variable))
    }

    /// A `Required` setting's text, or the error naming it.
    pub fn must(&self, setting: &'static Setting) -> Result<String, ConfigError> {
        self.declared(setting)?;
        self.required(setting.variable)
    }

    /// A `Number` setting within its declared bounds, its default when unset.
    pub fn number(&self, setting: &'static Setting) -> Result<u64, ConfigError> {
        let Value::Number {
            default, min, max, ..
        } = setting.value
        else {
            return Err(declared_as(setting, "a number"));
        };
        self.declared(setting)?;
        let value = self.parsed_or(setting.variable, default)?;
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(ConfigError::Invalid {
                name: setting.variable,
                reason: format!("must be between {min} and {max}, got {value}"),
            })
        }
    }

    /// A `Number` setting that counts something small enough for a `u32` (its bounds say so).
    pub fn count(&self, setting: &'static Setting) -> Result<u32, ConfigError> {
        let value = self.number(setting)?;
        u32::try_from(value).map_err(|_| declared_as(setting, "a count below 2^32"))
    }

    /// A `Flag` setting: `true`/`false` and their common spellings.
    pub fn flag(&self, setting: &'static Setting) -> Result<bool, ConfigError> {
        let Value::Flag { default } = setting.value else {
            return Err(declared_as(setting, "a flag"));
        };
        self.declared(setting)?;
        let name = setting.variable;
        match self.optional(name).map(|v| v.to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if matches!(v.as_str(), "1" | "true" | "yes" | "on") => Ok(true),
            Some(v) if matches!(v.as_str(), "0" | "false" | "no" | "off") => Ok(false),
            Some(v) => Err(ConfigError::Invalid {
                name,
                reason: format!("expected true or false, got {v:?}"),
            }),
        }
    }

    /// A `Choice` setting: one of its declared values, case-insensitively.
    pub fn choice(&self, setting: &'static Setting) -> Result<&'static str, ConfigError> {
        let Value::Choice { default, choices } = setting.value else {
            return Err(declared_as(setting, "a choice"));
        };
        let Some(raw) = self.text(setting)? else {
            return Ok(default);
        };
        choices
            .iter()
            .copied()
            .find(|c| c.eq_ignore_ascii_case(&raw))
            .ok_or_else(|| ConfigError::Invalid {
                name: setting.variable,
                reason: format!(
                    "expected {}, got {:?}",
                    choices.join(" or "),
                    raw.to_ascii_lowercase()
                ),
            })
    }
}

/// A reader asked for a kind its setting is not declared as: a bug in this crate, caught by tests.
fn declared_as(setting: &'static Setting, kind: &str) -> ConfigError {
    ConfigError::Invalid {
        name: setting.variable,
        reason: format!("read as {kind} but not declared as one in config::settings"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::settings::{
        AUTH_TOKEN_ARGUMENT, GUESTS_TABLE, OTP_MAX_ATTEMPTS, REFRESH_TOKEN_AUTH_FALLBACK,
    };

    #[test]
    fn blank_counts_as_missing() {
        let env = Env::from_pairs([("GUESTS_TABLE", "  ")]);
        assert!(matches!(
            env.must(&GUESTS_TABLE),
            Err(ConfigError::Missing("GUESTS_TABLE"))
        ));
    }

    #[test]
    fn numbers_keep_their_declared_bounds() {
        assert_eq!(Env::from_pairs([]).count(&OTP_MAX_ATTEMPTS).unwrap(), 3);
        let err = Env::from_pairs([("OTP_MAX_ATTEMPTS", "11")])
            .count(&OTP_MAX_ATTEMPTS)
            .unwrap_err()
            .to_string();
        assert!(err.contains("between 1 and 10"), "{err}");
    }

    #[test]
    fn flags_accept_common_spellings_only() {
        let read = |v| {
            Env::from_pairs([("REFRESH_TOKEN_AUTH_FALLBACK", v)]).flag(&REFRESH_TOKEN_AUTH_FALLBACK)
        };
        assert!(read("TRUE").unwrap());
        assert!(!read("off").unwrap());
        assert!(read("maybe").is_err());
    }

    #[test]
    fn choices_match_case_insensitively_and_name_the_alternatives() {
        let read = |v| Env::from_pairs([("AUTH_TOKEN_ARGUMENT", v)]).choice(&AUTH_TOKEN_ARGUMENT);
        assert_eq!(read("Refused").unwrap(), "refused");
        let err = read("maybe").unwrap_err().to_string();
        assert!(err.contains("allowed or refused"), "{err}");
    }

    #[test]
    fn a_function_reads_only_what_it_declares() {
        let env = Env::from_pairs([("GUESTS_TABLE", "g"), ("OTP_MAX_ATTEMPTS", "2")])
            .only(&[&GUESTS_TABLE]);
        assert_eq!(env.must(&GUESTS_TABLE).unwrap(), "g");
        let err = env.count(&OTP_MAX_ATTEMPTS).unwrap_err().to_string();
        assert!(
            err.contains("OTP_MAX_ATTEMPTS") && err.contains("Deploy"),
            "{err}"
        );
    }

    #[test]
    fn reading_a_setting_as_another_kind_is_refused() {
        let err = Env::from_pairs([])
            .flag(&OTP_MAX_ATTEMPTS)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not declared"), "{err}");
    }
}
