//! Every environment variable a function reads, declared once: its name, default, bounds and
//! meaning, and the stack parameter that sets it at deploy time. The readers in this module take
//! their defaults and bounds from here; `infra/generate` writes the SAM template's parameters and
//! environment, `infra/generated/settings.json` (which the CDK app reads) and docs/configuration.md's
//! configuration table from this table, and its test fails when a copy is stale.

use crate::domain::agentcore::DEFAULT_GUEST_TOKEN_HEADER;
use crate::domain::budget::BudgetPolicy;
use crate::domain::otp::OtpPolicy;

/// One environment variable.
#[derive(Debug, PartialEq, Eq)]
pub struct Setting {
    pub variable: &'static str,
    pub value: Value,
    /// What it means, for operators: docs/configuration.md's table and the stack parameter's description.
    pub meaning: &'static str,
    /// The stack parameter that sets it, when an operator chooses it at deploy time.
    pub parameter: Option<Parameter>,
}

/// What a variable holds, with its default and bounds.
#[derive(Debug, PartialEq, Eq)]
pub enum Value {
    /// Must be set; the stack wires it (`set_by` says how).
    Required {
        set_by: &'static str,
    },
    /// May be unset; `unset` says what that means.
    Optional {
        unset: &'static str,
    },
    /// A whole number within `min..=max` (in `unit`).
    Number {
        default: u64,
        min: u64,
        max: u64,
        unit: &'static str,
    },
    Flag {
        default: bool,
    },
    /// One of `choices`, matched case-insensitively.
    Choice {
        default: &'static str,
        choices: &'static [&'static str],
    },
}

/// A stack parameter (SAM and CDK alike) that sets one variable.
#[derive(Debug, PartialEq, Eq)]
pub struct Parameter {
    pub name: &'static str,
    /// The stack's default where it is not the code's, with the reason in `meaning`.
    pub default: Option<&'static str>,
    /// A comma-separated list (`CommaDelimitedList`), joined with commas into the variable.
    pub list: bool,
}

const fn param(name: &'static str) -> Option<Parameter> {
    Some(Parameter {
        name,
        default: None,
        list: false,
    })
}

const fn minutes(d: std::time::Duration) -> u64 {
    d.as_secs() / 60
}

const OTP_DEFAULT: OtpPolicy = OtpPolicy::DEFAULT;
const BUDGET_DEFAULT: BudgetPolicy = BudgetPolicy::DEFAULT;

pub const AWS_REGION: Setting = Setting {
    variable: "AWS_REGION",
    value: Value::Required {
        set_by: "set by Lambda",
    },
    meaning: "region of the user pool",
    parameter: None,
};

pub const USER_POOL_ID: Setting = Setting {
    variable: "USER_POOL_ID",
    value: Value::Required {
        set_by: "the stack's user pool",
    },
    meaning: "e.g. `eu-west-1_AbCdEf123`; must belong to `AWS_REGION`",
    parameter: None,
};

pub const USER_POOL_CLIENT_ID: Setting = Setting {
    variable: "USER_POOL_CLIENT_ID",
    value: Value::Required {
        set_by: "the stack's app client",
    },
    meaning: "the app client (with `ALLOW_USER_AUTH` and `ALLOW_REFRESH_TOKEN_AUTH`)",
    parameter: None,
};

pub const USER_POOL_CLIENT_SECRET: Setting = Setting {
    variable: "USER_POOL_CLIENT_SECRET",
    value: Value::Optional { unset: "no secret" },
    meaning: "only for app clients with a secret (`SECRET_HASH` is then sent); never logged",
    parameter: None,
};

pub const COGNITO_REPLICA_REGIONS: Setting = Setting {
    variable: "COGNITO_REPLICA_REGIONS",
    value: Value::Optional {
        unset: "no replica",
    },
    meaning: "regions the pool is replicated to (comma-separated): tokens whose `iss` names \
              `https://cognito-idp.{replica}.amazonaws.com/{pool}` are accepted too",
    parameter: None,
};

