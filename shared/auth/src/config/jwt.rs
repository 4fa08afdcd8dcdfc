//! Verifying guests' tokens: leeway, the JWKS fetch, the cache, revocation.

use std::time::Duration;

use super::Env;
use super::settings::{
    JWKS_FETCH_TIMEOUT_MS, JWKS_REFETCH_COOLDOWN_SECONDS, JWT_LEEWAY_SECONDS,
    JWT_VERIFIED_CACHE_SIZE, REVOCATION_CHECK,
};
use crate::domain::error::ConfigError;

/// JWT verification settings.
#[derive(Debug, Clone)]
pub struct JwtConfig {
    pub leeway: Duration,
    pub jwks_fetch_timeout: Duration,
    /// Minimum time between two JWKS refetches caused by an unknown `kid`.
    pub jwks_refetch_cooldown: Duration,
    /// How many verified tokens a warm process remembers (0: none); see `jwt::cache`.
    pub verified_cache_size: usize,
}

impl JwtConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            leeway: Duration::from_secs(env.number(&JWT_LEEWAY_SECONDS)?),
            jwks_fetch_timeout: Duration::from_millis(env.number(&JWKS_FETCH_TIMEOUT_MS)?),
            jwks_refetch_cooldown: Duration::from_secs(env.number(&JWKS_REFETCH_COOLDOWN_SECONDS)?),
            verified_cache_size: env.count(&JWT_VERIFIED_CACHE_SIZE)? as usize,
        })
    }
}

/// Whether readers refuse access tokens of signed-out sessions (see `revocation`).
pub fn revocation_check(env: &Env) -> Result<bool, ConfigError> {
    env.flag(&REVOCATION_CHECK)
}
