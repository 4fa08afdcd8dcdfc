//! Cognito operations, as documented and as the Rust SDK decodes them.

use base64::Engine;
use serde_json::{Map, Value, json};

use crate::keys::b64;
use crate::pool::StandIn;
use crate::state::{Message, RefreshToken, Session, State, Step, User, UserExistenceErrors, now};

/// A Cognito error: the SDK maps `__type` to its typed error and keeps `message`.
#[derive(Debug)]
pub struct CognitoError {
    pub status: u16,
    pub kind: &'static str,
    pub message: String,
}

fn err(kind: &'static str, message: impl Into<String>) -> CognitoError {
    CognitoError {
        status: 400,
        kind,
        message: message.into(),
    }
}

fn not_authorized(message: &str) -> CognitoError {
    err("NotAuthorizedException", message)
}

pub type OpResult = Result<Value, CognitoError>;

const SESSION_EXPIRED: &str = "Invalid session for the user, session is expired.";
/// Cognito's generic `LimitExceededException` wording (its throttles use it too).
pub(crate) const GENERIC_LIMIT: &str = "Attempt limit exceeded, please try after some time.";
/// Cognito's wording for an expired code elsewhere (`ConfirmSignUp`, `ConfirmForgotPassword`).
const CODE_EXPIRED: &str = "Invalid code provided, please request a code again.";
/// How the default sender's spent daily cap is reported in the field (the wording is not
/// documented): a `LimitExceededException`, the code Cognito's throttles use too.
const DAILY_EMAIL_LIMIT: &str = "Exceeded daily email limit for the operation or the account. If a higher limit is required, please configure your user pool to use your own Amazon SES configuration for sending email.";
const SESSION_USED: &str = "Invalid session for the user, session can only be used once.";
const SESSION_INVALID: &str = "Invalid session for the user.";

fn str_field<'a>(body: &'a Value, name: &str) -> Result<&'a str, CognitoError> {
    body.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| err("InvalidParameterException", format!("1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null", lower_first(name))))
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn params(body: &Value, name: &str) -> Map<String, Value> {
    body.get(name)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    // The system RNG only fails on a broken host; an all-zero value then is still a valid string.
    let _ = aws_lc_rs::rand::fill(&mut buf);
    buf
}