pub const COGNITO_ISSUER: Setting = Setting {
    variable: "COGNITO_ISSUER",
    value: Value::Optional {
        unset: "the pool's issuers",
    },
    meaning: "replaces the whole issuer set with this one issuer (keys from \
              `{issuer}/.well-known/jwks.json`): for an issuer that is not a Cognito pool",
    parameter: None,
};

pub const AUTH_STATE_TABLE: Setting = Setting {
    variable: "AUTH_STATE_TABLE",
    value: Value::Required {
        set_by: "the stack's table",
    },
    meaning: "login records, per-address send history, revoked sessions, budget counters",
    parameter: None,
};

pub const GUESTS_TABLE: Setting = Setting {
    variable: "GUESTS_TABLE",
    value: Value::Required {
        set_by: "the stack's table",
    },
    meaning: "guest profiles",
    parameter: None,
};

pub const RESERVATIONS_TABLE: Setting = Setting {
    variable: "RESERVATIONS_TABLE",
    value: Value::Required {
        set_by: "the stack's table",
    },
    meaning: "reservations",
    parameter: None,
};

pub const AUTH_SESSION_VALIDITY_MINUTES: Setting = Setting {
    variable: "AUTH_SESSION_VALIDITY_MINUTES",
    // Cognito accepts 3 to 15 minutes:
    // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html
    value: Value::Number {
        default: minutes(OTP_DEFAULT.session_validity),
        min: 3,
        max: 15,
        unit: "minutes",
    },
    meaning: "how long an emailed sign-in code (the Cognito session) stays valid; the stack sets \
              the app client's `AuthSessionValidity` to the same value",
    parameter: param("AuthSessionValidityMinutes"),
};

pub const OTP_RESEND_COOLDOWN_SECONDS: Setting = Setting {
    variable: "OTP_RESEND_COOLDOWN_SECONDS",
    value: Value::Number {
        default: OTP_DEFAULT.resend_cooldown.as_secs(),
        min: 0,
        max: 3600,
        unit: "seconds",
    },
    meaning: "minimum time between two codes to one address",
    parameter: None,
};

pub const OTP_MAX_SENDS_PER_WINDOW: Setting = Setting {
    variable: "OTP_MAX_SENDS_PER_WINDOW",
    value: Value::Number {
        default: OTP_DEFAULT.max_sends_per_window as u64,
        min: 1,
        max: 20,
        unit: "codes",
    },
    meaning: "codes per address per window (the record keeps that many sends)",
    parameter: None,
};

pub const OTP_SEND_WINDOW_SECONDS: Setting = Setting {
    variable: "OTP_SEND_WINDOW_SECONDS",
    value: Value::Number {
        default: OTP_DEFAULT.send_window.as_secs(),
        min: 1,
        max: 86_400,
        unit: "seconds",
    },
    meaning: "the sliding window of `OTP_MAX_SENDS_PER_WINDOW`",
    parameter: None,
};

pub const OTP_MAX_ATTEMPTS: Setting = Setting {
    variable: "OTP_MAX_ATTEMPTS",
    value: Value::Number {
        default: OTP_DEFAULT.max_attempts as u64,
        min: 1,
        max: 10,
        unit: "codes",
    },
    meaning: "codes a guest may type per emailed code; set 1 if scripts/conformance finds that \
              Cognito's session dies at the first wrong code",
    parameter: param("CodeAttemptsPerSignIn"),
};

/// Budgets are counts per window; a million is far past any pool's email quota.
const BUDGET_MAX: u64 = 1_000_000;

