//! `initiate_login`: validate the email, take a unit of every sign-in budget (the address's, the
//! caller's, the pool's), make sure a passwordless Cognito user exists, have Cognito email a code,
//! keep the Cognito session server-side (bound to the caller's conversation, when it names one)
//! and answer an opaque session token. `main.rs` wires it; the tests below drive it through every
//! caller's protocol with this function's `events/` fixtures.

use booking_auth::AuthError;
use booking_auth::aws::budgets::{BudgetStore, Taken};
use booking_auth::aws::cognito::Cognito;
use booking_auth::aws::login::{LoginStore, SendSlot};
use booking_auth::config::settings::{AUTH_STATE_TABLE, BUDGETS, COGNITO, OTP};
use booking_auth::config::{Deploy, Grant, Resource};
use booking_auth::contract::ToolContract;
use booking_auth::contract::{InitiateLoginArgs, InitiateLoginContract, LoginStarted};
use booking_auth::domain::clock::{Clock, rfc3339};
use booking_auth::domain::email::Email;
use booking_auth::domain::ids::SessionToken;
use booking_auth::domain::signals::{self, Signal};
use booking_auth::invoke::{CallContext, Tool};

/// What this function needs from its stack: the settings it reads besides start-up's.
pub const DEPLOY: Deploy = Deploy {
    function: <InitiateLoginContract as ToolContract>::FUNCTION,
    settings: &[COGNITO, OTP, BUDGETS, &[&AUTH_STATE_TABLE]],
    route: Some("/auth/login"),
    grants: &[
        Grant {
            on: Resource::UserPool,
            actions: &[
                "cognito-idp:AdminCreateUser",
                "cognito-idp:AdminInitiateAuth",
                "cognito-idp:AdminRespondToAuthChallenge",
            ],
        },
        // UpdateItem: the sign-in budgets' counters.
        Grant {
            on: Resource::Table(&AUTH_STATE_TABLE),
            actions: &[
                "dynamodb:PutItem",
                "dynamodb:DeleteItem",
                "dynamodb:UpdateItem",
            ],
        },
    ],
};

pub struct InitiateLogin {
    pub cognito: Cognito,
    pub logins: LoginStore,
    pub budgets: BudgetStore,
    pub clock: Clock,
}

impl Tool for InitiateLogin {
    type Contract = InitiateLoginContract;

