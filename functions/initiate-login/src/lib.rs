//! `initiate_login`: validate the email, make sure a passwordless Cognito user exists, have
//! Cognito email a code, keep the Cognito session server-side and answer an opaque session token.
//! `main.rs` wires it; the tests below drive it through every caller's protocol with this
//! function's `events/` fixtures.

use booking_auth::AuthError;
use booking_auth::aws::cognito::Cognito;
use booking_auth::aws::login::LoginStore;
use booking_auth::contract::{InitiateLoginArgs, InitiateLoginContract, LoginStarted};
use booking_auth::domain::clock::{Clock, rfc3339};
use booking_auth::domain::email::Email;
use booking_auth::domain::ids::SessionToken;
use booking_auth::invoke::{CallContext, Tool};

pub struct InitiateLogin {
    pub cognito: Cognito,
    pub logins: LoginStore,
    pub clock: Clock,
}

impl Tool for InitiateLogin {
    type Contract = InitiateLoginContract;

    async fn call(
        &self,
        args: InitiateLoginArgs,
        _ctx: &CallContext,
    ) -> Result<LoginStarted, AuthError> {
        let email = Email::parse(&args.email)?;
        let now = (self.clock)();
        let slot = self.logins.admit_send(&email, now).await?;

        let started = async {
            // Known and unknown addresses take the same path: the answer reveals nothing.
            self.cognito.ensure_user(&email).await?;
            let challenge = self.cognito.start_email_otp(&email).await?;
            let token = SessionToken::generate()?;
            let login = self
                .logins
                .create_login(&token, &email, challenge.session, now)
                .await?;
            Ok::<_, AuthError>((token, login))
        }
        .await;
        let (token, login) = match started {
            Ok(done) => done,
            Err(err) => {
                // Nothing usable reached the guest: the attempt must not count against them.
                self.logins.release_send(slot).await;
                return Err(err);
            }
        };

        let validity = self.logins.policy().session_validity.as_secs();
        tracing::info!(email = %email, "sign-in code sent");
        Ok(LoginStarted {
            success: true,
            session_token: token.as_str().to_owned(),
            otp_sent_at: rfc3339(login.otp_sent_at),
            expires_in: validity,
            delivery: email.masked(),
            message: format!(
                "We sent a sign-in code to {}. It expires in {} minutes.",
                email.masked(),
                validity / 60
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cognitoidentityprovider::Client as CognitoClient;
    use aws_sdk_cognitoidentityprovider::operation::admin_create_user::AdminCreateUserOutput;
    use aws_sdk_cognitoidentityprovider::operation::admin_get_user::AdminGetUserOutput;
    use aws_sdk_cognitoidentityprovider::operation::admin_initiate_auth::AdminInitiateAuthOutput;
    use aws_sdk_cognitoidentityprovider::types::ChallengeNameType;
    use aws_sdk_dynamodb::Client as DynamoClient;
    use aws_sdk_dynamodb::operation::delete_item::DeleteItemOutput;
    use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
    use aws_sdk_dynamodb::operation::put_item::PutItemOutput;
    use aws_smithy_mocks::{Rule, mock};
    use booking_auth::config::OtpPolicy;
    use booking_auth_testing::{
        CALLER_KINDS, aws_error, invoke_fixture, item, mocked_cognito, mocked_dynamodb,
    };
    use serde_json::json;

    const NOW: i64 = 1_795_000_000;

    fn tool(cognito: &[&Rule], dynamo: &[&Rule]) -> InitiateLogin {
        InitiateLogin {
            cognito: mocked_cognito(cognito),
            logins: LoginStore::new(mocked_dynamodb(dynamo), "auth".into(), OtpPolicy::default()),
            clock: || NOW,
        }
    }

    fn otp_challenge() -> Rule {
        mock!(CognitoClient::admin_initiate_auth)
            .match_requests(|r| {
                r.auth_flow().map(|f| f.as_str()) == Some("USER_AUTH")
                    && r.auth_parameters()
                        .and_then(|p| p.get("USERNAME"))
                        .map(String::as_str)
                        == Some("guest@example.com")
            })
            .then_output(|| {
                AdminInitiateAuthOutput::builder()
                    .challenge_name(ChallengeNameType::EmailOtp)
                    .session("cognito-session-secret")
                    .build()
            })
    }

    fn known_user() -> Rule {
        mock!(CognitoClient::admin_get_user)
            .then_output(|| AdminGetUserOutput::builder().username("u").build().unwrap())
    }

    fn no_history() -> Rule {
        mock!(DynamoClient::get_item).then_output(|| GetItemOutput::builder().build())
    }

    fn put_ok() -> Rule {
        mock!(DynamoClient::put_item).then_output(|| PutItemOutput::builder().build())
    }

    fn login_put() -> Rule {
        mock!(DynamoClient::put_item)
            .match_requests(|r| {
                let item = r.item().cloned().unwrap_or_default();
                item.get("pk")
                    .and_then(|v| v.as_s().ok())
                    .is_some_and(|k| k.starts_with("LOGIN#"))
                    && item
                        .get("cognito_session")
                        .and_then(|v| v.as_s().ok())
                        .map(String::as_str)
                        == Some("cognito-session-secret")
                    && item
                        .get("expires_at")
                        .and_then(|v| v.as_n().ok())
                        .map(String::as_str)
                        == Some("1795000180")
            })
            .then_output(|| PutItemOutput::builder().build())
    }

    #[tokio::test]
    async fn every_caller_kind_gets_a_session_token_and_a_masked_delivery() {
        for kind in CALLER_KINDS {
            let (get_user, start) = (known_user(), otp_challenge());
            let (history, send, login) = (no_history(), put_ok(), login_put());
            let tool = tool(&[&get_user, &start], &[&history, &send, &login]);
            let out = invoke_fixture(&tool, "initiate-login", kind, &[]).await;
            let body = out.body;
            assert_eq!(body["success"], true, "{kind}: {body}");
            assert_eq!(
                body["session_token"].as_str().map(str::len),
                Some(43),
                "{kind}"
            );
            assert_eq!(body["otp_sent_at"], "2026-11-18T11:06:40Z");
            assert_eq!(body["expires_in"], 180);
            assert_eq!(body["delivery"], "g***@e***.com");
            assert!(
                !body.to_string().contains("cognito-session-secret"),
                "the Cognito session must stay on the server"
            );
            assert_eq!(login.num_calls(), 1, "{kind}");
            if kind == "http" {
                assert_eq!(out.status, Some(200));
                assert_eq!(
                    out.headers["access-control-allow-origin"],
                    "http://localhost:5173"
                );
            }
        }
    }

    #[tokio::test]
    async fn known_and_unknown_addresses_get_the_same_answer() {
        let known = {
            let (get_user, start) = (known_user(), otp_challenge());
            let (history, send, login) = (no_history(), put_ok(), login_put());
            invoke_fixture(
                &tool(&[&get_user, &start], &[&history, &send, &login]),
                "initiate-login",
                "direct",
                &[],
            )
            .await
            .body
        };
        let unknown = {
            let get_user = mock!(CognitoClient::admin_get_user).then_http_response(|| {
                aws_error(400, "UserNotFoundException", "User does not exist.")
            });
            let create = mock!(CognitoClient::admin_create_user)
                .then_output(|| AdminCreateUserOutput::builder().build());
            let start = otp_challenge();
            let (history, send, login) = (no_history(), put_ok(), login_put());
            invoke_fixture(
                &tool(&[&get_user, &create, &start], &[&history, &send, &login]),
                "initiate-login",
                "direct",
                &[],
            )
            .await
            .body
        };
        let without_token = |mut v: serde_json::Value| {
            v.as_object_mut().map(|o| o.remove("session_token"));
            v
        };
        assert_eq!(without_token(known), without_token(unknown));
    }

    #[tokio::test]
    async fn an_invalid_email_touches_nothing() {
        let tool = tool(&[], &[]);
        let out = tool
            .call(
                InitiateLoginArgs {
                    email: "not-an-email".into(),
                },
                &ctx(),
            )
            .await
            .unwrap_err();
        assert!(matches!(out, AuthError::InvalidEmail));
    }

    #[tokio::test]
    async fn a_resend_within_the_cooldown_is_rate_limited() {
        let history = mock!(DynamoClient::get_item).then_output(|| {
            GetItemOutput::builder()
                .set_item(Some(item(
                    json!({"pk": "x", "sends": [NOW - 5], "version": 1, "expires_at": NOW + 900}),
                )))
                .build()
        });
        let out = invoke_fixture(&tool(&[], &[&history]), "initiate-login", "http", &[]).await;
        assert_eq!(out.status, Some(429));
        assert_eq!(out.body["error_code"], "RATE_LIMITED");
        assert_eq!(out.body["retry_after"], 25);
        assert_eq!(out.headers["retry-after"], "25");
    }

    #[tokio::test]
    async fn a_cognito_throttle_releases_the_send_and_stores_no_login() {
        let get_user = known_user();
        let start = mock!(CognitoClient::admin_initiate_auth)
            .then_http_response(|| aws_error(400, "TooManyRequestsException", "Too many requests"));
        let (history, send) = (no_history(), put_ok());
        let release =
            mock!(DynamoClient::delete_item).then_output(|| DeleteItemOutput::builder().build());
        let out = invoke_fixture(
            &tool(&[&get_user, &start], &[&history, &send, &release]),
            "initiate-login",
            "direct",
            &[],
        )
        .await;
        assert_eq!(out.body["error_code"], "RATE_LIMITED");
        assert_eq!(out.body["retryable"], true);
        assert_eq!(release.num_calls(), 1);
    }

    fn ctx() -> CallContext {
        CallContext::new(booking_auth::invoke::CallerKind::Direct, None)
    }
}