pub const BUDGET_CODES_PER_SOURCE_PER_HOUR: Setting = Setting {
    variable: "BUDGET_CODES_PER_SOURCE_PER_HOUR",
    value: Value::Number {
        default: BUDGET_DEFAULT.per_source_per_hour as u64,
        min: 1,
        max: BUDGET_MAX,
        unit: "codes",
    },
    meaning: "sign-in codes one source (HTTP source IP, AgentCore Gateway session or \
              conversation, Bedrock Agents session) may have sent per hour",
    parameter: param("BudgetCodesPerSourcePerHour"),
};

pub const BUDGET_CODES_PER_MINUTE: Setting = Setting {
    variable: "BUDGET_CODES_PER_MINUTE",
    value: Value::Number {
        default: BUDGET_DEFAULT.codes_per_minute as u64,
        min: 1,
        max: BUDGET_MAX,
        unit: "codes",
    },
    meaning: "sign-in codes the whole pool may send per minute (keep it under your SES send rate)",
    parameter: param("BudgetCodesPerMinute"),
};

pub const BUDGET_CODES_PER_HOUR: Setting = Setting {
    variable: "BUDGET_CODES_PER_HOUR",
    value: Value::Number {
        default: BUDGET_DEFAULT.codes_per_hour as u64,
        min: 1,
        max: BUDGET_MAX,
        unit: "codes",
    },
    meaning: "sign-in codes the whole pool may send per hour (keep it under your SES daily \
              quota / 24)",
    parameter: param("BudgetCodesPerHour"),
};

pub const BUDGET_NEW_USERS_PER_HOUR: Setting = Setting {
    variable: "BUDGET_NEW_USERS_PER_HOUR",
    value: Value::Number {
        default: BUDGET_DEFAULT.new_users_per_hour as u64,
        min: 1,
        max: BUDGET_MAX,
        unit: "users",
    },
    meaning: "new Cognito users (billed monthly active users) per hour, across the pool",
    parameter: param("BudgetNewUsersPerHour"),
};

pub const REFRESH_TOKEN_AUTH_FALLBACK: Setting = Setting {
    variable: "REFRESH_TOKEN_AUTH_FALLBACK",
    value: Value::Flag { default: false },
    meaning: "fall back to `InitiateAuth(REFRESH_TOKEN_AUTH)` where `GetTokensFromRefreshToken` \
              is unavailable; not with a client secret",
    parameter: None,
};

pub const JWT_LEEWAY_SECONDS: Setting = Setting {
    variable: "JWT_LEEWAY_SECONDS",
    value: Value::Number {
        default: 5,
        min: 0,
        max: 300,
        unit: "seconds",
    },
    meaning: "clock skew allowed on `exp` / `nbf`",
    parameter: None,
};

pub const JWKS_FETCH_TIMEOUT_MS: Setting = Setting {
    variable: "JWKS_FETCH_TIMEOUT_MS",
    value: Value::Number {
        default: 3000,
        min: 100,
        max: 30_000,
        unit: "milliseconds",
    },
    meaning: "JWKS fetch timeout",
    parameter: None,
};

pub const JWKS_REFETCH_COOLDOWN_SECONDS: Setting = Setting {
    variable: "JWKS_REFETCH_COOLDOWN_SECONDS",
    value: Value::Number {
        default: 10,
        min: 0,
        max: 3600,
        unit: "seconds",
    },
    meaning: "at most one JWKS refetch per this period on an unknown `kid`",
    parameter: None,
};

pub const JWT_VERIFIED_CACHE_SIZE: Setting = Setting {
    variable: "JWT_VERIFIED_CACHE_SIZE",
    value: Value::Number {
        default: 256,
        min: 0,
        max: 10_000,
        unit: "tokens",
    },
    meaning: "verified tokens a warm process remembers (0 turns it off); a repeat skips only the \
              RSA check: `exp`, `nbf`, the signing key and revocation are checked on every call",
    parameter: None,
};

pub const REVOCATION_CHECK: Setting = Setting {
    variable: "REVOCATION_CHECK",
    value: Value::Flag { default: false },
    meaning: "refuse access tokens of signed-out sessions (one DynamoDB read per call). Off in \
              the code, where `AUTH_STATE_TABLE` may be absent; on in the stacks",
    parameter: Some(Parameter {
        name: "RevocationCheck",
        default: Some("true"),
        list: false,
    }),
};

