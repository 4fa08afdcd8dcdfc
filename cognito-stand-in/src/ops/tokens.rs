//! Tokens after a sign-in: minting, refresh (with rotation), revocation, sign-out, and the
//! access-token check of the token-authorized operations.

use super::*;

impl StandIn {
    /// Mint ID and access tokens (and a refresh token when `origin` is `None`: a new sign-in).
    pub(super) fn sign_in(
        &self,
        state: &mut State,
        user: &User,
        origin: Option<(&str, u64)>,
    ) -> OpResult {
        let settings = self.settings();
        let now_s = now() as u64;
        let (origin_jti, auth_time) = match origin {
            Some((jti, at)) => (jti.to_owned(), at),
            None => (uuid(), now_s),
        };
        let event_id = uuid();
        let issuer = self.issuer();
        let id_claims = json!({
            "sub": user.sub, "email_verified": user.email_verified, "iss": issuer,
            "cognito:username": user.sub, "origin_jti": origin_jti, "aud": settings.client_id,
            "event_id": event_id, "token_use": "id", "auth_time": auth_time,
            "exp": now_s + settings.id_token_validity_seconds, "iat": now_s, "jti": uuid(), "email": user.email
        });
        let access_jti = uuid();
        state.access_minted_at.insert(access_jti.clone(), now());
        let access_claims = json!({
            "sub": user.sub, "iss": issuer, "client_id": settings.client_id, "origin_jti": origin_jti,
            "event_id": event_id, "token_use": "access", "scope": "aws.cognito.signin.user.admin",
            "auth_time": auth_time, "exp": now_s + settings.access_token_validity_seconds, "iat": now_s,
            "jti": access_jti, "username": user.sub
        });
        let sign = |key: &crate::keys::SigningKey, claims: &Value| {
            key.sign(claims).map_err(|_| CognitoError {
                status: 500,
                kind: "InternalErrorException",
                message: "signing failed".into(),
            })
        };
        let keys = self.keys();
        let mut result = json!({
            "AccessToken": sign(&keys.access, &access_claims)?,
            "ExpiresIn": settings.access_token_validity_seconds,
            "TokenType": "Bearer",
            "IdToken": sign(&keys.id, &id_claims)?,
        });
        if origin.is_none() {
            result["RefreshToken"] = Value::String(self.new_refresh_token(
                state,
                &user.sub,
                (&origin_jti, &origin_jti),
                auth_time,
            ));
        }
        Ok(result)
    }

    pub(super) fn new_refresh_token(
        &self,
        state: &mut State,
        sub: &str,
        (origin_jti, family): (&str, &str),
        auth_time: u64,
    ) -> String {
        // Cognito's refresh tokens are opaque JWE strings; this one is opaque too.
        let token = format!(
            "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.{}.{}.{}.{}",
            b64(&random_bytes(256)),
            b64(&random_bytes(12)),
            b64(&random_bytes(600)),
            b64(&random_bytes(16))
        );
        state.refresh_tokens.insert(
            token.clone(),
            RefreshToken {
                sub: sub.to_owned(),
                client_id: self.settings().client_id,
                origin_jti: origin_jti.to_owned(),
                family: family.to_owned(),
                auth_time,
                expires_at: now() + self.settings().refresh_token_validity_seconds as f64,
                revoked: false,
                rotated_at: None,
            },
        );
        token
    }

    /// New tokens for a refresh token (carrying `origin`, else the token's own `origin_jti`);
    /// returns the result and the stored record.
    pub(super) fn refresh(
        &self,
        state: &mut State,
        token: &str,
        origin: Option<&str>,
    ) -> Result<(Value, RefreshToken), CognitoError> {
        let record = state
            .refresh_tokens
            .get(token)
            .cloned()
            .ok_or_else(|| not_authorized("Invalid Refresh Token"))?;
        let grace = self.settings().refresh_retry_grace_seconds as f64;
        if record.revoked || record.rotated_at.is_some_and(|at| now() > at + grace) {
            return Err(not_authorized("Refresh Token has been revoked"));
        }
        if now() >= record.expires_at {
            return Err(not_authorized("Refresh Token has expired"));
        }
        if record.client_id != self.settings().client_id {
            return Err(not_authorized("Invalid Refresh Token"));
        }
        let user = Self::user(state, &record.sub)?.clone();
        if !user.enabled {
            return Err(not_authorized("User is disabled."));
        }
        let origin = origin.unwrap_or(&record.origin_jti);
        let result = self.sign_in(state, &user, Some((origin, record.auth_time)))?;
        Ok((result, record))
    }

