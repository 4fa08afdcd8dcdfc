//! A thin adapter over the Cognito user-pool client for the calls the functions make.
//! Rules about what a failure means for the guest stay here, next to the call that produced it.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, AuthenticationResultType, ChallengeNameType, MessageActionType,
};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;

use super::upstream::{Fault, FaultKind};
use crate::config::CognitoConfig;
use crate::contract::{Secret, TokenDeliveryEvent};
use crate::domain::email::Email;
use crate::domain::error::{AuthError, TokenRejection};

/// The ID and access tokens Cognito issued in a sign-in or refresh answer.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub id_token: Secret,
    pub access_token: Secret,
    pub expires_in: i64,
}

/// Who Cognito just issued tokens to, read from its own ID token.
#[derive(Debug, Clone, Deserialize)]
pub struct Identity {
    pub sub: String,
    #[serde(default)]
    pub email: Option<String>,
}

impl Tokens {
    /// The claims of the ID token Cognito returned in this same call, read without verifying its
    /// signature: OpenID Connect Core §3.1.3.7 allows TLS server validation in place of the
    /// signature for tokens received directly from the token endpoint. Tokens a caller presents
    /// go through `crate::jwt::JwtVerifier` instead.
    pub fn identity(&self) -> Result<Identity, AuthError> {
        let malformed = || AuthError::Internal("Cognito returned a malformed token".into());
        let payload = self
            .id_token
            .expose()
            .split('.')
            .nth(1)
            .ok_or_else(malformed)?;
        let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|_| malformed())?;
        serde_json::from_slice(&bytes)
            .map_err(|_| AuthError::Internal("Cognito returned unexpected claims".into()))
    }

    /// The `auth_tokens` event that delivers these tokens to the guest `guest_id`.
    pub fn deliver(
        self,
        refresh_token: Secret,
        guest_id: String,
        email: String,
        cognito_sub: String,
    ) -> TokenDeliveryEvent {
        TokenDeliveryEvent {
            event_type: TokenDeliveryEvent::EVENT_TYPE,
            success: true,
            id_token: self.id_token,
            access_token: self.access_token,
            refresh_token,
            expires_in: self.expires_in,
            guest_id,
            email: email.into(),
            cognito_sub,
        }
    }
}

/// A completed sign-in: the tokens and the refresh token that starts the session.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub tokens: Tokens,
    pub refresh_token: Secret,
}

/// New tokens for a refresh token; `rotated` is the refresh token that replaces the one given
/// when the app client rotates them.
#[derive(Debug, Clone)]
pub struct Refreshed {
    pub tokens: Tokens,
    pub rotated: Option<Secret>,
}

/// How Cognito answered a code.
#[derive(Debug)]
pub enum CodeAnswer {
    SignedIn(SignIn),
    Refused(CodeRefusal),
}

/// The pending EMAIL_OTP challenge; `session` must stay on the server.
#[derive(Debug)]
pub struct Challenge {
    pub session: Secret,
}

/// Why Cognito refused a code.
#[derive(Debug, PartialEq, Eq)]
pub enum CodeRefusal {
    /// `CodeMismatchException`: a wrong code; the session stays usable.
    Mismatch,
    /// The Cognito session expired.
    Expired,
    /// The session was already used or is otherwise not valid any more.
    SessionInvalid,
}

#[derive(Clone)]
pub struct Cognito {
    client: Client,
    user_pool_id: String,
    client_id: String,
    client_secret: Option<String>,
}

