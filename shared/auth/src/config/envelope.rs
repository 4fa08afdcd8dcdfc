//! What the callers' envelopes need: CORS for HTTP, and how the guest's token may arrive.

use super::Env;
use super::settings::{
    AUTH_TOKEN_ARGUMENT, CORS_ALLOWED_ORIGINS, CORS_MAX_AGE_SECONDS, GUEST_TOKEN_HEADER,
};
use crate::domain::agentcore::DEFAULT_GUEST_TOKEN_HEADER;
use crate::domain::error::ConfigError;

/// CORS for the HTTP envelope: which browser origins may call the function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsConfig {
    /// Exact origins, or a single `*`. Empty: no CORS headers at all.
    pub allowed_origins: Vec<String>,
    pub max_age_seconds: u64,
}

impl CorsConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let allowed_origins: Vec<String> = env
            .text(&CORS_ALLOWED_ORIGINS)?
            .map(|raw| {
                raw.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if let Some(bad) = allowed_origins
            .iter()
            .find(|o| *o != "*" && !(o.starts_with("https://") || o.starts_with("http://")))
        {
            return Err(ConfigError::Invalid {
                name: CORS_ALLOWED_ORIGINS.variable,
                reason: format!("{bad:?} is not an origin like https://app.example.com"),
            });
        }
        Ok(Self {
            allowed_origins,
            max_age_seconds: env.number(&CORS_MAX_AGE_SECONDS)?,
        })
    }
}

/// How the guest's access token reaches a tool that acts for a signed-in guest, besides an HTTP
/// caller's `Authorization: Bearer`. On AgentCore Gateway `Authorization` cannot be propagated (it
/// is restricted, and with `AWS_IAM` inbound auth it holds the agent's own SigV4 signature), so the
/// agent's code sends the token in a custom header that the bearer targets allowlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestTokenConfig {
    /// `GUEST_TOKEN_HEADER`: the propagated header's name, matched case-insensitively.
    pub header: String,
    /// `AUTH_TOKEN_ARGUMENT`: whether a token passed as a tool argument is taken.
    pub argument: TokenArgument,
}

/// Whether a bearer tool takes the guest's token as a tool argument (`auth_token`,
/// `access_token`), which means the model held it. Allowed by default, as the original agents
/// pass it; an operator whose agent sets the header switches it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenArgument {
    #[default]
    Allowed,
    Refused,
}

impl Default for GuestTokenConfig {
    fn default() -> Self {
        Self {
            header: DEFAULT_GUEST_TOKEN_HEADER.to_owned(),
            argument: TokenArgument::Allowed,
        }
    }
}

impl GuestTokenConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let header = env
            .text(&GUEST_TOKEN_HEADER)?
            .unwrap_or_else(|| DEFAULT_GUEST_TOKEN_HEADER.to_owned());
        // A name the Gateway would refuse to allowlist can never arrive: fail at start instead.
        crate::domain::gateway_headers::check_name(&header).map_err(|e| ConfigError::Invalid {
            name: GUEST_TOKEN_HEADER.variable,
            reason: e.to_string(),
        })?;
        let argument = match env.choice(&AUTH_TOKEN_ARGUMENT)? {
            "refused" => TokenArgument::Refused,
            _ => TokenArgument::Allowed,
        };
        Ok(Self { header, argument })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cors_origins_are_parsed_and_checked() {
        let env = Env::from_pairs([(
            "CORS_ALLOWED_ORIGINS",
            "https://a.example.com/, http://localhost:5173",
        )]);
        let cors = CorsConfig::from_env(&env).unwrap();
        assert_eq!(
            cors.allowed_origins,
            ["https://a.example.com", "http://localhost:5173"]
        );
        let env = Env::from_pairs([("CORS_ALLOWED_ORIGINS", "a.example.com")]);
        assert!(CorsConfig::from_env(&env).is_err());
    }

    #[test]
    fn guest_token_header_defaults_and_refuses_what_the_gateway_cannot_propagate() {
        let none = GuestTokenConfig::from_env(&Env::from_pairs([])).unwrap();
        assert_eq!(none, GuestTokenConfig::default());
        let custom = GuestTokenConfig::from_env(&Env::from_pairs([
            ("GUEST_TOKEN_HEADER", "X-Booking-Guest"),
            ("AUTH_TOKEN_ARGUMENT", "Refused"),
        ]))
        .unwrap();
        assert_eq!(custom.header, "X-Booking-Guest");
        assert_eq!(custom.argument, TokenArgument::Refused);
        for bad in ["Authorization", "X-Amz-Security-Token", "X Guest"] {
            let err = GuestTokenConfig::from_env(&Env::from_pairs([("GUEST_TOKEN_HEADER", bad)]))
                .unwrap_err();
            assert!(
                err.to_string().contains("GUEST_TOKEN_HEADER"),
                "{bad}: {err}"
            );
        }
        let err = GuestTokenConfig::from_env(&Env::from_pairs([("AUTH_TOKEN_ARGUMENT", "maybe")]))
            .unwrap_err();
        assert!(err.to_string().contains("AUTH_TOKEN_ARGUMENT"));
    }
}
