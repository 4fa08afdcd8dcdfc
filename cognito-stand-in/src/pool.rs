//! The stand-in's pool: its settings, its users, sessions and inbox, and its signing key. The
//! operations on it are in `ops`, its HTTP front in `server`.

use std::sync::{Mutex, RwLock};

use serde_json::Value;

use crate::keys::{KeyError, PoolKeys};
use crate::state::{IssuerFormat, Settings, State};

/// How many calls' trace headers the stand-in keeps ([`StandIn::traces`]).
const MAX_TRACES: usize = 10_000;

pub struct StandIn {
    pub(crate) settings: RwLock<Settings>,
    state: Mutex<State>,
    keys: PoolKeys,
    base_url: String,
}

impl StandIn {
    /// A stand-in served at `base_url`, with new keys.
    pub fn new(settings: Settings, base_url: &str) -> Result<Self, KeyError> {
        Self::with_keys(settings, base_url, PoolKeys::generate()?)
    }

    /// A stand-in signing with `keys` (e.g. [`PoolKeys::load_or_create`], to survive a restart).
    pub fn with_keys(settings: Settings, base_url: &str, keys: PoolKeys) -> Result<Self, KeyError> {
        Ok(Self {
            settings: RwLock::new(settings),
            state: Mutex::new(State::default()),
            keys,
            base_url: base_url.trim_end_matches('/').to_owned(),
        })
    }

    pub fn settings(&self) -> Settings {
        self.settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(crate) fn keys(&self) -> &PoolKeys {
        &self.keys
    }

    /// The `iss` of the tokens it mints: Cognito's own string for the region and pool, so the
    /// functions run with the configuration they have in production but for endpoints.
    pub fn issuer(&self) -> String {
        let settings = self.settings();
        let host = match settings.issuer_format {
            IssuerFormat::Original => "cognito-idp",
            IssuerFormat::Updated => "issuer-cognito-idp",
        };
        format!(
            "https://{host}.{}.amazonaws.com/{}",
            settings.region, settings.user_pool_id
        )
    }

    /// Where it serves the pool's keys: here, whatever the issuer says.
    pub fn jwks_uri(&self) -> String {
        format!(
            "{}/{}/.well-known/jwks.json",
            self.base_url,
            self.settings().user_pool_id
        )
    }

    pub(crate) fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forget every user, session, token, message and fault: a new pool with the same settings
    /// and keys (`POST /_reset`).
    pub fn reset(&self) {
        *self.state() = State::default();
    }

    /// How many sign-in codes it has emailed, to anyone.
    pub fn codes_sent(&self) -> usize {
        self.state()
            .inbox
            .iter()
            .filter(|m| m.kind == "email_otp")
            .count()
    }

    /// Every secret it has handed out and the addresses it wrote to: the codes, the Cognito
    /// sessions and refresh tokens it issued, the full addresses of its inbox (for a search of
    /// other programs' logs).
    pub fn handed_out(&self) -> Vec<String> {
        let state = self.state();
        state
            .inbox
            .iter()
            .flat_map(|m| [m.code.clone(), m.to.clone()])
            .chain(state.sessions.keys().cloned())
            .chain(state.refresh_tokens.keys().cloned())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// Keep an API call's operation and trace header. Bounded: a stand-in serving a long local
    /// session keeps only the latest calls.
    pub(crate) fn record_trace(&self, operation: &str, trace: Option<String>) {
        let mut state = self.state();
        if state.traces.len() >= MAX_TRACES {
            state.traces.drain(..MAX_TRACES / 2);
        }
        state.traces.push((operation.to_owned(), trace));
    }

    /// Each API call's operation and the X-Ray trace header (`X-Amzn-Trace-Id`) it came with,
    /// oldest first, the latest 5,000 to 10,000: whether callers continue their traces into
    /// Cognito.
    pub fn traces(&self) -> Vec<(String, Option<String>)> {
        self.state().traces.clone()
    }

    /// How many users the pool has.
    pub fn user_count(&self) -> usize {
        self.state().users.len()
    }

    /// Codes sent to `email` (case-insensitive), oldest first.
    pub fn inbox(&self, email: &str) -> Vec<Value> {
        let wanted = email.to_ascii_lowercase();
        self.state()
            .inbox
            .iter()
            .filter(|m| m.to.to_ascii_lowercase() == wanted)
            .filter_map(|m| serde_json::to_value(m).ok())
            .collect()
    }
}
