//! Configuration, read once at cold start from environment variables (README: Configuration).
//!
//! Each function reads only the groups it needs; a missing or malformed variable fails start-up
//! with a message naming it.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use crate::domain::budget::BudgetPolicy;
use crate::domain::error::ConfigError;
use crate::domain::otp::OtpPolicy;

/// A source of variables: the process environment in production, a map in tests
/// (edition 2024 makes `set_var` unsafe, and tests must not race on the real environment).
pub struct Env {
    vars: HashMap<String, String>,
}

impl Env {
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars().collect(),
        }
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
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

    fn flag(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
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

    fn bounded(
        &self,
        name: &'static str,
        default: u64,
        min: u64,
        max: u64,
    ) -> Result<u64, ConfigError> {
        let value = self.parsed_or(name, default)?;
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(ConfigError::Invalid {
                name,
                reason: format!("must be between {min} and {max}, got {value}"),
            })
        }
    }
}

/// The user pool and app client the functions act on.
#[derive(Debug, Clone)]
pub struct CognitoConfig {
    pub user_pool_id: String,
    pub client_id: String,
    /// Only for app clients created with a secret; never logged.
    pub client_secret: Option<String>,
    /// Exactly the issuers whose tokens are accepted, each with where its keys are published.
    pub issuers: Vec<TrustedIssuer>,
}

/// An issuer the configuration trusts (never one a token names for itself), and its JWKS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedIssuer {
    pub iss: String,
    pub jwks_url: String,
}

impl CognitoConfig {
    /// The pool's issuers in both formats Cognito mints
    /// (<https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_IssuerConfigurationType.html>):
    /// the original `https://cognito-idp.{region}.amazonaws.com/{pool}`, in the pool's region and in
    /// each replica region of `COGNITO_REPLICA_REGIONS`, and the updated
    /// `https://issuer-cognito-idp.{region}.amazonaws.com/{pool}`, which names the primary region
    /// wherever the token was minted. Keys are read from
    /// `{issuer}/.well-known/jwks.json`, or from the Cognito endpoint the SDK is pointed at
    /// (`AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`, a local stand-in) when one is set.
    /// `COGNITO_ISSUER` replaces the whole set with that one issuer.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let region = env
            .optional("AWS_REGION")
            .or_else(|| env.optional("AWS_DEFAULT_REGION"))
            .ok_or(ConfigError::Missing("AWS_REGION"))?;
        let user_pool_id = env.required("USER_POOL_ID")?;
        if !user_pool_id.starts_with(&format!("{region}_")) {
            return Err(ConfigError::Invalid {
                name: "USER_POOL_ID",
                reason: format!("expected an id of the form {region}_XXXXXXXXX"),
            });
        }
        let issuers = match env.optional("COGNITO_ISSUER") {
            Some(issuer) => {
                let iss = issuer.trim_end_matches('/').to_owned();
                vec![TrustedIssuer {
                    jwks_url: format!("{iss}/.well-known/jwks.json"),
                    iss,
                }]
            }
            None => pool_issuers(env, &region, &user_pool_id)?,
        };
        Ok(Self {
            client_id: env.required("USER_POOL_CLIENT_ID")?,
            client_secret: env.optional("USER_POOL_CLIENT_SECRET"),
            user_pool_id,
            issuers,
        })
    }
}

