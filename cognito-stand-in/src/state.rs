//! The stand-in's state: users, sign-in sessions, refresh tokens, the inbox and injected faults.

use std::collections::{HashMap, HashSet};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// How the stand-in pool and app client behave. Defaults match a new Cognito pool.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub region: String,
    pub user_pool_id: String,
    pub client_id: String,
    /// When set, `SECRET_HASH` (or `ClientSecret`) is required and checked.
    pub client_secret: Option<String>,
    /// `AuthSessionValidity`: how long a sign-in session (and its code) lives.
    pub session_validity_seconds: u64,
    pub access_token_validity_seconds: u64,
    pub id_token_validity_seconds: u64,
    pub refresh_token_validity_seconds: u64,
    /// Refresh-token rotation on the app client.
    pub refresh_rotation: bool,
    /// Wrong codes a session takes before Cognito stops accepting it.
    pub max_code_attempts: u32,
    /// The pool's `IssuerConfiguration`: which of Cognito's issuer strings its tokens carry.
    pub issuer_format: IssuerFormat,
    /// The pool's `AllowedFirstAuthFactors`, as infra/template.yaml sets them: what `USER_AUTH`
    /// offers in `AvailableChallenges` (`PASSWORD` offers `PASSWORD` and `PASSWORD_SRP`).
    pub first_factors: Vec<String>,
    /// `RefreshTokenRotation.RetryGracePeriodSeconds`: how long a rotated refresh token still works.
    pub refresh_retry_grace_seconds: u64,
    /// The app client's `PreventUserExistenceErrors`.
    pub prevent_user_existence_errors: UserExistenceErrors,
    /// Codes the pool's email sender may send in 24 hours, as Cognito's default sender caps them
    /// (<https://docs.aws.amazon.com/cognito/latest/developerguide/limits.html>); none: no cap
    /// (an SES sender, as the tests usually assume).
    pub daily_email_limit: Option<u32>,
    /// Where AWS is silent, the alternatives a deployed pool may show (`scripts/conformance`
    /// settles each on a real account); the defaults are the product's reading.
    pub undocumented: Undocumented,
}

/// Behaviours AWS does not document, each with the alternative that field reports or a plain
/// reading allow. The defaults are what the product assumes; every alternative is one the product
/// must also handle.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Undocumented {
    /// `RevokeToken` of a refresh token that is already dead (a global sign-out, an earlier
    /// revocation) succeeds; `false`: refused with `NotAuthorizedException`.
    pub revoke_accepts_dead_token: bool,
    /// A global sign-out refuses tokens minted before its exact instant; `false`: every token
    /// whose `iat` is in the sign-out's second or earlier, as field reports describe.
    pub sign_out_to_the_instant: bool,
    /// Rotated refresh tokens keep the sign-in's `origin_jti`; `false`: each rotation starts a new
    /// one (the family still revokes together).
    pub rotation_keeps_origin_jti: bool,
    /// The emailed code lives as long as its sign-in session; `Some(s)`: it expires `s` seconds
    /// after it was sent (`ExpiredCodeException`), however long the session lives.
    pub code_validity_seconds: Option<u64>,
    /// A spent `daily_email_limit` reads "Exceeded daily email limit …", as field reports quote
    /// it; `false`: Cognito's generic limit wording, which the functions take for a throttle.
    pub email_cap_names_the_daily_limit: bool,
}

impl Default for Undocumented {
    fn default() -> Self {
        Self {
            revoke_accepts_dead_token: true,
            sign_out_to_the_instant: true,
            rotation_keeps_origin_jti: true,
            code_validity_seconds: None,
            email_cap_names_the_daily_limit: true,
        }
    }
}

/// What a sign-in for an unknown username answers
/// (<https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum UserExistenceErrors {
    /// The console's default for a new app client: `USER_AUTH` answers an unknown username with
    /// the challenges a user would get, and no code ever matches.
    #[default]
    Enabled,
    /// The API's default: `UserNotFoundException`.
    Legacy,
}

