//! Controlling the Cognito stand-in (pool settings, faults) and reading its inbox; sessions made
//! at the stand-in directly, as another device would.

use serde_json::{Value, json};

use super::{Result, Stack, StackError};

impl Stack {
    pub(super) async fn control(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let reply = self
            .request(
                method,
                format!("{}{path}", self.standin_url),
                &[],
                body.map(|b| b.to_string()),
            )
            .await?;
        if reply.status >= 300 {
            return Err(StackError(format!(
                "{method} {path}: {} {}",
                reply.status, reply.body
            )));
        }
        Ok(reply.body)
    }

    /// Change the stand-in pool's settings (e.g. `{"refresh_rotation": true}`).
    pub fn configure_pool(&self, patch: Value) -> Result<()> {
        self.rt
            .block_on(self.control("POST", "/_config", Some(patch)))
            .map(|_| ())
    }

    /// Make a Cognito operation fail (see the stand-in's `/_faults`).
    pub fn inject_fault(&self, fault: Value) -> Result<()> {
        self.rt
            .block_on(self.control("POST", "/_faults", Some(fault)))
            .map(|_| ())
    }

    pub fn clear_faults(&self) -> Result<()> {
        self.rt
            .block_on(self.control("DELETE", "/_faults", None))
            .map(|_| ())
    }

    /// The newest code emailed to `email`.
    pub fn latest_code(&self, email: &str) -> Result<String> {
        self.standin
            .inbox(email)
            .iter()
            .rev()
            .find_map(|m| {
                m["code"]
                    .as_str()
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
            })
            .ok_or_else(|| StackError(format!("no code in the inbox of {email}")))
    }

    /// Codes the stand-in emailed and users it holds, across the pool.
    pub fn pool_counts(&self) -> (usize, usize) {
        (self.standin.codes_sent(), self.standin.user_count())
    }

    pub fn inbox_len(&self, email: &str) -> usize {
        self.standin.inbox(email).len()
    }

    /// A session for `email` made directly at the stand-in, as another device or app would get one;
    /// the AuthenticationResult as JSON (`AccessToken`, `RefreshToken`, ...).
    pub fn cognito_session(&self, email: &str) -> Result<Value> {
        use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType};
        let s = self.settings();
        let started = self.rt.block_on(
            self.cognito
                .admin_initiate_auth()
                .user_pool_id(&s.user_pool_id)
                .client_id(&s.client_id)
                .auth_flow(AuthFlowType::UserAuth)
                .auth_parameters("USERNAME", email)
                .auth_parameters("PREFERRED_CHALLENGE", "EMAIL_OTP")
                .send(),
        );
        let session = started
            .map_err(|e| format!("AdminInitiateAuth: {e:?}"))?
            .session
            .unwrap_or_default();
        let code = self.latest_code(email)?;
        let answered = self.rt.block_on(
            self.cognito
                .admin_respond_to_auth_challenge()
                .user_pool_id(&s.user_pool_id)
                .client_id(&s.client_id)
                .challenge_name(ChallengeNameType::EmailOtp)
                .session(session)
                .challenge_responses("USERNAME", email)
                .challenge_responses("EMAIL_OTP_CODE", code)
                .send(),
        );
        let result = answered
            .map_err(|e| format!("AdminRespondToAuthChallenge: {e:?}"))?
            .authentication_result
            .ok_or_else(|| StackError("no AuthenticationResult".into()))?;
        Ok(json!({
            "access_token": result.access_token,
            "refresh_token": result.refresh_token,
            "id_token": result.id_token,
        }))
    }

    /// Revoke a refresh token directly at the stand-in (what a sign-out does).
    pub fn revoke(&self, refresh_token: &str) -> Result<()> {
        self.rt.block_on(async {
            self.cognito
                .revoke_token()
                .client_id(self.settings().client_id)
                .token(refresh_token)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| StackError(format!("RevokeToken: {e:?}")))
        })
    }
}