fn pool_issuers(env: &Env, region: &str, pool: &str) -> Result<Vec<TrustedIssuer>, ConfigError> {
    let mut regions = vec![region.to_owned()];
    for replica in env
        .optional("COGNITO_REPLICA_REGIONS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        let well_formed = replica
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && replica.contains('-');
        if !well_formed {
            return Err(ConfigError::Invalid {
                name: "COGNITO_REPLICA_REGIONS",
                reason: format!("{replica:?} is not a region name like eu-central-1"),
            });
        }
        if !regions.iter().any(|r| r == replica) {
            regions.push(replica.to_owned());
        }
    }
    let endpoint = env
        .optional("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")
        .or_else(|| env.optional("AWS_ENDPOINT_URL"))
        .map(|e| e.trim_end_matches('/').to_owned());
    let original = regions
        .iter()
        .map(|region| format!("https://cognito-idp.{region}.amazonaws.com/{pool}"));
    let updated = format!("https://issuer-cognito-idp.{region}.amazonaws.com/{pool}");
    Ok(original
        .chain(std::iter::once(updated))
        .map(|iss| TrustedIssuer {
            jwks_url: match &endpoint {
                Some(endpoint) => format!("{endpoint}/{pool}/.well-known/jwks.json"),
                None => format!("{iss}/.well-known/jwks.json"),
            },
            iss,
        })
        .collect())
}

/// The per-address send limits and attempts per code (`domain::otp`).
pub fn otp_policy(env: &Env) -> Result<OtpPolicy, ConfigError> {
    let d = OtpPolicy::DEFAULT;
    Ok(OtpPolicy {
        // Cognito accepts 3 to 15 minutes.
        session_validity: Duration::from_secs(
            60 * env.bounded(
                "AUTH_SESSION_VALIDITY_MINUTES",
                d.session_validity.as_secs() / 60,
                3,
                15,
            )?,
        ),
        resend_cooldown: Duration::from_secs(env.bounded(
            "OTP_RESEND_COOLDOWN_SECONDS",
            d.resend_cooldown.as_secs(),
            0,
            3600,
        )?),
        max_sends_per_window: env.bounded(
            "OTP_MAX_SENDS_PER_WINDOW",
            u64::from(d.max_sends_per_window),
            1,
            20,
        )? as u32,
        send_window: Duration::from_secs(env.bounded(
            "OTP_SEND_WINDOW_SECONDS",
            d.send_window.as_secs(),
            1,
            86_400,
        )?),
        max_attempts: env.bounded("OTP_MAX_ATTEMPTS", u64::from(d.max_attempts), 1, 10)? as u32,
    })
}

/// The budgets on sending codes (`domain::budget`): per source and across the pool.
pub fn budget_policy(env: &Env) -> Result<BudgetPolicy, ConfigError> {
    let defaults = BudgetPolicy::default();
    let read = |name: &'static str, default: u32| -> Result<u32, ConfigError> {
        Ok(env.bounded(name, u64::from(default), 1, 1_000_000)? as u32)
    };
    Ok(BudgetPolicy {
        per_source_per_hour: read(
            "BUDGET_CODES_PER_SOURCE_PER_HOUR",
            defaults.per_source_per_hour,
        )?,
        codes_per_minute: read("BUDGET_CODES_PER_MINUTE", defaults.codes_per_minute)?,
        codes_per_hour: read("BUDGET_CODES_PER_HOUR", defaults.codes_per_hour)?,
        new_users_per_hour: read("BUDGET_NEW_USERS_PER_HOUR", defaults.new_users_per_hour)?,
    })
}

/// The DynamoDB tables, each named by its own environment variable (`infra/tables.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// Login records, per-address send history and revoked sign-ins, with the TTL `expires_at`.
    AuthState,
    Guests,
    Reservations,
}

impl Table {
    pub fn variable(self) -> &'static str {
        match self {
            Self::AuthState => "AUTH_STATE_TABLE",
            Self::Guests => "GUESTS_TABLE",
            Self::Reservations => "RESERVATIONS_TABLE",
        }
    }

    /// The table's name in this deployment.
    pub fn name(self, env: &Env) -> Result<String, ConfigError> {
        env.required(self.variable())
    }
}

/// How `refresh` talks to Cognito.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshConfig {
    /// Use `InitiateAuth(REFRESH_TOKEN_AUTH)` when `GetTokensFromRefreshToken` is not available
    /// (for example an emulator or a partition without it). Never used with rotation on.
    pub fallback_to_initiate_auth: bool,
}

