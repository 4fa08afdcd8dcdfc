//! `verify_otp`: check the emailed code against the server's own login record and deliver the
//! guest's tokens as the `auth_tokens` event. `main.rs` wires it; the tests below drive it through
//! every caller's protocol with this function's `events/` fixtures.

use booking_auth::AuthError;
use booking_auth::aws::cognito::{CodeAnswer, CodeRefusal, Cognito};
use booking_auth::aws::guests::GuestStore;
use booking_auth::aws::login::LoginStore;
use booking_auth::config::settings::{AUTH_STATE_TABLE, COGNITO, GUESTS_TABLE, OTP};
use booking_auth::config::{Deploy, Grant, Resource};
use booking_auth::contract::ToolContract;
use booking_auth::contract::{TokenDeliveryEvent, VerifyOtpArgs, VerifyOtpContract};
use booking_auth::domain::clock::{Clock, year};
use booking_auth::domain::email::Email;
use booking_auth::domain::ids::SessionToken;
use booking_auth::domain::otp::{OtpCode, wrong_code};
use booking_auth::domain::signals::{self, Signal};
use booking_auth::invoke::{CallContext, Tool};

/// What this function needs from its stack: the settings it reads besides start-up's.
pub const DEPLOY: Deploy = Deploy {
    function: <VerifyOtpContract as ToolContract>::FUNCTION,
    settings: &[COGNITO, OTP, &[&AUTH_STATE_TABLE, &GUESTS_TABLE]],
    route: Some("/auth/verify"),
    grants: &[
        Grant {
            on: Resource::UserPool,
            actions: &["cognito-idp:AdminRespondToAuthChallenge"],
        },
        Grant {
            on: Resource::Table(&AUTH_STATE_TABLE),
            actions: &["dynamodb:GetItem", "dynamodb:UpdateItem"],
        },
        Grant {
            on: Resource::Table(&GUESTS_TABLE),
            actions: &["dynamodb:GetItem", "dynamodb:PutItem"],
        },
    ],
};

pub struct VerifyOtp {
    pub cognito: Cognito,
    pub logins: LoginStore,
    pub guests: GuestStore,
    pub clock: Clock,
}

impl Tool for VerifyOtp {
    type Contract = VerifyOtpContract;