pub const GUEST_TOKEN_HEADER: Setting = Setting {
    variable: "GUEST_TOKEN_HEADER",
    value: Value::Optional {
        unset: DEFAULT_GUEST_TOKEN_HEADER,
    },
    meaning: "the propagated AgentCore Gateway header that carries the guest's token (`Bearer \
              <jwt>`), matched case-insensitively; a name the Gateway cannot propagate \
              (`Authorization`, any restricted header, `X-Amz-…`) stops the function at start. \
              The templates allowlist the default",
    parameter: None,
};

pub const AUTH_TOKEN_ARGUMENT: Setting = Setting {
    variable: "AUTH_TOKEN_ARGUMENT",
    value: Value::Choice {
        default: "allowed",
        choices: &["allowed", "refused"],
    },
    meaning: "whether get_my_reservations and sign_out take the guest's token as a tool argument \
              (`auth_token`, `access_token`), which means the model held it; `refused` once your \
              agent's code sends the guest-token header: such an argument then answers \
              `INVALID_INPUT`",
    parameter: param("AuthTokenArgument"),
};

pub const CORS_ALLOWED_ORIGINS: Setting = Setting {
    variable: "CORS_ALLOWED_ORIGINS",
    value: Value::Optional {
        unset: "no CORS headers",
    },
    meaning: "browser origins allowed to call the HTTP API and the functions' HTTP envelope \
              (comma-separated exact origins, or `*`)",
    parameter: Some(Parameter {
        name: "CorsAllowedOrigins",
        default: Some("http://localhost:5173"),
        list: true,
    }),
};

pub const CORS_MAX_AGE_SECONDS: Setting = Setting {
    variable: "CORS_MAX_AGE_SECONDS",
    value: Value::Number {
        default: 600,
        min: 0,
        max: 86_400,
        unit: "seconds",
    },
    meaning: "preflight cache time",
    parameter: None,
};

pub const TLS_TRUST_STORE: Setting = Setting {
    variable: "TLS_TRUST_STORE",
    value: Value::Choice {
        default: "amazon",
        choices: &["amazon", "system"],
    },
    meaning: "CAs outbound HTTPS trusts (SDK clients and the JWKS fetch): `amazon`, the five \
              Amazon Trust Services roots every AWS endpoint these functions call chains to \
              (compiled in; parsing them costs ~30 µs against 3–5 ms for the system store); \
              `system`, the OS store and `HTTPS_PROXY`, as the AWS SDK does by default: for an \
              egress proxy that re-signs TLS or a partition whose endpoints chain elsewhere",
    parameter: None,
};

pub const AWS_LAMBDA_LOG_LEVEL: Setting = Setting {
    variable: "AWS_LAMBDA_LOG_LEVEL",
    value: Value::Optional {
        unset: "`RUST_LOG`, else `info`",
    },
    meaning: "log level (Lambda's advanced logging controls); logs are JSON lines with the \
              request id",
    parameter: None,
};