    pub(super) fn get_tokens_from_refresh_token(
        &self,
        state: &mut State,
        body: &Value,
    ) -> OpResult {
        self.check_client(body)?;
        let settings = self.settings();
        if let Some(secret) = &settings.client_secret
            && body.get("ClientSecret").and_then(Value::as_str) != Some(secret.as_str())
        {
            return Err(not_authorized(&format!(
                "Unable to verify secret hash for client {}",
                settings.client_id
            )));
        }
        let token = str_field(body, "RefreshToken")?;
        // Whether a rotation keeps the sign-in's origin_jti is not documented: the alternative
        // gives the new generation one of its own.
        let new_origin = (settings.refresh_rotation
            && !settings.undocumented.rotation_keeps_origin_jti)
            .then(uuid);
        let (mut result, record) = self.refresh(state, token, new_origin.as_deref())?;
        if settings.refresh_rotation {
            // Rotation: a new refresh token in the same family; the one presented stops working
            // once the retry grace period is over.
            if let Some(old) = state.refresh_tokens.get_mut(token) {
                old.rotated_at.get_or_insert(now());
            }
            result["RefreshToken"] = Value::String(self.new_refresh_token(
                state,
                &record.sub,
                (
                    new_origin.as_deref().unwrap_or(&record.origin_jti),
                    &record.family,
                ),
                record.auth_time,
            ));
        }
        Ok(json!({"AuthenticationResult": result}))
    }

    pub(super) fn revoke_token(&self, state: &mut State, body: &Value) -> OpResult {
        self.check_client(body)?;
        let token = str_field(body, "Token")?;
        // Revoking a refresh token revokes its whole family (every rotation of one sign-in).
        if let Some(presented) = state.refresh_tokens.get(token).cloned() {
            if presented.revoked && !self.settings().undocumented.revoke_accepts_dead_token {
                return Err(not_authorized("Refresh Token has been revoked"));
            }
            for record in state
                .refresh_tokens
                .values_mut()
                .filter(|r| r.family == presented.family)
            {
                record.revoked = true;
                state.revoked_origins.insert(record.origin_jti.clone());
            }
            Ok(json!({}))
        } else if self.keys().verify_any(token).is_some() {
            Err(err(
                "UnsupportedTokenTypeException",
                "Only refresh tokens can be revoked.",
            ))
        } else {
            Ok(json!({}))
        }
    }

    pub(super) fn sign_out_user(state: &mut State, sub: &str) {
        for record in state.refresh_tokens.values_mut().filter(|r| r.sub == sub) {
            record.revoked = true;
        }
        if let Some(user) = state.users.get_mut(sub) {
            user.signed_out_at = Some(now());
        }
    }

    pub(super) fn global_sign_out(&self, state: &mut State, body: &Value) -> OpResult {
        let sub = self.authorize_access(state, str_field(body, "AccessToken")?)?;
        Self::sign_out_user(state, &sub);
        Ok(json!({}))
    }

    /// The user an access token acts for, as Cognito's token-authorized APIs decide it: signed by
    /// the pool's access-token key, unexpired, its sign-in not revoked (`RevokeToken` of its
    /// refresh token revokes the access tokens issued from it too), and minted after the user's
    /// last global sign-out.
    pub(super) fn authorize_access(
        &self,
        state: &State,
        token: &str,
    ) -> Result<String, CognitoError> {
        let claims = self
            .keys()
            .access
            .verify(token)
            .ok_or_else(|| not_authorized("Invalid Access Token"))?;
        if claims["token_use"] != "access" {
            return Err(not_authorized("Invalid Access Token"));
        }
        if claims["exp"].as_f64().unwrap_or(0.0) <= now() {
            return Err(not_authorized("Access Token has expired"));
        }
        let origin = claims["origin_jti"].as_str().unwrap_or_default();
        let family_revoked = state.revoked_origins.contains(origin);
        let sub = claims["sub"].as_str().unwrap_or_default().to_owned();
        let user = Self::user(state, &sub)?;
        // Minted before the last global sign-out: the precise time where this stand-in minted it,
        // else the whole second of `iat` (a token from before a restart).
        let minted = claims["jti"]
            .as_str()
            .and_then(|jti| state.access_minted_at.get(jti).copied())
            .unwrap_or_else(|| claims["iat"].as_f64().unwrap_or(0.0));
        let signed_out = user.signed_out_at.is_some_and(|at| {
            if self.settings().undocumented.sign_out_to_the_instant {
                minted <= at
            } else {
                claims["iat"].as_f64().unwrap_or(0.0) <= at.floor()
            }
        });
        if family_revoked || signed_out {
            return Err(not_authorized("Access Token has been revoked"));
        }
        Ok(sub)
    }
}
