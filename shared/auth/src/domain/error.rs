//! The one error type of every layer. What a caller sees of an error (its code, message,
//! retryability, HTTP status) is the wire contract's business: `crate::contract::failure`.

/// Why a JWT was refused. Logged for operators; callers only ever see the error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRejection {
    Malformed,
    Algorithm,
    UnknownKey,
    Signature,
    Issuer,
    TokenUse,
    Audience,
    NotYetValid,
    MissingClaim,
    /// The sign-in was ended (sign-out) and revocation checks are on.
    Revoked,
}

impl TokenRejection {
    /// The class's name in metrics.
    pub fn name(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::Algorithm => "algorithm",
            Self::UnknownKey => "unknown_key",
            Self::Signature => "signature",
            Self::Issuer => "issuer",
            Self::TokenUse => "token_use",
            Self::Audience => "audience",
            Self::NotYetValid => "not_yet_valid",
            Self::MissingClaim => "missing_claim",
            Self::Revoked => "revoked",
        }
    }
}

/// Every expected failure of a tool, plus `Internal` for faults no caller can fix.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("invalid email address")]
    InvalidEmail,
    #[error("the code must be 6 to 8 digits")]
    InvalidOtpFormat,
    #[error("wrong code (attempt {attempts})")]
    InvalidOtp { attempts: u32, remaining: u32 },
    #[error("the sign-in session expired")]
    OtpExpired,
    #[error("too many wrong codes")]
    MaxAttempts { attempts: u32 },
    #[error("no pending sign-in for this session")]
    LoginNotFound,
    #[error("rate limited for {retry_after}s")]
    RateLimited { retry_after: u64 },
    #[error("no access token presented")]
    AuthRequired,
    #[error("the access token has expired")]
    TokenExpired,
    #[error("token rejected: {0:?}")]
    InvalidToken(TokenRejection),
    #[error("refresh refused: {0}")]
    RefreshFailed(String),
    #[error("upstream unavailable: {0}")]
    UpstreamUnavailable(String),
    /// The user pool's email sender has sent all it may today (Cognito's default sender's daily
    /// cap): no code goes out until the quota resets or SES is configured.
    #[error("the email sender's daily quota is spent")]
    EmailQuotaExhausted,
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A bug or a misconfiguration: surfaces as a Lambda error (or HTTP 500), never as a tool result.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AuthError {
    /// A fault no caller can fix: a Lambda error (Gateway, direct) or a 500 (HTTP).
    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Internal(_))
    }

    /// Throttling, timeouts and upstream faults may succeed when repeated; auth and validation never do.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::UpstreamUnavailable(_)
        )
    }

    /// Of two refusals of one call, the one to answer with: an upstream failure first (the caller
    /// retries it sooner and it says more), else the longer wait.
    pub fn or_longer_wait(self, other: AuthError) -> AuthError {
        match (&self, &other) {
            (
                AuthError::RateLimited { retry_after: x },
                AuthError::RateLimited { retry_after: y },
            ) => {
                if x >= y {
                    self
                } else {
                    other
                }
            }
            (AuthError::RateLimited { .. }, _) => other,
            _ => self,
        }
    }
}

/// A start-up fault: the function cannot serve anything until an operator fixes it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("missing required environment variable {0}")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn of_two_refusals_an_upstream_failure_comes_first_then_the_longer_wait() {
        let wait = |s| AuthError::RateLimited { retry_after: s };
        let upstream = || AuthError::UpstreamUnavailable("DynamoDB".into());
        assert!(matches!(
            wait(20).or_longer_wait(wait(400)),
            AuthError::RateLimited { retry_after: 400 }
        ));
        assert!(matches!(
            wait(400).or_longer_wait(wait(20)),
            AuthError::RateLimited { retry_after: 400 }
        ));
        assert!(matches!(
            wait(400).or_longer_wait(upstream()),
            AuthError::UpstreamUnavailable(_)
        ));
        assert!(matches!(
            upstream().or_longer_wait(wait(400)),
            AuthError::UpstreamUnavailable(_)
        ));
    }
}