    async fn call(
        &self,
        args: InitiateLoginArgs,
        ctx: &CallContext,
    ) -> Result<LoginStarted, AuthError> {
        let email = Email::parse(args.email.as_str())?;
        let now = (self.clock)();

        // Every limit a code may cost, in one concurrent round: the address's send limits, the
        // caller's and the pool's budgets, and a new user's (the last: given back below for a
        // known address). Nothing is created or sent unless all of them have room; a refused
        // call gives back what it took.
        let policy = self.budgets.policy();
        let mut budgets = policy.for_code(ctx.source.as_ref());
        budgets.push(policy.new_user());
        let (slot, units) = tokio::join!(
            self.logins.admit_send(&email, now),
            self.budgets.take(&budgets, now)
        );
        let (slot, mut units) = match (slot, units) {
            (Ok(slot), Ok(units)) => (slot, units),
            (Ok(slot), Err(err)) => {
                self.logins.release_send(slot).await;
                return Err(err);
            }
            (Err(err), Ok(units)) => {
                self.budgets.release(units).await;
                return Err(err);
            }
            (Err(address), Err(budget)) => return Err(address.or_longer_wait(budget)),
        };
        let new_user = units.pop();

        // Known and unknown addresses make the same calls: the answer reveals nothing.
        let created = match self.cognito.create_user(&email).await {
            Ok(created) => created,
            Err(err) => {
                self.give_back(slot, units.into_iter().chain(new_user).collect())
                    .await;
                return Err(err);
            }
        };
        let known_user_unit = if created { None } else { new_user };
        let (challenge, ()) = tokio::join!(self.cognito.start_email_otp(&email), async {
            if let Some(unit) = known_user_unit {
                self.budgets.release(vec![unit]).await;
            }
        });
        let challenge = match challenge {
            Ok(challenge) => challenge,
            Err(err) => {
                self.give_back(slot, units).await;
                return Err(err);
            }
        };

        // The code is on its way: the pool's budgets keep it. The address keeps no slot for a
        // login it cannot use.
        let stored = async {
            let token = SessionToken::generate()?;
            let login = self
                .logins
                .create_login(
                    &token,
                    &email,
                    challenge.session,
                    ctx.conversation.clone(),
                    now,
                )
                .await?;
            Ok::<_, AuthError>((token, login))
        }
        .await;
        let (token, login) = match stored {
            Ok(done) => done,
            Err(err) => {
                self.logins.release_send(slot).await;
                return Err(err);
            }
        };

        let validity = self.logins.policy().session_validity.as_secs();
        tracing::info!(email = %email, "sign-in code sent");
        signals::record(Signal::CodeSent);
        Ok(LoginStarted {
            success: true,
            session_token: token.as_str().into(),
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

impl InitiateLogin {
    /// Nothing was sent: the address's slot and the budget units go back, concurrently.
    async fn give_back(&self, slot: SendSlot, units: Vec<Taken>) {
        tokio::join!(self.logins.release_send(slot), self.budgets.release(units));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cognitoidentityprovider::Client as CognitoClient;
    use aws_sdk_cognitoidentityprovider::operation::admin_create_user::AdminCreateUserOutput;
    use aws_sdk_cognitoidentityprovider::operation::admin_initiate_auth::AdminInitiateAuthOutput;
    use aws_sdk_cognitoidentityprovider::types::ChallengeNameType;
    use aws_sdk_dynamodb::Client as DynamoClient;
    use aws_sdk_dynamodb::operation::delete_item::DeleteItemOutput;
    use aws_sdk_dynamodb::operation::put_item::PutItemOutput;
    use aws_sdk_dynamodb::operation::update_item::UpdateItemOutput;
    use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
    use booking_auth::domain::budget::BudgetPolicy;
    use booking_auth::domain::otp::OtpPolicy;
    use booking_auth_testing::{
        CALLER_KINDS, aws_error, conditional_check_failed, invoke_fixture, mocked_cognito,
    };
    use serde_json::json;

    const NOW: i64 = 1_795_000_000;

    /// The tool over mocks. DynamoDB answers by what a request is (its calls run concurrently,
    /// so in no fixed order; in this mode a rule answers every matching call); Cognito's calls
    /// are sequential and must come in order.
    fn tool(cognito: &[&Rule], dynamo: &[&Rule]) -> InitiateLogin {
        let dynamodb = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, dynamo);
        InitiateLogin {
            cognito: mocked_cognito(cognito),
            logins: LoginStore::new(dynamodb.clone(), "auth".into(), OtpPolicy::default()),
            budgets: BudgetStore::new(dynamodb, "auth".into(), BudgetPolicy::default()),
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

    /// AdminCreateUser for an address the pool has: UsernameExistsException.
    fn known_user() -> Rule {
        mock!(CognitoClient::admin_create_user).then_http_response(|| {
            aws_error(
                400,
                "UsernameExistsException",
                "User account already exists",
            )
        })
    }

    fn new_user() -> Rule {
        mock!(CognitoClient::admin_create_user)
            .then_output(|| AdminCreateUserOutput::builder().build())
    }

    fn is_send(r: &aws_sdk_dynamodb::operation::update_item::UpdateItemInput) -> bool {
        r.key()
            .and_then(|k| k.get("pk"))
            .and_then(|v| v.as_s().ok())
            .is_some_and(|k| k.starts_with("SEND#"))
    }

    /// The address's send slot, taken in one conditional write: no earlier sends.
    fn send_admitted() -> Rule {
        mock!(DynamoClient::update_item)
            .match_requests(is_send)
            .then_output(|| UpdateItemOutput::builder().build())
    }

    fn key_of(
        item: Option<&std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>>,
    ) -> String {
        item.and_then(|i| i.get("pk"))
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default()
    }

    fn login_put() -> Rule {
        mock!(DynamoClient::put_item)
            .match_requests(|r| {
                let item = r.item().cloned().unwrap_or_default();
                key_of(r.item()).starts_with("LOGIN#")
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

    fn is_take(r: &aws_sdk_dynamodb::operation::update_item::UpdateItemInput) -> bool {
        r.update_expression() == Some("ADD #count :one SET expires_at = :expires")
    }

    fn is_release(r: &aws_sdk_dynamodb::operation::update_item::UpdateItemInput) -> bool {
        r.update_expression() == Some("ADD #count :minus")
    }

    /// Room in every budget the call takes.
    fn budgets_ok() -> Rule {
        mock!(DynamoClient::update_item)
            .match_requests(is_take)
            .then_output(|| UpdateItemOutput::builder().build())
    }

    fn releases() -> Rule {
        mock!(DynamoClient::update_item)
            .match_requests(is_release)
            .then_output(|| UpdateItemOutput::builder().build())
    }

    fn budget_keys(rule: &Rule) -> usize {
        rule.num_calls()
    }

    #[tokio::test]
    async fn every_caller_kind_gets_a_session_token_and_a_masked_delivery() {
        for kind in CALLER_KINDS {
            let (create, start) = (known_user(), otp_challenge());
            let (send, login, budgets, released) =
                (send_admitted(), login_put(), budgets_ok(), releases());
            let tool = tool(&[&create, &start], &[&send, &login, &budgets, &released]);
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
            // The pool's two budgets and a new user's, plus the source's where the protocol
            // names one; a known address gives the new user's back.
            let source = usize::from(kind != "direct");
            assert_eq!(budget_keys(&budgets), 3 + source, "{kind}");
            assert_eq!(released.num_calls(), 1, "{kind}");
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
    async fn known_and_unknown_addresses_make_the_same_calls_and_get_the_same_answer() {
        let run = |create: Rule| async move {
            let start = otp_challenge();
            let (send, login, budgets, released) =
                (send_admitted(), login_put(), budgets_ok(), releases());
            let body = invoke_fixture(
                &tool(&[&create, &start], &[&send, &login, &budgets, &released]),
                "initiate-login",
                "gateway",
                &[],
            )
            .await
            .body;
            (
                body,
                create.num_calls(),
                start.num_calls(),
                released.num_calls(),
            )
        };
        let (known, known_creates, known_starts, known_released) = run(known_user()).await;
        let (unknown, unknown_creates, unknown_starts, unknown_released) = run(new_user()).await;
        assert_eq!((known_creates, known_starts), (1, 1));
        assert_eq!((unknown_creates, unknown_starts), (1, 1));
        // Only the known address gives the new-user unit back (beside its challenge, not after).
        assert_eq!((known_released, unknown_released), (1, 0));
        let without_token = |mut v: serde_json::Value| {
            v.as_object_mut().map(|o| o.remove("session_token"));
            v
        };
        assert_eq!(without_token(known), without_token(unknown));
    }

    #[tokio::test]
    async fn a_spent_budget_refuses_before_anything_is_created_or_sent() {
        let spent = mock!(DynamoClient::update_item)
            .match_requests(|r| {
                is_take(r)
                    && r.key()
                        .and_then(|k| k.get("pk"))
                        .and_then(|v| v.as_s().ok())
                        .is_some_and(|k| k.starts_with("BUDGET#codes-minute#"))
            })
            .then_http_response(|| {
                aws_error(
                    400,
                    "ConditionalCheckFailedException",
                    "The conditional request failed",
                )
            });
        let (send, budgets, released) = (send_admitted(), budgets_ok(), releases());
        let release_send =
            mock!(DynamoClient::delete_item).then_output(|| DeleteItemOutput::builder().build());
        // No Cognito rule: a Cognito call would fail the test.
        let tool = tool(&[], &[&spent, &send, &budgets, &released, &release_send]);
        let out = invoke_fixture(&tool, "initiate-login", "http", &[]).await;
        assert_eq!(out.status, Some(429));
        assert_eq!(out.body["error_code"], "RATE_LIMITED");
        // The minute's window refills 20 s after NOW.
        assert_eq!(out.body["retry_after"], 20);
        // What was taken went back: the source's, the hour's and the new user's units, and the
        // address's slot.
        assert_eq!(budgets.num_calls(), 3);
        assert_eq!(released.num_calls(), 3);
        assert_eq!(release_send.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_login_keeps_the_conversation_that_started_it() {
        let (create, start) = (known_user(), otp_challenge());
        let bound = mock!(DynamoClient::put_item)
            .match_requests(|r| {
                key_of(r.item()).starts_with("LOGIN#")
                    && r.item()
                        .and_then(|i| i.get("conversation"))
                        .and_then(|v| v.as_s().ok())
                        == booking_auth::domain::budget::conversation_key(
                            "gateway",
                            "mcp-session-0001",
                        )
                        .as_ref()
            })
            .then_output(|| PutItemOutput::builder().build());
        let (send, budgets, released) = (send_admitted(), budgets_ok(), releases());
        let tool = tool(&[&create, &start], &[&send, &bound, &budgets, &released]);
        let out = invoke_fixture(&tool, "initiate-login", "gateway", &[]).await;
        assert_eq!(out.body["success"], true, "{}", out.body);
        assert_eq!(bound.num_calls(), 1);
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
    async fn a_resend_within_the_cooldown_is_rate_limited_and_takes_no_budget() {
        let history = mock!(DynamoClient::update_item)
            .match_requests(is_send)
            .then_http_response(|| {
                conditional_check_failed(
                    json!({"pk": {"S": "x"}, "sent_0": {"N": (NOW - 5).to_string()}, "version": {"N": "1"}}),
                )
            });
        let (budgets, released) = (budgets_ok(), releases());
        let out = invoke_fixture(
            &tool(&[], &[&history, &budgets, &released]),
            "initiate-login",
            "http",
            &[],
        )
        .await;
        assert_eq!(out.status, Some(429));
        assert_eq!(out.body["error_code"], "RATE_LIMITED");
        assert_eq!(out.body["retry_after"], 25);
        assert_eq!(out.headers["retry-after"], "25");
        // The budgets were taken in the same round, and given back.
        assert_eq!(released.num_calls(), budgets.num_calls());
    }

    #[tokio::test]
    async fn a_cognito_throttle_gives_back_the_send_and_the_budgets_and_stores_no_login() {
        let create = known_user();
        let start = mock!(CognitoClient::admin_initiate_auth)
            .then_http_response(|| aws_error(400, "TooManyRequestsException", "Too many requests"));
        let (send, budgets, released) = (send_admitted(), budgets_ok(), releases());
        let release_send =
            mock!(DynamoClient::delete_item).then_output(|| DeleteItemOutput::builder().build());
        let out = invoke_fixture(
            &tool(
                &[&create, &start],
                &[&send, &budgets, &released, &release_send],
            ),
            "initiate-login",
            "direct",
            &[],
        )
        .await;
        assert_eq!(out.body["error_code"], "RATE_LIMITED");
        assert_eq!(out.body["retryable"], true);
        assert_eq!(release_send.num_calls(), 1);
        // The new user's unit (a known address) and the pool's two.
        assert_eq!(released.num_calls(), 3);
    }

    /// Cognito's default sender's spent daily cap comes back as `LimitExceededException`, the
    /// code its throttles use too: told apart by the message, it is a failure of its own that
    /// no retry fixes, and nothing was sent, so the units go back as for a throttle.
    #[tokio::test]
    async fn a_spent_daily_email_cap_is_its_own_failure_and_a_throttle_stays_a_throttle() {
        for (message, code, retryable) in [
            (
                "Exceeded daily email limit for the operation or the account. If a higher limit is required, please configure your user pool to use your own Amazon SES configuration for sending email.",
                "EMAIL_QUOTA_EXCEEDED",
                false,
            ),
            ("Rate exceeded", "RATE_LIMITED", true),
        ] {
            let create = known_user();
            let start = mock!(CognitoClient::admin_initiate_auth)
                .then_http_response(move || aws_error(400, "LimitExceededException", message));
            let (send, budgets, released) = (send_admitted(), budgets_ok(), releases());
            let release_send = mock!(DynamoClient::delete_item)
                .then_output(|| DeleteItemOutput::builder().build());
            let out = invoke_fixture(
                &tool(
                    &[&create, &start],
                    &[&send, &budgets, &released, &release_send],
                ),
                "initiate-login",
                "http",
                &[],
            )
            .await;
            assert_eq!(out.body["error_code"], code, "{message}");
            assert_eq!(out.body["retryable"], retryable, "{message}");
            assert_eq!(release_send.num_calls(), 1);
            if code == "EMAIL_QUOTA_EXCEEDED" {
                assert_eq!(out.status, Some(503));
                assert!(out.body["message"].as_str().unwrap().contains("tomorrow"));
                assert!(out.body.get("retry_after").is_none());
            }
        }
    }

    fn ctx() -> CallContext {
        CallContext::new(booking_auth::invoke::CallerKind::Direct, None)
    }
}
