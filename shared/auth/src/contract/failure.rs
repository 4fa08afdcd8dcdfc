//! The failure half of the wire contract: every tool answers an expected failure with
//! [`Failure`], and this module is the one place that decides, for each [`AuthError`], the
//! `error_code`, the guest-safe `message`, `retryable` and the HTTP status.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::domain::error::AuthError;

/// Stable error codes of the wire contract. Frontends and agents branch on these strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema, strum::IntoStaticStr)]
#[cfg_attr(test, derive(strum::EnumIter))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    InvalidEmail,
    InvalidOtpFormat,
    InvalidOtp,
    OtpExpired,
    MaxAttempts,
    LoginNotFound,
    RateLimited,
    AuthRequired,
    TokenExpired,
    InvalidToken,
    RefreshFailed,
    UpstreamUnavailable,
    EmailQuotaExceeded,
    InvalidInput,
    InternalError,
}

impl ErrorCode {
    /// The wire string, for log fields: the same spelling serde writes (a test checks).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The failure shape of every tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Failure {
    #[schemars(extend("const" = false))]
    pub success: bool,
    pub error_code: ErrorCode,
    /// Safe to show the guest.
    pub message: String,
    /// Whether the same call may succeed if repeated (after `retry_after` seconds when given).
    pub retryable: bool,
    /// `INVALID_OTP`, `MAX_ATTEMPTS`: wrong codes so far for this login, as the server counted them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// `INVALID_OTP`, `MAX_ATTEMPTS`: wrong codes still allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_remaining: Option<u32>,
    /// `RATE_LIMITED`: seconds to wait.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl ErrorCode {
    pub fn of(err: &AuthError) -> Self {
        match err {
            AuthError::InvalidEmail => Self::InvalidEmail,
            AuthError::InvalidOtpFormat => Self::InvalidOtpFormat,
            AuthError::InvalidOtp { .. } => Self::InvalidOtp,
            AuthError::OtpExpired => Self::OtpExpired,
            AuthError::MaxAttempts { .. } => Self::MaxAttempts,
            AuthError::LoginNotFound => Self::LoginNotFound,
            AuthError::RateLimited { .. } => Self::RateLimited,
            AuthError::AuthRequired => Self::AuthRequired,
            AuthError::TokenExpired => Self::TokenExpired,
            AuthError::InvalidToken(_) => Self::InvalidToken,
            AuthError::RefreshFailed(_) => Self::RefreshFailed,
            AuthError::UpstreamUnavailable(_) => Self::UpstreamUnavailable,
            AuthError::EmailQuotaExhausted => Self::EmailQuotaExceeded,
            AuthError::InvalidInput(_) => Self::InvalidInput,
            AuthError::Internal(_) => Self::InternalError,
        }
    }

    /// The HTTP status a frontend sees for this failure.
    pub fn http_status(self) -> u16 {
        match self {
            Self::InvalidEmail | Self::InvalidOtpFormat | Self::InvalidInput => 400,
            Self::InvalidOtp
            | Self::OtpExpired
            | Self::MaxAttempts
            | Self::LoginNotFound
            | Self::AuthRequired
            | Self::TokenExpired
            | Self::InvalidToken
            | Self::RefreshFailed => 401,
            Self::RateLimited => 429,
            Self::UpstreamUnavailable | Self::EmailQuotaExceeded => 503,
            Self::InternalError => 500,
        }
    }
}

/// A sentence safe to show a guest: never the internal detail carried by some variants.
fn public_message(err: &AuthError) -> String {
    match err {
        AuthError::InvalidEmail => "That doesn't look like a valid email address.".into(),
        AuthError::InvalidOtpFormat => {
            "The code should be 6 to 8 digits, as written in the email.".into()
        }
        AuthError::InvalidOtp { remaining, .. } => format!(
            "That code isn't right. {remaining} attempt{} left.",
            if *remaining == 1 { "" } else { "s" }
        ),
        AuthError::OtpExpired => "The code has expired. Please ask for a new one.".into(),
        AuthError::MaxAttempts { .. } => "Too many wrong codes. Please ask for a new code.".into(),
        AuthError::LoginNotFound => {
            "This sign-in is no longer pending. Please ask for a new code.".into()
        }
        AuthError::RateLimited { retry_after } => {
            format!("Please wait {retry_after} seconds before trying again.")
        }
        AuthError::AuthRequired => "Please sign in first.".into(),
        AuthError::TokenExpired => "The session has expired; refresh it and try again.".into(),
        AuthError::InvalidToken(_) => "The sign-in is not valid. Please sign in again.".into(),
        AuthError::RefreshFailed(_) => "The session can't be renewed. Please sign in again.".into(),
        AuthError::UpstreamUnavailable(_) => {
            "The sign-in service is busy. Please try again in a moment.".into()
        }
        // Not retryable: every retry fails until the quota resets (within a day).
        AuthError::EmailQuotaExhausted => "We can't email sign-in codes right now: today's \
             sending limit has been reached. Please try again tomorrow, or contact the hotel \
             directly for your booking."
            .into(),
        AuthError::InvalidInput(detail) => format!("Invalid request: {detail}"),
        AuthError::Internal(_) => "Something went wrong on our side.".into(),
    }
}

