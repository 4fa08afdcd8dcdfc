//! Signing in by emailed code: `InitiateAuth` / `AdminInitiateAuth` with `USER_AUTH` and
//! `EMAIL_OTP`, the challenge answers, and the sessions between them.

use super::*;

impl StandIn {
    /// What `USER_AUTH` offers: the pool's first factors, a password as both of its challenges.
    pub(super) fn available_challenges(&self) -> Vec<&'static str> {
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

    pub(super) fn new_session(&self, state: &mut State, sub: &str, step: Step) -> String {
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
    pub(super) fn send_code(
        &self,
        state: &mut State,
        caller: &Caller,
    ) -> Result<Value, CognitoError> {
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

    pub(super) fn initiate_auth(&self, state: &mut State, body: &Value) -> OpResult {
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

    pub(super) fn respond_to_auth_challenge(&self, state: &mut State, body: &Value) -> OpResult {
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

    pub(super) fn consume(&self, state: &mut State, session_id: &str) {
        if let Some(s) = state.sessions.get_mut(session_id) {
            s.used = true;
        }
    }
}