/// The table, in docs/configuration.md's order.
pub const ALL: &[&Setting] = &[
    &AWS_REGION,
    &USER_POOL_ID,
    &USER_POOL_CLIENT_ID,
    &USER_POOL_CLIENT_SECRET,
    &COGNITO_REPLICA_REGIONS,
    &COGNITO_ISSUER,
    &AUTH_STATE_TABLE,
    &GUESTS_TABLE,
    &RESERVATIONS_TABLE,
    &AUTH_SESSION_VALIDITY_MINUTES,
    &OTP_RESEND_COOLDOWN_SECONDS,
    &OTP_MAX_SENDS_PER_WINDOW,
    &OTP_SEND_WINDOW_SECONDS,
    &OTP_MAX_ATTEMPTS,
    &BUDGET_CODES_PER_SOURCE_PER_HOUR,
    &BUDGET_CODES_PER_MINUTE,
    &BUDGET_CODES_PER_HOUR,
    &BUDGET_NEW_USERS_PER_HOUR,
    &REFRESH_TOKEN_AUTH_FALLBACK,
    &JWT_LEEWAY_SECONDS,
    &JWKS_FETCH_TIMEOUT_MS,
    &JWKS_REFETCH_COOLDOWN_SECONDS,
    &JWT_VERIFIED_CACHE_SIZE,
    &REVOCATION_CHECK,
    &GUEST_TOKEN_HEADER,
    &AUTH_TOKEN_ARGUMENT,
    &CORS_ALLOWED_ORIGINS,
    &CORS_MAX_AGE_SECONDS,
    &TLS_TRUST_STORE,
    &AWS_LAMBDA_LOG_LEVEL,
];

/// What every function reads through the shared start-up (`invoke::lambda`), besides its own.
pub const AT_START_UP: &[&Setting] = &[
    &AWS_REGION,
    &TLS_TRUST_STORE,
    &CORS_ALLOWED_ORIGINS,
    &CORS_MAX_AGE_SECONDS,
    &GUEST_TOKEN_HEADER,
    &AUTH_TOKEN_ARGUMENT,
    &AWS_LAMBDA_LOG_LEVEL,
];

/// What reading `USER_POOL_ID` and its app client takes (`CognitoConfig`).
pub const COGNITO: &[&Setting] = &[
    &USER_POOL_ID,
    &USER_POOL_CLIENT_ID,
    &USER_POOL_CLIENT_SECRET,
    &COGNITO_REPLICA_REGIONS,
    &COGNITO_ISSUER,
];

/// What the sign-in policy takes (`otp_policy`).
pub const OTP: &[&Setting] = &[
    &AUTH_SESSION_VALIDITY_MINUTES,
    &OTP_RESEND_COOLDOWN_SECONDS,
    &OTP_MAX_SENDS_PER_WINDOW,
    &OTP_SEND_WINDOW_SECONDS,
    &OTP_MAX_ATTEMPTS,
];

/// What the budgets on sending codes take (`budget_policy`).
pub const BUDGETS: &[&Setting] = &[
    &BUDGET_CODES_PER_SOURCE_PER_HOUR,
    &BUDGET_CODES_PER_MINUTE,
    &BUDGET_CODES_PER_HOUR,
    &BUDGET_NEW_USERS_PER_HOUR,
];

/// What verifying a guest's token takes (`JwtConfig`).
pub const JWT: &[&Setting] = &[
    &JWT_LEEWAY_SECONDS,
    &JWKS_FETCH_TIMEOUT_MS,
    &JWKS_REFETCH_COOLDOWN_SECONDS,
    &JWT_VERIFIED_CACHE_SIZE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_variable_and_parameter_is_declared_once_and_defaults_lie_within_bounds() {
        let mut names: Vec<&str> = ALL.iter().map(|s| s.variable).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len(), "a variable is declared twice");
        let mut params: Vec<&str> = ALL
            .iter()
            .filter_map(|s| s.parameter.as_ref().map(|p| p.name))
            .collect();
        let count = params.len();
        params.sort_unstable();
        params.dedup();
        assert_eq!(params.len(), count, "a parameter sets two variables");
        for s in ALL {
            match &s.value {
                Value::Number {
                    default, min, max, ..
                } => assert!((min..=max).contains(&default), "{}", s.variable),
                Value::Choice { default, choices } => {
                    assert!(choices.contains(default), "{}", s.variable)
                }
                _ => {}
            }
        }
        for group in [AT_START_UP, COGNITO, OTP, BUDGETS, JWT] {
            for s in group {
                assert!(ALL.contains(s), "{} is not in ALL", s.variable);
            }
        }
    }
}