/// Cognito's two issuer formats
/// (<https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_IssuerConfigurationType.html>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IssuerFormat {
    /// `https://cognito-idp.{region}.amazonaws.com/{pool}`
    #[default]
    Original,
    /// `https://issuer-cognito-idp.{region}.amazonaws.com/{pool}`
    Updated,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            region: "eu-west-1".into(),
            user_pool_id: "eu-west-1_LocalPool1".into(),
            client_id: "localclient0000000000000001".into(),
            client_secret: None,
            session_validity_seconds: 180,
            access_token_validity_seconds: 3600,
            id_token_validity_seconds: 3600,
            refresh_token_validity_seconds: 30 * 24 * 3600,
            refresh_rotation: false,
            max_code_attempts: 3,
            issuer_format: IssuerFormat::Original,
            first_factors: vec!["PASSWORD".into(), "EMAIL_OTP".into()],
            refresh_retry_grace_seconds: 0,
            prevent_user_existence_errors: UserExistenceErrors::Enabled,
            daily_email_limit: None,
            undocumented: Undocumented::default(),
        }
    }
}

/// Epoch seconds with their fraction: Cognito's wire format for dates (`UserCreateDate`), and
/// precise enough that a session of a second or two expires when a test expects. The functions
/// keep whole seconds (`booking_auth::domain::clock`); this clock belongs to the emulated service.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

#[derive(Debug, Clone)]
pub struct User {
    pub sub: String,
    pub email: String,
    pub email_verified: bool,
    pub enabled: bool,
    pub status: &'static str,
    pub created: f64,
    /// Set by a global sign-out: tokens issued before it are refused by Cognito APIs.
    pub signed_out_at: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Waiting for the client to pick a first factor.
    SelectChallenge,
    /// A code was emailed at `sent_at`; waiting for it.
    EmailOtp {
        code: String,
        wrong: u32,
        sent_at: f64,
    },
}

#[derive(Debug, Clone)]
pub struct Session {
    pub sub: String,
    pub client_id: String,
    pub step: Step,
    pub expires_at: f64,
    pub used: bool,
}

#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub sub: String,
    pub client_id: String,
    pub origin_jti: String,
    /// The sign-in it descends from (the first `origin_jti`): revoking one revokes the family.
    pub family: String,
    pub auth_time: u64,
    pub expires_at: f64,
    pub revoked: bool,
    /// When rotation replaced it: it still works for the retry grace period after that.
    pub rotated_at: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub to: String,
    pub code: String,
    pub sent_at: f64,
    pub kind: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// `TooManyRequestsException`
    Throttle,
    /// `LimitExceededException` (which the Rust SDK reports as unhandled)
    LimitExceeded,
    /// HTTP 500 `InternalErrorException`
    ServerError,
    /// Answer normally, after `delay_ms`.
    Slow,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    pub operation: String,
    pub fault: FaultKind,
    /// How many calls it affects; absent: until cleared.
    #[serde(default)]
    pub times: Option<u32>,
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

#[derive(Default)]
pub struct State {
    pub users: HashMap<String, User>,
    pub sessions: HashMap<String, Session>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    /// When each access token (by `jti`) was minted, to the fraction of a second: a global
    /// sign-out refuses what was minted before it, not what was minted in the same second after.
    pub access_minted_at: HashMap<String, f64>,
    /// Sign-ins (`origin_jti`) whose refresh token was revoked: their access tokens are refused.
    pub revoked_origins: HashSet<String>,
    pub inbox: Vec<Message>,
    pub faults: Vec<Fault>,
    /// Each API call's operation and the X-Ray trace header it came with, in order.
    pub traces: Vec<(String, Option<String>)>,
}

impl State {
    /// A user by email (case-insensitively, as a pool with email as username) or by `sub`.
    pub fn find_user(&self, username: &str) -> Option<&User> {
        let wanted = username.to_ascii_lowercase();
        self.users.get(username).or_else(|| {
            self.users
                .values()
                .find(|u| u.email.to_ascii_lowercase() == wanted)
        })
    }

    /// The fault to apply to `operation` now, consuming one use of it.
    pub fn take_fault(&mut self, operation: &str) -> Option<Fault> {
        let index = self
            .faults
            .iter()
            .position(|f| f.operation == operation || f.operation == "*")?;
        let fault = self.faults[index].clone();
        if let Some(times) = &mut self.faults[index].times {
            *times = times.saturating_sub(1);
            if *times == 0 {
                self.faults.remove(index);
            }
        }
        Some(fault)
    }
}