impl Cognito {
    pub fn new(client: Client, config: &CognitoConfig) -> Self {
        Self {
            client,
            user_pool_id: config.user_pool_id.clone(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
        }
    }

    /// `SECRET_HASH` for app clients that have a secret: Base64(HMAC-SHA256(secret, username + client_id)).
    fn secret_hash(&self, username: &str) -> Option<String> {
        self.client_secret
            .as_ref()
            .map(|secret| secret_hash(secret, username, &self.client_id))
    }

    /// Make sure a passwordless user exists for `email` without Cognito sending an invitation;
    /// `true` when this call created it. It asks by creating (an existing user answers
    /// `UsernameExistsException`), so known and unknown addresses make the same calls: the
    /// answer and the time it takes reveal nothing.
    pub async fn create_user(&self, email: &Email) -> Result<bool, AuthError> {
        let attribute =
            |name: &str, value: &str| AttributeType::builder().name(name).value(value).build();
        let created = self
            .client
            .admin_create_user()
            .user_pool_id(&self.user_pool_id)
            .username(email.as_str())
            .user_attributes(attribute("email", email.as_str()).map_err(build_error)?)
            .user_attributes(attribute("email_verified", "true").map_err(build_error)?)
            .message_action(MessageActionType::Suppress)
            .send()
            .await;
        match created {
            Ok(_) => {
                tracing::info!(email = %email, "created passwordless user");
                Ok(true)
            }
            Err(err) => {
                let fault = Fault::from_sdk(&err);
                if fault.is_code("UsernameExistsException") {
                    Ok(false)
                } else {
                    Err(fault.into_error("AdminCreateUser"))
                }
            }
        }
    }

    /// Start `USER_AUTH` preferring `EMAIL_OTP`: Cognito emails the code and returns the session.
    pub async fn start_email_otp(&self, email: &Email) -> Result<Challenge, AuthError> {
        let mut request = self
            .client
            .admin_initiate_auth()
            .user_pool_id(&self.user_pool_id)
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", email.as_str())
            .auth_parameters("PREFERRED_CHALLENGE", "EMAIL_OTP");
        if let Some(hash) = self.secret_hash(email.as_str()) {
            request = request.auth_parameters("SECRET_HASH", hash);
        }
        let started = request
            .send()
            .await
            .map_err(|e| Fault::from_sdk(&e).into_error("AdminInitiateAuth"))?;
        let (mut name, mut session) = (started.challenge_name, started.session);

        // Without (or ignoring) the preference Cognito offers a choice: pick the email code.
        if name == Some(ChallengeNameType::SelectChallenge) {
            let current = session.ok_or_else(|| missing("AdminInitiateAuth session"))?;
            let mut answer = self
                .client
                .admin_respond_to_auth_challenge()
                .user_pool_id(&self.user_pool_id)
                .client_id(&self.client_id)
                .challenge_name(ChallengeNameType::SelectChallenge)
                .session(current)
                .challenge_responses("USERNAME", email.as_str())
                .challenge_responses("ANSWER", "EMAIL_OTP");
            if let Some(hash) = self.secret_hash(email.as_str()) {
                answer = answer.challenge_responses("SECRET_HASH", hash);
            }
            let selected = answer
                .send()
                .await
                .map_err(|e| Fault::from_sdk(&e).into_error("AdminRespondToAuthChallenge"))?;
            (name, session) = (selected.challenge_name, selected.session);
        }
        match (name, session) {
            (Some(ChallengeNameType::EmailOtp), Some(session)) => Ok(Challenge {
                session: session.into(),
            }),
            (other, _) => Err(AuthError::Internal(format!(
                "expected an EMAIL_OTP challenge, got {:?}; is EMAIL_OTP an allowed first factor of the pool?",
                other.as_ref().map(|n| n.as_str())
            ))),
        }
    }

    /// Answer the EMAIL_OTP challenge: signed in, or the code or session refused; `Err` for every
    /// other failure.
    pub async fn answer_email_otp(
        &self,
        email: &Email,
        session: &str,
        code: &str,
    ) -> Result<CodeAnswer, AuthError> {
        let mut request = self
            .client
            .admin_respond_to_auth_challenge()
            .user_pool_id(&self.user_pool_id)
            .client_id(&self.client_id)
            .challenge_name(ChallengeNameType::EmailOtp)
            .session(session)
            .challenge_responses("USERNAME", email.as_str())
            .challenge_responses("EMAIL_OTP_CODE", code);
        if let Some(hash) = self.secret_hash(email.as_str()) {
            request = request.challenge_responses("SECRET_HASH", hash);
        }
        match request.send().await {
            Ok(out) => {
                let (tokens, refresh_token) = tokens(out.authentication_result)?;
                let refresh_token = refresh_token.ok_or_else(|| missing("RefreshToken"))?;
                Ok(CodeAnswer::SignedIn(SignIn {
                    tokens,
                    refresh_token,
                }))
            }
            Err(err) => {
                let fault = Fault::from_sdk(&err);
                match refusal(&fault) {
                    Some(r) => Ok(CodeAnswer::Refused(r)),
                    None => Err(fault.into_error("AdminRespondToAuthChallenge")),
                }
            }
        }
    }

    /// New tokens for a refresh token: `GetTokensFromRefreshToken`, which rotates the refresh token
    /// when the app client has rotation on, or `REFRESH_TOKEN_AUTH` when `fallback` is set and the
    /// former is not available.
    pub async fn refresh(
        &self,
        refresh_token: &str,
        fallback: bool,
    ) -> Result<Refreshed, AuthError> {
        let mut request = self
            .client
            .get_tokens_from_refresh_token()
            .client_id(&self.client_id)
            .refresh_token(refresh_token);
        if let Some(secret) = &self.client_secret {
            request = request.client_secret(secret);
        }
        let fault = match request.send().await {
            Ok(out) => return refreshed(out.authentication_result),
            Err(err) => Fault::from_sdk(&err),
        };
        let unsupported = fault.kind == FaultKind::Rejected
            && matches!(
                fault.code.as_deref(),
                Some("UnknownOperationException" | "UnsupportedOperationException")
            );
        if !(fallback && unsupported) {
            return Err(refresh_failure(fault, "GetTokensFromRefreshToken"));
        }
        let out = self
            .client
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", refresh_token)
            .send()
            .await
            .map_err(|e| refresh_failure(Fault::from_sdk(&e), "InitiateAuth"))?;
        refreshed(out.authentication_result)
    }
}

impl Cognito {
    /// Revoke a refresh token (and every token of its rotation family): later refreshes fail.
    pub async fn revoke_refresh_token(&self, refresh_token: &str) -> Result<(), AuthError> {
        let mut request = self
            .client
            .revoke_token()
            .client_id(&self.client_id)
            .token(refresh_token);
        if let Some(secret) = &self.client_secret {
            request = request.client_secret(secret);
        }
        request
            .send()
            .await
            .map(|_| ())
            .map_err(|e| refresh_failure(Fault::from_sdk(&e), "RevokeToken"))
    }

