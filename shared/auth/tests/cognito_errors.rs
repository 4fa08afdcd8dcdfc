//! How each Cognito failure reaches the guest. Error responses are raw AWS JSON bodies, decoded by
//! the SDK itself, so the mapping is tested against what the wire really carries.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fixture that fails should panic

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::operation::admin_create_user::AdminCreateUserOutput;
use aws_sdk_cognitoidentityprovider::operation::admin_initiate_auth::AdminInitiateAuthOutput;
use aws_sdk_cognitoidentityprovider::operation::admin_respond_to_auth_challenge::AdminRespondToAuthChallengeOutput;
use aws_sdk_cognitoidentityprovider::operation::get_tokens_from_refresh_token::GetTokensFromRefreshTokenOutput;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput;
use aws_sdk_cognitoidentityprovider::types::{AuthenticationResultType, ChallengeNameType};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use booking_auth::AuthError;
use booking_auth::aws::cognito::{CodeAnswer, CodeRefusal, Cognito};
use booking_auth::contract::Secret;
use booking_auth::domain::email::Email;
use booking_auth_testing::{aws_error, cognito_config};

fn email() -> Email {
    Email::parse("guest@example.com").unwrap()
}

fn cognito(client: Client) -> Cognito {
    Cognito::new(client, &cognito_config())
}

async fn answer_with(
    status: u16,
    kind: &str,
    message: &str,
) -> Result<Option<CodeRefusal>, AuthError> {
    let (kind, message) = (kind.to_owned(), message.to_owned());
    let rule = mock!(Client::admin_respond_to_auth_challenge)
        .then_http_response(move || aws_error(status, &kind, &message));
    let client = mock_client!(aws_sdk_cognitoidentityprovider, [&rule]);
    cognito(client)
        .answer_email_otp(&email(), "session", "12345678")
        .await
        .map(|answer| match answer {
            CodeAnswer::SignedIn(_) => None,
            CodeAnswer::Refused(refusal) => Some(refusal),
        })
}

#[tokio::test]
async fn code_mismatch_is_a_wrong_code() {
    let out = answer_with(
        400,
        "CodeMismatchException",
        "Invalid code received for user",
    )
    .await;
    assert_eq!(out.unwrap(), Some(CodeRefusal::Mismatch));
}

#[tokio::test]
async fn expired_session_is_otp_expired() {
    let out = answer_with(
        400,
        "NotAuthorizedException",
        "Invalid session for the user, session is expired.",
    )
    .await;
    assert_eq!(out.unwrap(), Some(CodeRefusal::Expired));
}

#[tokio::test]
async fn reused_session_is_no_longer_valid() {
    let out = answer_with(
        400,
        "NotAuthorizedException",
        "Invalid session for the user, session can only be used once.",
    )
    .await;
    assert_eq!(out.unwrap(), Some(CodeRefusal::SessionInvalid));
}

#[tokio::test]
async fn throttling_is_rate_limited_and_retryable() {
    for code in ["TooManyRequestsException", "LimitExceededException"] {
        let err = answer_with(400, code, "Rate exceeded").await.unwrap_err();
        assert!(
            matches!(err, AuthError::RateLimited { .. }),
            "{code}: {err:?}"
        );
        assert!(err.retryable());
    }
}

#[tokio::test]
async fn server_errors_are_upstream_unavailable() {
    let err = answer_with(500, "InternalErrorException", "boom")
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::UpstreamUnavailable(_)), "{err:?}");
    let err = answer_with(503, "ServiceUnavailable", "")
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::UpstreamUnavailable(_)), "{err:?}");
}

#[tokio::test]
async fn misconfiguration_is_internal() {
    let err = answer_with(
        400,
        "ResourceNotFoundException",
        "User pool client does not exist.",
    )
    .await
    .unwrap_err();
    assert!(err.is_internal(), "{err:?}");
}

#[tokio::test]
async fn a_timeout_is_upstream_unavailable() {
    // A loopback peer that accepts and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let _silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let config = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version(aws_sdk_cognitoidentityprovider::config::BehaviorVersion::latest())
        .region(aws_sdk_cognitoidentityprovider::config::Region::new(
            "eu-west-1",
        ))
        .credentials_provider(aws_sdk_cognitoidentityprovider::config::Credentials::for_tests())
        .endpoint_url(format!("http://{address}"))
        .timeout_config(
            aws_sdk_cognitoidentityprovider::config::timeout::TimeoutConfig::builder()
                .operation_timeout(std::time::Duration::from_millis(300))
                .build(),
        )
        .build();
    let err = cognito(Client::from_conf(config))
        .create_user(&email())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::UpstreamUnavailable(_)), "{err:?}");
}

#[tokio::test]
async fn an_unknown_address_is_created_without_an_invitation() {
    let create = mock!(Client::admin_create_user)
        .match_requests(|r| {
            r.message_action().map(|a| a.as_str()) == Some("SUPPRESS")
                && r.temporary_password().is_none()
                && r.user_attributes()
                    .iter()
                    .any(|a| a.name() == "email_verified" && a.value() == Some("true"))
        })
        .then_output(|| AdminCreateUserOutput::builder().build());
    let client = mock_client!(aws_sdk_cognitoidentityprovider, [&create]);
    assert!(cognito(client).create_user(&email()).await.unwrap());
    assert_eq!(create.num_calls(), 1);
}

#[tokio::test]
async fn a_known_address_makes_the_same_single_call_and_is_not_an_error() {
    // Also what a concurrent sign-in that created the user first looks like.
    let create = mock!(Client::admin_create_user).then_http_response(|| {
        aws_error(
            400,
            "UsernameExistsException",
            "User account already exists",
        )
    });
    let client = mock_client!(aws_sdk_cognitoidentityprovider, [&create]);
    assert!(!cognito(client).create_user(&email()).await.unwrap());
    assert_eq!(create.num_calls(), 1);
}