impl RefreshConfig {
    pub fn from_env(env: &Env, cognito: &CognitoConfig) -> Result<Self, ConfigError> {
        let fallback_to_initiate_auth = env.flag("REFRESH_TOKEN_AUTH_FALLBACK", false)?;
        // REFRESH_TOKEN_AUTH with a client secret needs the user's name for SECRET_HASH, which an
        // opaque refresh token does not tell us.
        if fallback_to_initiate_auth && cognito.client_secret.is_some() {
            return Err(ConfigError::Invalid {
                name: "REFRESH_TOKEN_AUTH_FALLBACK",
                reason: "cannot be used with USER_POOL_CLIENT_SECRET".into(),
            });
        }
        Ok(Self {
            fallback_to_initiate_auth,
        })
    }
}

/// Whether readers refuse access tokens of signed-out sessions (see `revocation`).
pub fn revocation_check(env: &Env) -> Result<bool, ConfigError> {
    env.flag("REVOCATION_CHECK", false)
}

/// Which certificate authorities outbound HTTPS trusts (`TLS_TRUST_STORE`): `amazon` (the
/// default), the Amazon Trust Services roots every AWS service endpoint chains to; or `system`,
/// the operating system's store as the AWS SDK uses by default (for an egress proxy that
/// re-signs TLS, `HTTPS_PROXY`, or endpoints outside AWS). `crate::tls` applies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrustStore {
    #[default]
    Amazon,
    System,
}

impl TrustStore {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        match env
            .optional("TLS_TRUST_STORE")
            .map(|v| v.to_ascii_lowercase())
        {
            None => Ok(Self::default()),
            Some(v) if v == "amazon" => Ok(Self::Amazon),
            Some(v) if v == "system" => Ok(Self::System),
            Some(v) => Err(ConfigError::Invalid {
                name: "TLS_TRUST_STORE",
                reason: format!("expected amazon or system, got {v:?}"),
            }),
        }
    }
}

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
            leeway: Duration::from_secs(env.bounded("JWT_LEEWAY_SECONDS", 5, 0, 300)?),
            jwks_fetch_timeout: Duration::from_millis(env.bounded(
                "JWKS_FETCH_TIMEOUT_MS",
                3000,
                100,
                30_000,
            )?),
            jwks_refetch_cooldown: Duration::from_secs(env.bounded(
                "JWKS_REFETCH_COOLDOWN_SECONDS",
                10,
                0,
                3600,
            )?),
            verified_cache_size: env.bounded("JWT_VERIFIED_CACHE_SIZE", 256, 0, 10_000)? as usize,
        })
    }
}

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
            .optional("CORS_ALLOWED_ORIGINS")
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
                name: "CORS_ALLOWED_ORIGINS",
                reason: format!("{bad:?} is not an origin like https://app.example.com"),
            });
        }
        Ok(Self {
            allowed_origins,
            max_age_seconds: env.bounded("CORS_MAX_AGE_SECONDS", 600, 0, 86_400)?,
        })
    }
}