impl Failure {
    /// The failure shape: `{success: false, error_code, message, retryable, ...}`.
    pub fn of(err: &AuthError) -> Self {
        let (attempts, attempts_remaining, retry_after) = match err {
            AuthError::InvalidOtp {
                attempts,
                remaining,
            } => (Some(*attempts), Some(*remaining), None),
            AuthError::MaxAttempts { attempts } => (Some(*attempts), Some(0), None),
            AuthError::RateLimited { retry_after } => (None, None, Some(*retry_after)),
            _ => (None, None, None),
        };
        let error_code = ErrorCode::of(err);
        Self {
            success: false,
            error_code,
            message: public_message(err),
            retryable: err.retryable(),
            attempts,
            attempts_remaining,
            retry_after,
        }
    }

    /// The JSON a caller receives.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The JSON failure a caller receives for `err`.
pub fn failure_value(err: &AuthError) -> Value {
    Failure::of(err).to_value()
}

/// The HTTP status a frontend sees for `err`.
pub fn http_status(err: &AuthError) -> u16 {
    ErrorCode::of(err).http_status()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::error::TokenRejection;
    use serde_json::json;

    #[test]
    fn invalid_otp_failure_carries_attempt_counts() {
        let body = failure_value(&AuthError::InvalidOtp {
            attempts: 1,
            remaining: 2,
        });
        assert_eq!(
            body,
            json!({
                "success": false,
                "error_code": "INVALID_OTP",
                "message": "That code isn't right. 2 attempts left.",
                "retryable": false,
                "attempts": 1,
                "attempts_remaining": 2
            })
        );
    }

    #[test]
    fn rate_limited_is_retryable_with_retry_after_and_429() {
        let err = AuthError::RateLimited { retry_after: 17 };
        let body = failure_value(&err);
        assert_eq!(body["error_code"], "RATE_LIMITED");
        assert_eq!(body["retryable"], true);
        assert_eq!(body["retry_after"], 17);
        assert_eq!(http_status(&err), 429);
    }

    #[test]
    fn upstream_unavailable_hides_detail_from_the_guest() {
        let err = AuthError::UpstreamUnavailable("dynamodb timeout at 10.0.0.1".into());
        let body = failure_value(&err);
        assert_eq!(body["retryable"], true);
        assert!(
            !body["message"]
                .as_str()
                .unwrap_or_default()
                .contains("10.0.0.1")
        );
        assert_eq!(http_status(&err), 503);
    }

    #[test]
    fn auth_failures_are_not_retryable_and_map_to_401() {
        for err in [
            AuthError::AuthRequired,
            AuthError::TokenExpired,
            AuthError::InvalidToken(TokenRejection::Signature),
            AuthError::RefreshFailed("revoked".into()),
            AuthError::OtpExpired,
            AuthError::MaxAttempts { attempts: 3 },
        ] {
            assert!(!err.retryable(), "{err:?}");
            assert_eq!(http_status(&err), 401, "{err:?}");
        }
    }

    #[test]
    fn validation_failures_map_to_400() {
        assert_eq!(http_status(&AuthError::InvalidEmail), 400);
        assert_eq!(http_status(&AuthError::InvalidOtpFormat), 400);
        assert_eq!(http_status(&AuthError::InvalidInput("x".into())), 400);
    }

    #[test]
    fn error_code_strings_match_the_contract() {
        let json = serde_json::to_value(ErrorCode::UpstreamUnavailable).ok();
        assert_eq!(json, Some(json!("UPSTREAM_UNAVAILABLE")));
        assert_eq!(ErrorCode::InvalidOtpFormat.as_str(), "INVALID_OTP_FORMAT");
    }

    #[test]
    fn log_spelling_of_every_code_is_the_wire_spelling() {
        use strum::IntoEnumIterator;
        for code in ErrorCode::iter() {
            assert_eq!(serde_json::to_value(code).ok(), Some(json!(code.as_str())));
        }
    }
}
