//! What a token claims, and the claim rules of a verified token.

use serde::Deserialize;

use crate::domain::error::{AuthError, TokenRejection};

/// Which of Cognito's two tokens a caller must present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenUse {
    Access,
    Id,
}

impl TokenUse {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Id => "id",
        }
    }
}

/// The claims the product reads. Cognito adds more; they are ignored. A required claim that is
/// absent decodes as empty (or 0) and is refused by [`ClaimRules::check`] as `MissingClaim`, so a
/// missing claim is told apart from a payload that is not JSON.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub token_use: String,
    pub exp: u64,
    pub iat: Option<u64>,
    pub nbf: Option<u64>,
    /// Access tokens only.
    pub client_id: Option<String>,
    /// ID tokens only.
    pub aud: Option<String>,
    pub jti: Option<String>,
    /// Shared by every token minted from one sign-in; what revocation is keyed on.
    pub origin_jti: Option<String>,
    /// When the guest signed in (kept by refreshes): the second key of a sign-in's revocation.
    pub auth_time: Option<u64>,
    pub email: Option<String>,
    #[serde(alias = "cognito:username")]
    pub username: Option<String>,
}

impl Claims {
    /// The sign-in this token belongs to; a token without one cannot be revoked, so it fails closed.
    pub fn origin(&self) -> Result<&str, AuthError> {
        self.origin_jti
            .as_deref()
            .ok_or(AuthError::InvalidToken(TokenRejection::MissingClaim))
    }
}

/// The pool and client a token must belong to, and how much clock skew is forgiven.
#[derive(Debug, Clone)]
pub struct ClaimRules {
    /// Exactly the configured issuers; a token names one of them or is refused.
    pub issuers: Vec<String>,
    pub client_id: String,
    /// Seconds allowed either side of `exp` and `nbf`.
    pub leeway: u64,
}

impl ClaimRules {
    /// Every claim rule, in the order the errors are most useful to a caller. `now` in epoch seconds.
    pub fn check(&self, claims: &Claims, expected: TokenUse, now: i64) -> Result<(), AuthError> {
        let reject = |r| Err(AuthError::InvalidToken(r));
        if claims.sub.is_empty() || claims.iss.is_empty() || claims.exp == 0 {
            return reject(TokenRejection::MissingClaim);
        }
        self.check_time(claims, now)?;
        // The issuer comes from configuration, never from the token.
        if !self.trusts(&claims.iss) {
            return reject(TokenRejection::Issuer);
        }
        if claims.token_use != expected.as_str() {
            return reject(TokenRejection::TokenUse);
        }
        // Access tokens name the app client in `client_id`, ID tokens in `aud`.
        let audience = match expected {
            TokenUse::Access => claims.client_id.as_deref(),
            TokenUse::Id => claims.aud.as_deref(),
        };
        if audience != Some(self.client_id.as_str()) {
            return reject(TokenRejection::Audience);
        }
        Ok(())
    }

    /// Whether `iss` is one of the configured issuers, compared exactly.
    pub fn trusts(&self, iss: &str) -> bool {
        self.issuers.iter().any(|trusted| trusted == iss)
    }

    /// `exp` and `nbf` with the leeway either side: checked on every call, remembered token or not.
    pub fn check_time(&self, claims: &Claims, now: i64) -> Result<(), AuthError> {
        let now = u64::try_from(now).unwrap_or(0);
        if claims.exp.saturating_add(self.leeway) < now {
            return Err(AuthError::TokenExpired);
        }
        if claims
            .nbf
            .is_some_and(|nbf| nbf > now.saturating_add(self.leeway))
        {
            return Err(AuthError::InvalidToken(TokenRejection::NotYetValid));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000;

    fn rules() -> ClaimRules {
        ClaimRules {
            issuers: vec!["https://issuer".into()],
            client_id: "client".into(),
            leeway: 5,
        }
    }

    fn access() -> Claims {
        Claims {
            sub: "sub-1".into(),
            iss: "https://issuer".into(),
            token_use: "access".into(),
            exp: NOW as u64 + 3600,
            client_id: Some("client".into()),
            origin_jti: Some("origin-1".into()),
            ..Claims::default()
        }
    }

    fn rejection(claims: &Claims, expected: TokenUse) -> Option<TokenRejection> {
        match rules().check(claims, expected, NOW) {
            Err(AuthError::InvalidToken(r)) => Some(r),
            _ => None,
        }
    }

    #[test]
    fn a_valid_access_token_passes() {
        assert!(rules().check(&access(), TokenUse::Access, NOW).is_ok());
    }

    #[test]
    fn absent_required_claims_are_missing_claims() {
        let payload = r#"{"iss": "https://issuer", "token_use": "access", "exp": 1}"#;
        let decoded: Claims = serde_json::from_str(payload).unwrap();
        assert_eq!(
            rejection(&decoded, TokenUse::Access),
            Some(TokenRejection::MissingClaim)
        );
        for strip in [
            |c: &mut Claims| c.sub.clear(),
            |c: &mut Claims| c.iss.clear(),
            |c: &mut Claims| c.exp = 0,
        ] {
            let mut claims = access();
            strip(&mut claims);
            assert_eq!(
                rejection(&claims, TokenUse::Access),
                Some(TokenRejection::MissingClaim)
            );
        }
    }

    #[test]
    fn expiry_and_not_before_allow_the_leeway_only() {
        let mut claims = access();
        claims.exp = NOW as u64 - 2;
        assert!(rules().check(&claims, TokenUse::Access, NOW).is_ok());
        claims.exp = NOW as u64 - 60;
        assert!(matches!(
            rules().check(&claims, TokenUse::Access, NOW),
            Err(AuthError::TokenExpired)
        ));
        let mut claims = access();
        claims.nbf = Some(NOW as u64 + 600);
        assert_eq!(
            rejection(&claims, TokenUse::Access),
            Some(TokenRejection::NotYetValid)
        );
    }

    #[test]
    fn issuer_use_and_audience_must_be_the_configured_ones() {
        let mut claims = access();
        claims.iss = "https://attacker".into();
        assert_eq!(
            rejection(&claims, TokenUse::Access),
            Some(TokenRejection::Issuer)
        );
        assert_eq!(
            rejection(&access(), TokenUse::Id),
            Some(TokenRejection::TokenUse)
        );
        let mut claims = access();
        claims.client_id = Some("other".into());
        assert_eq!(
            rejection(&claims, TokenUse::Access),
            Some(TokenRejection::Audience)
        );
        // An ID token names the client in `aud`; a matching `client_id` does not stand in for it.
        let mut id = access();
        id.token_use = "id".into();
        assert_eq!(rejection(&id, TokenUse::Id), Some(TokenRejection::Audience));
        id.aud = Some("client".into());
        assert_eq!(rejection(&id, TokenUse::Id), None);
    }

    #[test]
    fn a_token_without_an_origin_cannot_be_revoked_and_fails_closed() {
        let mut claims = access();
        assert_eq!(claims.origin().ok(), Some("origin-1"));
        claims.origin_jti = None;
        assert!(matches!(
            claims.origin(),
            Err(AuthError::InvalidToken(TokenRejection::MissingClaim))
        ));
    }
}