pub use crate::domain::gateway_headers::DEFAULT_GUEST_TOKEN_HEADER;

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
            .optional("GUEST_TOKEN_HEADER")
            .unwrap_or_else(|| DEFAULT_GUEST_TOKEN_HEADER.to_owned());
        // A name the Gateway would refuse to allowlist can never arrive: fail at start instead.
        crate::domain::gateway_headers::check_name(&header).map_err(|e| ConfigError::Invalid {
            name: "GUEST_TOKEN_HEADER",
            reason: e.to_string(),
        })?;
        let argument = match env
            .optional("AUTH_TOKEN_ARGUMENT")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("allowed") => TokenArgument::Allowed,
            Some("refused") => TokenArgument::Refused,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "AUTH_TOKEN_ARGUMENT",
                    reason: format!("expected allowed or refused, got {other:?}"),
                });
            }
        };
        Ok(Self { header, argument })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_default_and_refuse_a_zero_or_a_non_number() {
        assert_eq!(
            budget_policy(&Env::from_pairs([])).unwrap(),
            BudgetPolicy::default()
        );
        let set = budget_policy(&Env::from_pairs([
            ("BUDGET_CODES_PER_SOURCE_PER_HOUR", "5"),
            ("BUDGET_NEW_USERS_PER_HOUR", "7"),
        ]))
        .unwrap();
        assert_eq!((set.per_source_per_hour, set.new_users_per_hour), (5, 7));
        for bad in ["0", "many"] {
            let err = budget_policy(&Env::from_pairs([("BUDGET_CODES_PER_MINUTE", bad)]));
            assert!(err.is_err(), "{bad}");
        }
    }

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("AWS_REGION", "eu-west-1"),
            ("USER_POOL_ID", "eu-west-1_AbCdEf123"),
            ("USER_POOL_CLIENT_ID", "client123"),
        ]
    }

    fn issuers(cfg: &CognitoConfig) -> Vec<(&str, &str)> {
        cfg.issuers
            .iter()
            .map(|i| (i.iss.as_str(), i.jwks_url.as_str()))
            .collect()
    }

    #[test]
    fn issuers_are_the_pools_in_both_formats() {
        let cfg = CognitoConfig::from_env(&Env::from_pairs(base())).unwrap();
        assert_eq!(
            issuers(&cfg),
            [
                (
                    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
                    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json"
                ),
                (
                    "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
                    "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json"
                ),
            ]
        );
        assert_eq!(cfg.client_secret, None);
    }

    #[test]
    fn replica_regions_add_original_format_issuers_and_bad_names_are_refused() {
        let mut vars = base();
        vars.push(("COGNITO_REPLICA_REGIONS", "eu-central-1, eu-west-1"));
        let cfg = CognitoConfig::from_env(&Env::from_pairs(vars)).unwrap();
        let names: Vec<&str> = issuers(&cfg).into_iter().map(|(iss, _)| iss).collect();
        assert_eq!(
            names,
            [
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
                "https://cognito-idp.eu-central-1.amazonaws.com/eu-west-1_AbCdEf123",
                "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
            ]
        );
        let mut bad = base();
        bad.push(("COGNITO_REPLICA_REGIONS", "evil.example.com/x"));
        let err = CognitoConfig::from_env(&Env::from_pairs(bad)).unwrap_err();
        assert!(err.to_string().contains("COGNITO_REPLICA_REGIONS"));
    }

    #[test]
    fn a_cognito_endpoint_moves_where_keys_come_from_not_the_issuers() {
        let mut vars = base();
        vars.push((
            "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
            "http://127.0.0.1:9229/",
        ));
        let cfg = CognitoConfig::from_env(&Env::from_pairs(vars)).unwrap();
        for (iss, jwks) in issuers(&cfg) {
            assert!(iss.starts_with("https://"), "{iss}");
            assert_eq!(
                jwks,
                "http://127.0.0.1:9229/eu-west-1_AbCdEf123/.well-known/jwks.json"
            );
        }
    }

    #[test]
    fn issuer_override_wins() {
        let mut vars = base();
        vars.push((
            "COGNITO_ISSUER",
            "http://127.0.0.1:9229/eu-west-1_AbCdEf123/",
        ));
        let cfg = CognitoConfig::from_env(&Env::from_pairs(vars)).unwrap();
        assert_eq!(
            issuers(&cfg),
            [(
                "http://127.0.0.1:9229/eu-west-1_AbCdEf123",
                "http://127.0.0.1:9229/eu-west-1_AbCdEf123/.well-known/jwks.json"
            )]
        );
    }

    #[test]
    fn missing_variable_is_named() {
        let env = Env::from_pairs([("AWS_REGION", "eu-west-1"), ("USER_POOL_ID", "eu-west-1_x")]);
        let err = CognitoConfig::from_env(&env).unwrap_err();
        assert_eq!(
            err.to_string(),
            "missing required environment variable USER_POOL_CLIENT_ID"
        );
        let err = Table::Guests.name(&env).unwrap_err();
        assert!(err.to_string().contains("GUESTS_TABLE"));
    }

    #[test]
    fn blank_counts_as_missing() {
        let env = Env::from_pairs([("AUTH_STATE_TABLE", "  ")]);
        assert!(matches!(
            Table::AuthState.name(&env),
            Err(ConfigError::Missing("AUTH_STATE_TABLE"))
        ));
    }

    #[test]
    fn pool_from_another_region_is_refused() {
        let env = Env::from_pairs([
            ("AWS_REGION", "us-east-1"),
            ("USER_POOL_ID", "eu-west-1_AbCdEf123"),
            ("USER_POOL_CLIENT_ID", "c"),
        ]);
        let err = CognitoConfig::from_env(&env).unwrap_err().to_string();
        assert!(err.contains("USER_POOL_ID"), "{err}");
    }

    #[test]
    fn trust_store_defaults_to_amazon_and_refuses_unknown_values() {
        let read = |v: &str| TrustStore::from_env(&Env::from_pairs([("TLS_TRUST_STORE", v)]));
        assert_eq!(
            TrustStore::from_env(&Env::from_pairs([])).unwrap(),
            TrustStore::Amazon
        );
        assert_eq!(read("amazon").unwrap(), TrustStore::Amazon);
        assert_eq!(read(" System ").unwrap(), TrustStore::System);
        let err = read("mozilla").unwrap_err().to_string();
        assert!(
            err.contains("TLS_TRUST_STORE") && err.contains("mozilla"),
            "{err}"
        );
    }

    #[test]
    fn otp_policy_defaults_and_bounds() {
        assert_eq!(
            otp_policy(&Env::from_pairs([])).unwrap(),
            OtpPolicy::default()
        );
        let env = Env::from_pairs([("AUTH_SESSION_VALIDITY_MINUTES", "20")]);
        let err = otp_policy(&env).unwrap_err().to_string();
        assert!(
            err.contains("AUTH_SESSION_VALIDITY_MINUTES") && err.contains("between 3 and 15"),
            "{err}"
        );
        let env = Env::from_pairs([("OTP_RESEND_COOLDOWN_SECONDS", "soon")]);
        assert!(
            otp_policy(&env)
                .unwrap_err()
                .to_string()
                .contains("OTP_RESEND_COOLDOWN_SECONDS")
        );
    }

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
    fn flags_accept_common_spellings_only() {
        let cognito = CognitoConfig::from_env(&Env::from_pairs(base())).unwrap();
        let env = Env::from_pairs([("REFRESH_TOKEN_AUTH_FALLBACK", "TRUE")]);
        assert!(
            RefreshConfig::from_env(&env, &cognito)
                .unwrap()
                .fallback_to_initiate_auth
        );
        let env = Env::from_pairs([("REFRESH_TOKEN_AUTH_FALLBACK", "maybe")]);
        assert!(RefreshConfig::from_env(&env, &cognito).is_err());
    }

    #[test]
    fn refresh_fallback_with_a_client_secret_is_refused() {
        let mut vars = base();
        vars.push(("USER_POOL_CLIENT_SECRET", "s3cret"));
        let cognito = CognitoConfig::from_env(&Env::from_pairs(vars)).unwrap();
        let env = Env::from_pairs([("REFRESH_TOKEN_AUTH_FALLBACK", "true")]);
        let err = RefreshConfig::from_env(&env, &cognito)
            .unwrap_err()
            .to_string();
        assert!(err.contains("REFRESH_TOKEN_AUTH_FALLBACK"), "{err}");
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