    async fn call(
        &self,
        args: VerifyOtpArgs,
        ctx: &CallContext,
    ) -> Result<TokenDeliveryEvent, AuthError> {
        // Shape checks first: a typo in the code must not spend an attempt.
        let email = Email::parse(args.email.as_str())?;
        let code = OtpCode::parse(args.otp_code.expose())?;
        let token = SessionToken::parse(args.session_token.expose())?;
        // `args.attempts` and `args.otp_sent_at` are deliberately ignored: the record decides.
        let now = (self.clock)();
        let login = self
            .logins
            .claim_attempt(&token, &email, ctx.conversation.as_deref(), now)
            .await?;

        let answer = self
            .cognito
            .answer_email_otp(&email, login.cognito_session.expose(), code.as_str())
            .await;
        let sign_in = match answer {
            Ok(CodeAnswer::SignedIn(sign_in)) => sign_in,
            Ok(CodeAnswer::Refused(CodeRefusal::Mismatch)) => {
                let refusal = wrong_code(login.attempts, self.logins.policy());
                signals::record(match refusal {
                    AuthError::MaxAttempts { .. } => Signal::Lockout,
                    _ => Signal::WrongCode,
                });
                return Err(refusal);
            }
            Ok(CodeAnswer::Refused(refusal)) => {
                // Cognito will not take this session again: close the login so it cannot be retried.
                self.logins.finish_login(&token).await;
                return Err(match refusal {
                    CodeRefusal::Expired => AuthError::OtpExpired,
                    _ => AuthError::LoginNotFound,
                });
            }
            Err(err) => {
                if err.retryable() {
                    // No verdict on the code: the guest keeps the attempt.
                    self.logins.refund_attempt(&token).await;
                }
                return Err(err);
            }
        };
        // Closing the login and finding the guest are independent: one round trip for both.
        let finished = self.logins.finish_login(&token);
        let identity = match sign_in.tokens.identity() {
            Ok(identity) => identity,
            Err(err) => {
                finished.await;
                return Err(err);
            }
        };
        let ((), guest) = tokio::join!(
            finished,
            self.guests
                .get_or_create(&identity.sub, email.as_str(), now, year(now))
        );
        let guest = guest?;
        tracing::info!(guest_id = %guest.guest_id, "guest signed in");
        signals::record(Signal::SignIn);
        Ok(sign_in.tokens.deliver(
            sign_in.refresh_token,
            guest.guest_id,
            email.as_str().to_owned(),
            identity.sub,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cognitoidentityprovider::Client as CognitoClient;
    use aws_sdk_cognitoidentityprovider::operation::admin_respond_to_auth_challenge::AdminRespondToAuthChallengeOutput;
    use aws_sdk_dynamodb::Client as DynamoClient;
    use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsOutput;
    use aws_sdk_dynamodb::operation::update_item::UpdateItemOutput;
    use aws_smithy_mocks::{Rule, mock};
    use booking_auth::aws::login::{LoginRecord, LoginStatus};
    use booking_auth::domain::ids::is_guest_id;
    use booking_auth::domain::otp::OtpPolicy;
    use booking_auth_testing::{
        CALLER_KINDS, TestKey, authentication_result, aws_error, invoke_fixture, item,
        mocked_cognito, mocked_dynamodb,
    };
    use serde_json::json;

    const NOW: i64 = 1_795_000_000;
    const SUB: &str = "0b5e1c2a-7d3f-4e8a-9c6b-1f2e3d4c5b6a";

    struct Mocks {
        cognito: Vec<Rule>,
        dynamo: Vec<Rule>,
    }

    fn tool(m: &Mocks) -> VerifyOtp {
        let cognito: Vec<&Rule> = m.cognito.iter().collect();
        let dynamo: Vec<&Rule> = m.dynamo.iter().collect();
        let dynamodb = mocked_dynamodb(&dynamo);
        VerifyOtp {
            cognito: mocked_cognito(&cognito),
            logins: LoginStore::new(dynamodb.clone(), "auth".into(), OtpPolicy::default()),
            guests: GuestStore::new(dynamodb, "guests".into()),
            clock: || NOW,
        }
    }

    fn claimed(attempts: u32) -> Rule {
        let record = LoginRecord {
            pk: "LOGIN#x".into(),
            email: "guest@example.com".into(),
            cognito_session: "cognito-session".into(),
            status: LoginStatus::Pending,
            attempts,
            otp_sent_at: NOW - 30,
            expires_at: NOW + 150,
            conversation: None,
        };
        mock!(DynamoClient::update_item)
            .match_requests(|r| r.update_expression() == Some("SET attempts = attempts + :one"))
            .then_output(move || {
                UpdateItemOutput::builder()
                    .set_attributes(Some(item(serde_json::to_value(&record).unwrap())))
                    .build()
            })
    }

    #[tokio::test]
    async fn a_claim_names_the_callers_conversation_or_claims_only_unbound_logins() {
        for (kind, expected) in [
            (
                "gateway",
                booking_auth::domain::budget::conversation_key("gateway", "mcp-session-0001"),
            ),
            ("direct", None),
        ] {
            let refused = mock!(DynamoClient::update_item)
                .match_requests(move |r| {
                    let named = r
                        .expression_attribute_values()
                        .and_then(|v| v.get(":conversation"))
                        .and_then(|v| v.as_s().ok())
                        .cloned();
                    let condition = r.condition_expression().unwrap_or_default();
                    named == expected
                        && if named.is_some() {
                            condition.contains("conversation = :conversation")
                        } else {
                            condition.ends_with("AND attribute_not_exists(conversation)")
                        }
                })
                .then_http_response(|| {
                    aws_error(
                        400,
                        "ConditionalCheckFailedException",
                        "The conditional request failed",
                    )
                });
            let mocks = Mocks {
                cognito: vec![],
                dynamo: vec![
                    refused,
                    mock!(DynamoClient::get_item).then_output(|| GetItemOutput::builder().build()),
                ],
            };
            let out = verify_as(&mocks, kind).await;
            assert_eq!(out.body["error_code"], "LOGIN_NOT_FOUND", "{kind}");
        }
    }

    fn update_ok() -> Rule {
        mock!(DynamoClient::update_item).then_output(|| UpdateItemOutput::builder().build())
    }

    /// `kind`'s fixture of verify_otp, with a fresh session token, through the tool over `mocks`.
    async fn verify_as(mocks: &Mocks, kind: &str) -> booking_auth_testing::Outcome {
        let token = session_token();
        invoke_fixture(
            &tool(mocks),
            "verify-otp",
            kind,
            &[("REPLACE_WITH_SESSION_TOKEN", &token)],
        )
        .await
    }

    fn session_token() -> String {
        SessionToken::generate().unwrap().as_str().to_owned()
    }

    #[tokio::test]
    async fn a_right_code_delivers_exactly_the_token_event_to_every_caller_kind() {
        let key = TestKey::generate("k1");
        for kind in CALLER_KINDS {
            let result = authentication_result(&key, SUB, "guest@example.com", Some("refresh-1"));
            let mocks = Mocks {
                cognito: vec![
                    mock!(CognitoClient::admin_respond_to_auth_challenge)
                        .match_requests(|r| {
                            r.session() == Some("cognito-session")
                                && r.challenge_responses()
                                    .and_then(|c| c.get("EMAIL_OTP_CODE"))
                                    .map(String::as_str)
                                    == Some("12345678")
                        })
                        .then_output(move || {
                            AdminRespondToAuthChallengeOutput::builder()
                                .authentication_result(result.clone())
                                .build()
                        }),
                ],
                dynamo: vec![
                    claimed(1),
                    update_ok(), // login used
                    mock!(DynamoClient::get_item).then_output(|| GetItemOutput::builder().build()),
                    mock!(DynamoClient::transact_write_items)
                        .then_output(|| TransactWriteItemsOutput::builder().build()),
                ],
            };
            let out = verify_as(&mocks, kind).await;
            let body = out.body.as_object().cloned().unwrap();
            let mut keys: Vec<&str> = body.keys().map(String::as_str).collect();
            keys.sort_unstable();
            assert_eq!(
                keys,
                [
                    "access_token",
                    "cognito_sub",
                    "email",
                    "event_type",
                    "expires_in",
                    "guest_id",
                    "id_token",
                    "refresh_token",
                    "success"
                ],
                "{kind}"
            );
            assert_eq!(body["event_type"], "auth_tokens");
            assert_eq!(body["success"], true);
            assert_eq!(body["refresh_token"], "refresh-1");
            assert_eq!(body["expires_in"], 3600);
            assert_eq!(body["email"], "guest@example.com");
            assert_eq!(body["cognito_sub"], SUB);
            assert!(
                is_guest_id(body["guest_id"].as_str().unwrap()),
                "{kind}: {}",
                body["guest_id"]
            );
            assert!(body["guest_id"].as_str().unwrap().starts_with("GST-2026-"));
            if kind == "http" {
                assert_eq!(out.status, Some(200));
                assert_eq!(out.headers["cache-control"], "no-store");
            }
        }
    }

    #[tokio::test]
    async fn a_malformed_code_spends_no_attempt() {
        let mocks = Mocks {
            cognito: vec![],
            dynamo: vec![claimed(1)],
        };
        let tool = tool(&mocks);
        for code in ["12345", "abcdefgh", "123456789"] {
            let args = json!({"email": "guest@example.com", "otp_code": code, "session_token": session_token()});
            let out = booking_auth::invoke::route(&tool, &Default::default(), invocation(args))
                .await
                .unwrap()
                .into_payload();
            assert_eq!(out["error_code"], "INVALID_OTP_FORMAT", "{code}");
        }
        assert_eq!(mocks.dynamo[0].num_calls(), 0);
    }

    #[tokio::test]
    async fn a_wrong_code_reports_the_servers_count_not_the_clients() {
        let mocks = Mocks {
            cognito: vec![
                mock!(CognitoClient::admin_respond_to_auth_challenge).then_http_response(|| {
                    aws_error(
                        400,
                        "CodeMismatchException",
                        "Invalid code received for user",
                    )
                }),
            ],
            dynamo: vec![claimed(2)],
        };
        // The fixture claims attempts: 0; the record says this is the second.
        let token = session_token();
        let out = invoke_fixture(
            &tool(&mocks),
            "verify-otp",
            "gateway",
            &[("REPLACE_WITH_SESSION_TOKEN", &token)],
        )
        .await;
        assert_eq!(out.body["error_code"], "INVALID_OTP");
        assert_eq!(out.body["attempts"], 2);
        assert_eq!(out.body["attempts_remaining"], 1);
        assert_eq!(out.body["retryable"], false);
    }

    #[tokio::test]
    async fn the_third_wrong_code_locks_the_login() {
        let mocks = Mocks {
            cognito: vec![
                mock!(CognitoClient::admin_respond_to_auth_challenge)
                    .then_http_response(|| aws_error(400, "CodeMismatchException", "Invalid code")),
            ],
            dynamo: vec![claimed(3)],
        };
        let token = session_token();
        let out = invoke_fixture(
            &tool(&mocks),
            "verify-otp",
            "http",
            &[("REPLACE_WITH_SESSION_TOKEN", &token)],
        )
        .await;
        assert_eq!(out.status, Some(401));
        assert_eq!(out.body["error_code"], "MAX_ATTEMPTS");
        assert_eq!(out.body["attempts_remaining"], 0);
    }

    #[tokio::test]
    async fn an_expired_cognito_session_closes_the_login() {
        let mocks = Mocks {
            cognito: vec![
                mock!(CognitoClient::admin_respond_to_auth_challenge).then_http_response(|| {
                    aws_error(
                        400,
                        "NotAuthorizedException",
                        "Invalid session for the user, session is expired.",
                    )
                }),
            ],
            dynamo: vec![claimed(1), update_ok()],
        };
        let token = session_token();
        let out = invoke_fixture(
            &tool(&mocks),
            "verify-otp",
            "direct",
            &[("REPLACE_WITH_SESSION_TOKEN", &token)],
        )
        .await;
        assert_eq!(out.body["error_code"], "OTP_EXPIRED");
        assert_eq!(mocks.dynamo[1].num_calls(), 1, "login marked used");
    }

    #[tokio::test]
    async fn a_cognito_throttle_refunds_the_attempt() {
        let mocks = Mocks {
            cognito: vec![
                mock!(CognitoClient::admin_respond_to_auth_challenge)
                    .then_http_response(|| aws_error(400, "TooManyRequestsException", "slow")),
            ],
            dynamo: vec![
                claimed(1),
                mock!(DynamoClient::update_item)
                    .match_requests(|r| {
                        r.update_expression() == Some("SET attempts = attempts - :one")
                    })
                    .then_output(|| UpdateItemOutput::builder().build()),
            ],
        };
        let token = session_token();
        let out = invoke_fixture(
            &tool(&mocks),
            "verify-otp",
            "direct",
            &[("REPLACE_WITH_SESSION_TOKEN", &token)],
        )
        .await;
        assert_eq!(out.body["error_code"], "RATE_LIMITED");
        assert_eq!(out.body["retryable"], true);
        assert_eq!(mocks.dynamo[1].num_calls(), 1);
    }

    #[tokio::test]
    async fn an_existing_guest_is_reused() {
        let key = TestKey::generate("k1");
        let result = authentication_result(&key, SUB, "guest@example.com", Some("refresh-1"));
        let mocks = Mocks {
            cognito: vec![mock!(CognitoClient::admin_respond_to_auth_challenge)
                .then_output(move || AdminRespondToAuthChallengeOutput::builder().authentication_result(result.clone()).build())],
            dynamo: vec![
                claimed(1),
                update_ok(),
                mock!(DynamoClient::get_item).then_output(|| {
                    GetItemOutput::builder()
                        .set_item(Some(item(json!({"pk": format!("SUB#{SUB}"), "cognito_sub": SUB, "guest_id": "GST-2025-ABCDEF", "email": "guest@example.com", "created_at": 1}))))
                        .build()
                }),
            ],
        };
        let token = session_token();
        let out = invoke_fixture(
            &tool(&mocks),
            "verify-otp",
            "direct",
            &[("REPLACE_WITH_SESSION_TOKEN", &token)],
        )
        .await;
        assert_eq!(out.body["guest_id"], "GST-2025-ABCDEF");
    }

    fn invocation(payload: serde_json::Value) -> booking_auth::invoke::Invocation {
        booking_auth::invoke::Invocation {
            request_id: "r".into(),
            payload,
            client_context: None,
        }
    }
}