    /// End every session of the access token's user (all devices).
    pub async fn global_sign_out(&self, access_token: &str) -> Result<(), AuthError> {
        self.client
            .global_sign_out()
            .access_token(access_token)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                let fault = Fault::from_sdk(&e);
                match fault.kind {
                    // A token Cognito no longer accepts: its sessions are already over.
                    FaultKind::Rejected => AuthError::InvalidToken(TokenRejection::Revoked),
                    _ => fault.into_error("GlobalSignOut"),
                }
            })
    }
}

/// Refresh tokens are opaque to us: any refusal (revoked, expired, malformed, wrong client)
/// means the guest must sign in again. Throttles and outages stay retryable.
fn refresh_failure(fault: Fault, operation: &'static str) -> AuthError {
    match fault.kind {
        FaultKind::Rejected => {
            tracing::info!(
                operation,
                code = fault.code.as_deref().unwrap_or("-"),
                "refresh refused"
            );
            AuthError::RefreshFailed(fault.code.unwrap_or_default())
        }
        _ => fault.into_error(operation),
    }
}

fn refusal(fault: &Fault) -> Option<CodeRefusal> {
    match fault.code.as_deref()? {
        "CodeMismatchException" => Some(CodeRefusal::Mismatch),
        "ExpiredCodeException" => Some(CodeRefusal::Expired),
        "NotAuthorizedException" => {
            let message = fault
                .message
                .as_deref()
                .unwrap_or_default()
                .to_ascii_lowercase();
            Some(if message.contains("expired") {
                CodeRefusal::Expired
            } else {
                CodeRefusal::SessionInvalid
            })
        }
        _ => None,
    }
}

/// The tokens of an `AuthenticationResult`, and its refresh token if it carries one (after a
/// sign-in always; after a refresh only when the app client rotates refresh tokens).
fn tokens(result: Option<AuthenticationResultType>) -> Result<(Tokens, Option<Secret>), AuthError> {
    let result = result.ok_or_else(|| missing("AuthenticationResult"))?;
    let tokens = Tokens {
        id_token: result.id_token.ok_or_else(|| missing("IdToken"))?.into(),
        access_token: result
            .access_token
            .ok_or_else(|| missing("AccessToken"))?
            .into(),
        expires_in: i64::from(result.expires_in),
    };
    Ok((tokens, result.refresh_token.map(Secret::from)))
}

fn refreshed(result: Option<AuthenticationResultType>) -> Result<Refreshed, AuthError> {
    let (tokens, rotated) = tokens(result)?;
    Ok(Refreshed { tokens, rotated })
}

fn missing(what: &str) -> AuthError {
    AuthError::Internal(format!("Cognito response without {what}"))
}

fn build_error(err: aws_sdk_cognitoidentityprovider::error::BuildError) -> AuthError {
    AuthError::Internal(format!("request construction failed: {err}"))
}

pub fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = aws_lc_rs::hmac::sign(&key, format!("{username}{client_id}").as_bytes());
    STANDARD.encode(tag.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unsigned_token(claims: &serde_json::Value) -> String {
        let b64 = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.sig",
            b64(&serde_json::json!({"alg": "RS256"})),
            b64(claims)
        )
    }

    fn issued(id_token: String) -> Tokens {
        Tokens {
            id_token: id_token.into(),
            access_token: "access".into(),
            expires_in: 3600,
        }
    }

    #[test]
    fn the_identity_of_an_issued_id_token_is_read_without_keys() {
        let tokens = issued(unsigned_token(
            &serde_json::json!({"sub": "sub-9", "email": "a@b.co", "token_use": "id"}),
        ));
        let identity = tokens.identity().unwrap();
        assert_eq!(identity.sub, "sub-9");
        assert_eq!(identity.email.as_deref(), Some("a@b.co"));
        assert!(issued("nope".into()).identity().is_err());
        assert!(
            issued(unsigned_token(&serde_json::json!({"email": "a@b.co"})))
                .identity()
                .is_err()
        );
    }

    #[test]
    fn delivered_tokens_are_the_auth_tokens_event() {
        let event = issued("id".into()).deliver("r".into(), "GST-1".into(), "e".into(), "s".into());
        assert_eq!(
            serde_json::to_value(event).unwrap(),
            serde_json::json!({"event_type": "auth_tokens", "success": true, "id_token": "id",
                "access_token": "access", "refresh_token": "r", "expires_in": 3600,
                "guest_id": "GST-1", "email": "e", "cognito_sub": "s"})
        );
    }
}
