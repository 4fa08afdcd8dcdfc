//! A thin adapter over the Cognito user-pool client for the calls the functions make.
//! Rules about what a failure means for the guest stay here, next to the call that produced it.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, AuthenticationResultType, ChallengeNameType, MessageActionType,
};
use base64::Engine;

use crate::config::CognitoConfig;
use crate::email::Email;
use crate::error::AuthError;
use crate::upstream::{Fault, FaultKind};

/// Cognito's tokens from a successful sign-in or refresh.
#[derive(Clone)]
pub struct Tokens {
    pub id_token: String,
    pub access_token: String,
    /// Present after sign-in, and after a refresh only when the app client rotates refresh tokens.
    pub refresh_token: Option<String>,
    pub expires_in: i64,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// The pending EMAIL_OTP challenge; `session` must stay on the server.
pub struct Challenge {
    pub session: String,
}

impl std::fmt::Debug for Challenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Challenge { session: *** }")
    }
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

    /// Make sure a passwordless user exists for `email` without Cognito sending an invitation.
    /// Known and unknown addresses end in the same state, so callers answer both the same way.
    pub async fn ensure_user(&self, email: &Email) -> Result<(), AuthError> {
        let found = self
            .client
            .admin_get_user()
            .user_pool_id(&self.user_pool_id)
            .username(email.as_str())
            .send()
            .await;
        match found {
            Ok(_) => return Ok(()),
            Err(err) => {
                let fault = Fault::from_sdk(&err);
                if !fault.is_code("UserNotFoundException") {
                    return Err(fault.into_error("AdminGetUser"));
                }
            }
        }
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
                Ok(())
            }
            Err(err) => {
                let fault = Fault::from_sdk(&err);
                // A concurrent sign-in for the same address created it first: same end state.
                if fault.is_code("UsernameExistsException") {
                    Ok(())
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
            (Some(ChallengeNameType::EmailOtp), Some(session)) => Ok(Challenge { session }),
            (other, _) => Err(AuthError::Internal(format!(
                "expected an EMAIL_OTP challenge, got {:?}; is EMAIL_OTP an allowed first factor of the pool?",
                other.as_ref().map(|n| n.as_str())
            ))),
        }
    }

    /// Answer the EMAIL_OTP challenge. `Err(Ok(refusal))` when Cognito refused the code or session,
    /// `Err(Err(error))` for every other failure.
    pub async fn answer_email_otp(
        &self,
        email: &Email,
        session: &str,
        code: &str,
    ) -> Result<Tokens, Result<CodeRefusal, AuthError>> {
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
            Ok(out) => tokens(out.authentication_result, true).map_err(Err),
            Err(err) => {
                let fault = Fault::from_sdk(&err);
                Err(match refusal(&fault) {
                    Some(r) => Ok(r),
                    None => Err(fault.into_error("AdminRespondToAuthChallenge")),
                })
            }
        }
    }

    /// New tokens for a refresh token: `GetTokensFromRefreshToken`, which rotates the refresh token
    /// when the app client has rotation on, or `REFRESH_TOKEN_AUTH` when `fallback` is set and the
    /// former is not available.
    pub async fn refresh(&self, refresh_token: &str, fallback: bool) -> Result<Tokens, AuthError> {
        let mut request = self
            .client
            .get_tokens_from_refresh_token()
            .client_id(&self.client_id)
            .refresh_token(refresh_token);
        if let Some(secret) = &self.client_secret {
            request = request.client_secret(secret);
        }
        let fault = match request.send().await {
            Ok(out) => return tokens(out.authentication_result, false),
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
        tokens(out.authentication_result, false)
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
                    FaultKind::Rejected => {
                        AuthError::InvalidToken(crate::error::TokenRejection::Revoked)
                    }
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

fn tokens(
    result: Option<AuthenticationResultType>,
    expect_refresh: bool,
) -> Result<Tokens, AuthError> {
    let result = result.ok_or_else(|| missing("AuthenticationResult"))?;
    let refresh_token = result.refresh_token;
    if expect_refresh && refresh_token.is_none() {
        return Err(missing("RefreshToken"));
    }
    Ok(Tokens {
        id_token: result.id_token.ok_or_else(|| missing("IdToken"))?,
        access_token: result.access_token.ok_or_else(|| missing("AccessToken"))?,
        refresh_token,
        expires_in: i64::from(result.expires_in),
    })
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
    base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
}