#[tokio::test]
async fn select_challenge_is_answered_with_email_otp() {
    let start = mock!(Client::admin_initiate_auth)
        .match_requests(|r| {
            r.auth_parameters()
                .and_then(|p| p.get("PREFERRED_CHALLENGE"))
                .map(String::as_str)
                == Some("EMAIL_OTP")
        })
        .then_output(|| {
            AdminInitiateAuthOutput::builder()
                .challenge_name(ChallengeNameType::SelectChallenge)
                .session("s1")
                .build()
        });
    let select = mock!(Client::admin_respond_to_auth_challenge)
        .match_requests(|r| {
            r.challenge_name() == Some(&ChallengeNameType::SelectChallenge)
                && r.challenge_responses()
                    .and_then(|c| c.get("ANSWER"))
                    .map(String::as_str)
                    == Some("EMAIL_OTP")
                && r.session() == Some("s1")
        })
        .then_output(|| {
            AdminRespondToAuthChallengeOutput::builder()
                .challenge_name(ChallengeNameType::EmailOtp)
                .session("s2")
                .build()
        });
    let client = mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::Sequential,
        [&start, &select]
    );
    let challenge = cognito(client).start_email_otp(&email()).await.unwrap();
    assert_eq!(challenge.session.expose(), "s2");
}

#[tokio::test]
async fn a_pool_without_email_otp_is_a_configuration_fault() {
    let start = mock!(Client::admin_initiate_auth).then_output(|| {
        AdminInitiateAuthOutput::builder()
            .challenge_name(ChallengeNameType::Password)
            .session("s1")
            .build()
    });
    let client = mock_client!(aws_sdk_cognitoidentityprovider, [&start]);
    assert!(
        cognito(client)
            .start_email_otp(&email())
            .await
            .unwrap_err()
            .is_internal()
    );
}

fn auth_result(refresh: Option<&str>) -> AuthenticationResultType {
    AuthenticationResultType::builder()
        .id_token("id")
        .access_token("access")
        .set_refresh_token(refresh.map(str::to_owned))
        .expires_in(3600)
        .build()
}

#[tokio::test]
async fn refresh_refusals_are_refresh_failed_and_not_retryable() {
    for (kind, message) in [
        ("NotAuthorizedException", "Refresh Token has been revoked"),
        ("NotAuthorizedException", "Invalid Refresh Token"),
        ("InvalidParameterException", "Invalid refresh token format"),
    ] {
        let rule = mock!(Client::get_tokens_from_refresh_token)
            .then_http_response(move || aws_error(400, kind, message));
        let client = mock_client!(aws_sdk_cognitoidentityprovider, [&rule]);
        let err = cognito(client).refresh("rt", false).await.unwrap_err();
        assert!(
            matches!(err, AuthError::RefreshFailed(_)),
            "{kind}: {err:?}"
        );
        assert!(!err.retryable());
    }
}

#[tokio::test]
async fn refresh_throttling_stays_retryable() {
    let rule = mock!(Client::get_tokens_from_refresh_token)
        .then_http_response(|| aws_error(400, "TooManyRequestsException", "slow down"));
    let client = mock_client!(aws_sdk_cognitoidentityprovider, [&rule]);
    let err = cognito(client).refresh("rt", false).await.unwrap_err();
    assert!(matches!(err, AuthError::RateLimited { .. }));
}

#[tokio::test]
async fn rotation_returns_the_new_refresh_token() {
    let rule = mock!(Client::get_tokens_from_refresh_token).then_output(|| {
        GetTokensFromRefreshTokenOutput::builder()
            .authentication_result(auth_result(Some("rt-2")))
            .build()
    });
    let client = mock_client!(aws_sdk_cognitoidentityprovider, [&rule]);
    let tokens = cognito(client).refresh("rt-1", false).await.unwrap();
    assert_eq!(tokens.rotated.as_ref().map(Secret::expose), Some("rt-2"));
}

#[tokio::test]
async fn refresh_falls_back_to_refresh_token_auth_only_when_configured() {
    let unsupported = || aws_error(400, "UnknownOperationException", "");
    let get = mock!(Client::get_tokens_from_refresh_token).then_http_response(unsupported);
    let legacy = mock!(Client::initiate_auth)
        .match_requests(|r| r.auth_flow().map(|f| f.as_str()) == Some("REFRESH_TOKEN_AUTH"))
        .then_output(|| {
            InitiateAuthOutput::builder()
                .authentication_result(auth_result(None))
                .build()
        });
    let client = mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::Sequential,
        [&get, &legacy]
    );
    let tokens = cognito(client).refresh("rt-1", true).await.unwrap();
    assert_eq!(tokens.rotated, None);
    assert_eq!(legacy.num_calls(), 1);

    let get = mock!(Client::get_tokens_from_refresh_token).then_http_response(unsupported);
    let client = mock_client!(aws_sdk_cognitoidentityprovider, [&get]);
    assert!(matches!(
        cognito(client).refresh("rt-1", false).await,
        Err(AuthError::RefreshFailed(_))
    ));
}

#[test]
fn secret_hash_matches_cognito_documentation_formula() {
    // HMAC-SHA256(key = secret, message = username + client_id), Base64.
    let hash = booking_auth::aws::cognito::secret_hash("secret", "user", "client");
    assert_eq!(hash, "wvW87lzZoI+qQCVGmWVBJLlucdJ65huAVP1z+0MgA6E=");
}