/// Cognito's email sign-in codes are 8 digits.
fn new_code() -> String {
    let bytes = random_bytes(8);
    let n = u64::from_le_bytes(bytes.try_into().unwrap_or([0; 8]));
    format!("{:08}", n % 100_000_000)
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn mask(email: &str) -> String {
    let (local, domain) = email.rsplit_once('@').unwrap_or(("", email));
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    let tld = domain.rsplit_once('.').map(|(_, t)| t).unwrap_or("");
    format!("{}***@{}***.{tld}", first(local), first(domain))
}

fn attributes(user: &User) -> Value {
    json!([
        {"Name": "sub", "Value": user.sub},
        {"Name": "email_verified", "Value": user.email_verified.to_string()},
        {"Name": "email", "Value": user.email},
    ])
}

/// Whom a sign-in request names. With `PreventUserExistenceErrors` enabled, Cognito answers
/// `USER_AUTH` for an unknown username with a challenge as it would for a user ("responds with a
/// randomly selected challenge from the types the user pool allows"), so the answer does not tell
/// whether the account exists; such a sign-in never succeeds.
enum Caller {
    Known(User),
    Unknown(String),
}

impl Caller {
    /// The key its sessions are kept under: an unknown name gets one no `sub` can equal.
    fn session_key(&self) -> String {
        match self {
            Caller::Known(user) => user.sub.clone(),
            Caller::Unknown(name) => format!("unknown:{}", name.to_ascii_lowercase()),
        }
    }
}

impl StandIn {
    pub(crate) fn dispatch(&self, state: &mut State, operation: &str, body: &Value) -> OpResult {
        match operation {
            "AdminGetUser" => self.admin_get_user(state, body),
            "AdminCreateUser" => self.admin_create_user(state, body),
            "AdminDeleteUser" => self.admin_delete_user(state, body),
            "AdminInitiateAuth" => {
                self.check_pool(body)?;
                self.initiate_auth(state, body)
            }
            "InitiateAuth" => self.initiate_auth(state, body),
            "AdminRespondToAuthChallenge" => {
                self.check_pool(body)?;
                self.respond_to_auth_challenge(state, body)
            }
            "RespondToAuthChallenge" => self.respond_to_auth_challenge(state, body),
            "GetTokensFromRefreshToken" => self.get_tokens_from_refresh_token(state, body),
            "RevokeToken" => self.revoke_token(state, body),
            "GlobalSignOut" => self.global_sign_out(state, body),
            "AdminUserGlobalSignOut" => self.admin_user_global_sign_out(state, body),
            "GetUser" => self.get_user(state, body),
            "ListDevices" => self.list_devices(state, body),
            other => Err(CognitoError {
                status: 400,
                kind: "UnknownOperationException",
                message: format!("The stand-in does not implement {other}"),
            }),
        }
    }

    fn check_pool(&self, body: &Value) -> Result<(), CognitoError> {
        let pool = str_field(body, "UserPoolId")?;
        if pool == self.settings().user_pool_id {
            Ok(())
        } else {
            Err(err(
                "ResourceNotFoundException",
                format!("User pool {pool} does not exist."),
            ))
        }
    }

    fn check_client(&self, body: &Value) -> Result<(), CognitoError> {
        let client = str_field(body, "ClientId")?;
        if client == self.settings().client_id {
            Ok(())
        } else {
            Err(err(
                "ResourceNotFoundException",
                format!("User pool client {client} does not exist."),
            ))
        }
    }

    /// `SECRET_HASH` = Base64(HMAC-SHA256(client secret, username + client id)), when the client has one.
    fn check_secret_hash(&self, username: &str, given: Option<&Value>) -> Result<(), CognitoError> {
        let settings = self.settings();
        let Some(secret) = settings.client_secret.as_deref() else {
            return Ok(());
        };
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
        let expected = base64::engine::general_purpose::STANDARD.encode(
            aws_lc_rs::hmac::sign(&key, format!("{username}{}", settings.client_id).as_bytes())
                .as_ref(),
        );
        if given.and_then(Value::as_str) == Some(expected.as_str()) {
            Ok(())
        } else {
            Err(not_authorized(&format!(
                "Unable to verify secret hash for client {}",
                settings.client_id
            )))
        }
    }

    fn user<'a>(state: &'a State, username: &str) -> Result<&'a User, CognitoError> {
        state
            .find_user(username)
            .ok_or_else(|| err("UserNotFoundException", "User does not exist."))
    }

    /// Who `USERNAME` in auth parameters or challenge responses names, with its `SECRET_HASH`
    /// checked: a user, or, where the app client prevents user existence errors, an unknown name.
    fn caller(&self, state: &State, params: &Map<String, Value>) -> Result<Caller, CognitoError> {
        let username = params
            .get("USERNAME")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                err(
                    "InvalidParameterException",
                    "Missing required parameter USERNAME",
                )
            })?;
        self.check_secret_hash(username, params.get("SECRET_HASH"))?;
        match state.find_user(username) {
            Some(user) => Ok(Caller::Known(user.clone())),
            None if self.settings().prevent_user_existence_errors
                == UserExistenceErrors::Enabled =>
            {
                Ok(Caller::Unknown(username.to_owned()))
            }
            None => Err(err("UserNotFoundException", "User does not exist.")),
        }
    }

    /// What `USER_AUTH` offers: the pool's first factors, a password as both of its challenges.
    fn available_challenges(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for factor in self.settings().first_factors {
            match factor.as_str() {
                "PASSWORD" => out.extend(["PASSWORD", "PASSWORD_SRP"]),
                "EMAIL_OTP" => out.push("EMAIL_OTP"),
                "SMS_OTP" => out.push("SMS_OTP"),
                "WEB_AUTHN" => out.push("WEB_AUTHN"),
                _ => {}
            }
        }
        out
    }

    fn admin_get_user(&self, state: &mut State, body: &Value) -> OpResult {
        self.check_pool(body)?;
        let user = Self::user(state, str_field(body, "Username")?)?;
        Ok(json!({
            "Username": user.sub,
            "UserAttributes": attributes(user),
            "UserCreateDate": user.created,
            "UserLastModifiedDate": user.created,
            "Enabled": user.enabled,
            "UserStatus": user.status,
        }))
    }

    fn admin_create_user(&self, state: &mut State, body: &Value) -> OpResult {
        self.check_pool(body)?;
        let username = str_field(body, "Username")?;
        let attrs: Vec<(String, String)> = body
            .get("UserAttributes")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| {
                        Some((
                            x.get("Name")?.as_str()?.to_owned(),
                            x.get("Value")?.as_str()?.to_owned(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let attr = |name: &str| {
            attrs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let email = attr("email").unwrap_or_else(|| username.to_owned());
        if !username.contains('@') || !email.eq_ignore_ascii_case(username) {
            return Err(err(
                "InvalidParameterException",
                "Username should be an email.",
            ));
        }
        if state.find_user(username).is_some() {
            return Err(err(
                "UsernameExistsException",
                "An account with the given email already exists.",
            ));
        }
        let suppress = body.get("MessageAction").and_then(Value::as_str) == Some("SUPPRESS");
        let user = User {
            sub: uuid(),
            email: email.clone(),
            email_verified: attr("email_verified").as_deref() == Some("true"),
            enabled: true,
            // Without a temporary password the user can only sign in passwordless.
            status: if body.get("TemporaryPassword").is_some() {
                "FORCE_CHANGE_PASSWORD"
            } else {
                "CONFIRMED"
            },
            created: now(),
            signed_out_at: None,
        };
        if !suppress {
            state.inbox.push(Message {
                to: email.clone(),
                code: String::new(),
                sent_at: now(),
                kind: "invitation",
            });
        }
        let out = json!({"User": {
            "Username": user.sub, "Attributes": attributes(&user), "UserCreateDate": user.created,
            "UserLastModifiedDate": user.created, "Enabled": true, "UserStatus": user.status
        }});
        state.users.insert(user.sub.clone(), user);
        Ok(out)
    }

    fn new_session(&self, state: &mut State, sub: &str, step: Step) -> String {
        let id = b64(&random_bytes(96));
        state.sessions.insert(
            id.clone(),
            Session {
                sub: sub.to_owned(),
                client_id: self.settings().client_id,
                step,
                expires_at: now() + self.settings().session_validity_seconds as f64,
                used: false,
            },
        );
        id
    }

    /// Email a code to the caller (an unknown name gets the same answer and no email) and open
    /// the session that waits for it.
    fn send_code(&self, state: &mut State, caller: &Caller) -> Result<Value, CognitoError> {
        if let Some(limit) = self.settings().daily_email_limit {
            let since = now() - 24.0 * 3600.0;
            let sent = state
                .inbox
                .iter()
                .filter(|m| m.kind == "email_otp" && m.sent_at >= since)
                .count();
            if sent >= limit as usize {
                let message = match self.settings().undocumented.email_cap_names_the_daily_limit {
                    true => DAILY_EMAIL_LIMIT,
                    false => GENERIC_LIMIT,
                };
                return Err(err("LimitExceededException", message));
            }
        }
        let code = new_code();
        let destination = match caller {
            Caller::Known(user) => {
                println!("[cognito-stand-in] EMAIL_OTP for {}: {code}", user.email);
                state.inbox.push(Message {
                    to: user.email.clone(),
                    code: code.clone(),
                    sent_at: now(),
                    kind: "email_otp",
                });
                mask(&user.email)
            }
            Caller::Unknown(name) => mask(name),
        };
        let session = self.new_session(
            state,
            &caller.session_key(),
            Step::EmailOtp {
                code,
                wrong: 0,
                sent_at: now(),
            },
        );
        Ok(json!({
            "ChallengeName": "EMAIL_OTP",
            "Session": session,
            "ChallengeParameters": {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": destination},
        }))
    }

    fn initiate_auth(&self, state: &mut State, body: &Value) -> OpResult {
        self.check_client(body)?;
        let flow = str_field(body, "AuthFlow")?;
        let auth = params(body, "AuthParameters");
        match flow {
            "USER_AUTH" => {
                let caller = self.caller(state, &auth)?;
                if let Caller::Known(user) = &caller
                    && !user.enabled
                {
                    return Err(not_authorized("User is disabled."));
                }
                let preferred = auth
                    .get("PREFERRED_CHALLENGE")
                    .and_then(Value::as_str)
                    // A preference the pool does not allow is not honoured: the choice is offered.
                    .filter(|p| self.available_challenges().contains(p));
                match preferred {
                    Some("EMAIL_OTP") => self.send_code(state, &caller),
                    Some(other) => Err(err(
                        "InvalidParameterException",
                        format!("The stand-in offers EMAIL_OTP only, not {other}"),
                    )),
                    None => {
                        let session =
                            self.new_session(state, &caller.session_key(), Step::SelectChallenge);
                        Ok(
                            json!({"ChallengeName": "SELECT_CHALLENGE", "Session": session, "AvailableChallenges": self.available_challenges(), "ChallengeParameters": {}}),
                        )
                    }
                }
            }
            "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {
                if self.settings().refresh_rotation {
                    return Err(not_authorized(
                        "Refresh token rotation is enabled for this app client; use GetTokensFromRefreshToken.",
                    ));
                }
                let token = auth
                    .get("REFRESH_TOKEN")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        err(
                            "InvalidParameterException",
                            "Missing required parameter REFRESH_TOKEN",
                        )
                    })?;
                let (result, _) = self.refresh(state, token, None)?;
                Ok(json!({"AuthenticationResult": result, "ChallengeParameters": {}}))
            }
            other => Err(err(
                "InvalidParameterException",
                format!("Auth flow {other} is not enabled for this stand-in client."),
            )),
        }
    }

    fn respond_to_auth_challenge(&self, state: &mut State, body: &Value) -> OpResult {
        self.check_client(body)?;
        let challenge = str_field(body, "ChallengeName")?;
        let session_id = str_field(body, "Session")?;
        let responses = params(body, "ChallengeResponses");
        let caller = self.caller(state, &responses)?;

        let session = state
            .sessions
            .get(session_id)
            .cloned()
            .ok_or_else(|| not_authorized(SESSION_INVALID))?;
        if session.sub != caller.session_key() || session.client_id != self.settings().client_id {
            return Err(not_authorized(SESSION_INVALID));
        }
        if session.used {
            return Err(not_authorized(SESSION_USED));
        }
        if now() >= session.expires_at {
            return Err(not_authorized(SESSION_EXPIRED));
        }
        match (challenge, &session.step) {
            ("SELECT_CHALLENGE", Step::SelectChallenge) => {
                if responses.get("ANSWER").and_then(Value::as_str) != Some("EMAIL_OTP") {
                    return Err(err(
                        "InvalidParameterException",
                        "The stand-in offers EMAIL_OTP only",
                    ));
                }
                self.consume(state, session_id);
                self.send_code(state, &caller)
            }
            (
                "EMAIL_OTP",
                Step::EmailOtp {
                    code,
                    wrong,
                    sent_at,
                },
            ) => {
                // Whether the code lives as long as the session is not documented: the alternative
                // expires it first.
                if let Some(validity) = self.settings().undocumented.code_validity_seconds
                    && now() > sent_at + validity as f64
                {
                    return Err(err("ExpiredCodeException", CODE_EXPIRED));
                }
                let given = responses
                    .get("EMAIL_OTP_CODE")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let user = match caller {
                    Caller::Known(user) if given == code => user,
                    // No code matches for an unknown name: it was never sent.
                    _ => {
                        let wrong = wrong + 1;
                        if let Some(s) = state.sessions.get_mut(session_id) {
                            s.step = Step::EmailOtp {
                                code: code.clone(),
                                wrong,
                                sent_at: *sent_at,
                            };
                            // After the allowed attempts the session is spent.
                            s.used = wrong >= self.settings().max_code_attempts;
                        }
                        return Err(err(
                            "CodeMismatchException",
                            "Invalid code received for user",
                        ));
                    }
                };
                self.consume(state, session_id);
                let result = self.sign_in(state, &user, None)?;
                Ok(json!({"AuthenticationResult": result, "ChallengeParameters": {}}))
            }
            _ => Err(err(
                "InvalidParameterException",
                format!("Unexpected challenge {challenge} for this session"),
            )),
        }
    }

    fn consume(&self, state: &mut State, session_id: &str) {
        if let Some(s) = state.sessions.get_mut(session_id) {
            s.used = true;
        }
    }

    /// Mint ID and access tokens (and a refresh token when `origin` is `None`: a new sign-in).
    fn sign_in(&self, state: &mut State, user: &User, origin: Option<(&str, u64)>) -> OpResult {
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

    fn new_refresh_token(
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
    fn refresh(
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

    fn get_tokens_from_refresh_token(&self, state: &mut State, body: &Value) -> OpResult {
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

    fn revoke_token(&self, state: &mut State, body: &Value) -> OpResult {
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

    fn sign_out_user(state: &mut State, sub: &str) {
        for record in state.refresh_tokens.values_mut().filter(|r| r.sub == sub) {
            record.revoked = true;
        }
        if let Some(user) = state.users.get_mut(sub) {
            user.signed_out_at = Some(now());
        }
    }

    fn global_sign_out(&self, state: &mut State, body: &Value) -> OpResult {
        let sub = self.authorize_access(state, str_field(body, "AccessToken")?)?;
        Self::sign_out_user(state, &sub);
        Ok(json!({}))
    }

    /// The user an access token acts for, as Cognito's token-authorized APIs decide it: signed by
    /// the pool's access-token key, unexpired, its sign-in not revoked (`RevokeToken` of its
    /// refresh token revokes the access tokens issued from it too), and minted after the user's
    /// last global sign-out.
    fn authorize_access(&self, state: &State, token: &str) -> Result<String, CognitoError> {
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

    /// `GetUser`: the signed-in user's own attributes, authorized by the access token alone (what
    /// Amplify's `fetchUserAttributes` and `fetchMFAPreference` call).
    fn get_user(&self, state: &mut State, body: &Value) -> OpResult {
        let sub = self.authorize_access(state, str_field(body, "AccessToken")?)?;
        let user = Self::user(state, &sub)?;
        Ok(json!({
            "Username": user.sub,
            "UserAttributes": attributes(user),
            "UserMFASettingList": [],
        }))
    }

    /// `ListDevices`: the pool does not remember devices, so the list is empty (what Amplify's
    /// `fetchDevices` calls).
    fn list_devices(&self, state: &mut State, body: &Value) -> OpResult {
        self.authorize_access(state, str_field(body, "AccessToken")?)?;
        Ok(json!({"Devices": []}))
    }

    /// `AdminDeleteUser`: the user, its sign-in sessions and its refresh tokens go.
    fn admin_delete_user(&self, state: &mut State, body: &Value) -> OpResult {
        self.check_pool(body)?;
        let sub = Self::user(state, str_field(body, "Username")?)?.sub.clone();
        state.users.remove(&sub);
        state.sessions.retain(|_, s| s.sub != sub);
        state.refresh_tokens.retain(|_, r| r.sub != sub);
        Ok(json!({}))
    }

    fn admin_user_global_sign_out(&self, state: &mut State, body: &Value) -> OpResult {
        self.check_pool(body)?;
        let sub = Self::user(state, str_field(body, "Username")?)?.sub.clone();
        Self::sign_out_user(state, &sub);
        Ok(json!({}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_eight_digits() {
        for _ in 0..100 {
            let code = new_code();
            assert_eq!(code.len(), 8);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn destination_is_masked() {
        assert_eq!(mask("john@example.com"), "j***@e***.com");
    }
}
