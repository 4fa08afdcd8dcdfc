//! How DynamoDB answers become sign-in outcomes: conditional-check failures are read back to say
//! which rule stopped the call; throttles and outages stay retryable; a missing table is internal.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fixture that fails should panic

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::put_item::PutItemOutput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemOutput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use booking_auth::AuthError;
use booking_auth::aws::guests::GuestStore;
use booking_auth::aws::login::{LoginRecord, LoginStatus, LoginStore};
use booking_auth::domain::email::Email;
use booking_auth::domain::ids::SessionToken;
use booking_auth::domain::otp::OtpPolicy;
use booking_auth_testing::{aws_error, conditional_check_failed};
use serde_json::json;

const NOW: i64 = 1_795_000_000;

type Item = std::collections::HashMap<String, AttributeValue>;

fn email() -> Email {
    Email::parse("guest@example.com").unwrap()
}

fn store(client: Client) -> LoginStore {
    LoginStore::new(client, "auth-state".into(), OtpPolicy::default())
}

fn record(
    token: &SessionToken,
    attempts: u32,
    status: LoginStatus,
    expires_at: i64,
    email: &str,
) -> LoginRecord {
    LoginRecord {
        pk: token.record_key(),
        email: email.into(),
        cognito_session: "cognito-session".into(),
        status,
        attempts,
        otp_sent_at: NOW - 10,
        expires_at,
        conversation: None,
    }
}

async fn claim_against(stored: Option<LoginRecord>) -> Result<LoginRecord, AuthError> {
    claim_from(stored, None).await
}

/// A claim refused by DynamoDB's condition, from `conversation`: the error the guest gets.
async fn claim_from(
    stored: Option<LoginRecord>,
    conversation: Option<&str>,
) -> Result<LoginRecord, AuthError> {
    let token = SessionToken::generate().unwrap();
    let stored = stored.map(|mut r| {
        r.pk = token.record_key();
        r
    });
    let update = mock!(Client::update_item).then_http_response(|| {
        aws_error(
            400,
            "ConditionalCheckFailedException",
            "The conditional request failed",
        )
    });
    let get = mock!(Client::get_item).then_output(move || {
        GetItemOutput::builder()
            .set_item(stored.as_ref().map(|r| serde_dynamo::to_item(r).unwrap()))
            .build()
    });
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::Sequential, [&update, &get]);
    store(client)
        .claim_attempt(&token, &email(), conversation, NOW)
        .await
}

#[tokio::test]
async fn a_login_bound_to_a_conversation_is_not_found_from_any_other() {
    let bound = |attempts| LoginRecord {
        conversation: Some("conversation-a".into()),
        ..record(
            &SessionToken::generate().unwrap(),
            attempts,
            LoginStatus::Pending,
            NOW + 100,
            "guest@example.com",
        )
    };
    for other in [None, Some("conversation-b")] {
        let err = claim_from(Some(bound(1)), other).await.unwrap_err();
        assert!(
            matches!(err, AuthError::LoginNotFound),
            "{other:?}: {err:?}"
        );
    }
    // From its own conversation the refusal says why, as for any login.
    let err = claim_from(Some(bound(3)), Some("conversation-a"))
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::MaxAttempts { .. }), "{err:?}");
}

#[tokio::test]
async fn a_fourth_attempt_is_max_attempts() {
    let token = SessionToken::generate().unwrap();
    let err = claim_against(Some(record(
        &token,
        3,
        LoginStatus::Pending,
        NOW + 100,
        "guest@example.com",
    )))
    .await
    .unwrap_err();
    assert!(
        matches!(err, AuthError::MaxAttempts { attempts: 3 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_expired_login_is_otp_expired() {
    let token = SessionToken::generate().unwrap();
    let err = claim_against(Some(record(
        &token,
        0,
        LoginStatus::Pending,
        NOW - 1,
        "guest@example.com",
    )))
    .await
    .unwrap_err();
    assert!(matches!(err, AuthError::OtpExpired), "{err:?}");
}

#[tokio::test]
async fn missing_used_or_foreign_logins_are_not_found() {
    let token = SessionToken::generate().unwrap();
    for stored in [
        None,
        Some(record(
            &token,
            1,
            LoginStatus::Used,
            NOW + 100,
            "guest@example.com",
        )),
        Some(record(
            &token,
            0,
            LoginStatus::Pending,
            NOW + 100,
            "someone@example.com",
        )),
    ] {
        let err = claim_against(stored).await.unwrap_err();
        assert!(matches!(err, AuthError::LoginNotFound), "{err:?}");
    }
}

#[tokio::test]
async fn a_successful_claim_returns_the_incremented_record() {
    let token = SessionToken::generate().unwrap();
    let after = record(
        &token,
        1,
        LoginStatus::Pending,
        NOW + 100,
        "guest@example.com",
    );
    let item: Item = serde_dynamo::to_item(&after).unwrap();
    let update = mock!(Client::update_item)
        .match_requests(|r| {
            r.condition_expression()
                .is_some_and(|c| c.contains("attempts < :max"))
        })
        .then_output(move || {
            UpdateItemOutput::builder()
                .set_attributes(Some(item.clone()))
                .build()
        });
    let client = mock_client!(aws_sdk_dynamodb, [&update]);
    let claimed = store(client)
        .claim_attempt(&token, &email(), None, NOW)
        .await
        .unwrap();
    assert_eq!(claimed.attempts, 1);
}

#[tokio::test]
async fn throttling_and_outages_are_retryable_and_a_missing_table_is_internal() {
    let token = SessionToken::generate().unwrap();
    for (status, code, retryable) in [
        (400, "ProvisionedThroughputExceededException", true),
        (400, "ThrottlingException", true),
        (500, "InternalServerError", true),
        (400, "ResourceNotFoundException", false),
    ] {
        let update =
            mock!(Client::update_item).then_http_response(move || aws_error(status, code, "x"));
        let client = mock_client!(aws_sdk_dynamodb, [&update]);
        let err = store(client)
            .claim_attempt(&token, &email(), None, NOW)
            .await
            .unwrap_err();
        assert_eq!(err.retryable(), retryable, "{code}: {err:?}");
        assert_eq!(err.is_internal(), !retryable, "{code}: {err:?}");
    }
}

#[tokio::test]
async fn a_recent_send_is_refused_by_the_write_with_the_wait_from_the_record_it_returns() {
    let refused = mock!(Client::update_item).then_http_response(|| {
        conditional_check_failed(json!({"pk": {"S": "x"}, "sent_0": {"N": (NOW - 10).to_string()}}))
    });
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&refused]);
    let err = store(client).admit_send(&email(), NOW).await.unwrap_err();
    assert!(
        matches!(err, AuthError::RateLimited { retry_after: 20 }),
        "{err:?}"
    );
    assert_eq!(refused.num_calls(), 1);
    // Five sends in the window: the oldest must leave it (ten minutes ago: five minutes more).
    let full = mock!(Client::update_item).then_http_response(|| {
        let sends: serde_json::Map<String, serde_json::Value> = (0..5)
            .map(|i| {
                (
                    format!("sent_{i}"),
                    json!({"N": (NOW - 120 - 120 * i).to_string()}),
                )
            })
            .collect();
        conditional_check_failed(serde_json::Value::Object(sends))
    });
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&full]);
    let err = store(client).admit_send(&email(), NOW).await.unwrap_err();
    assert!(
        matches!(err, AuthError::RateLimited { retry_after: 300 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_send_is_one_conditional_write_and_its_release_puts_back_what_was_there() {
    let admit = mock!(Client::update_item)
        .match_requests(|r| {
            let values = r.expression_attribute_values().unwrap();
            r.update_expression().unwrap().starts_with(
                "SET sent_4 = if_not_exists(sent_3, :zero), sent_3 = if_not_exists(sent_2, :zero)",
            ) && r.condition_expression()
                == Some(
                    "attribute_not_exists(sent_0) OR (sent_0 <= :cooled AND \
                     (attribute_not_exists(sent_4) OR sent_4 <= :left))",
                )
                && values[":cooled"] == AttributeValue::N((NOW - 30).to_string())
                && values[":left"] == AttributeValue::N((NOW - 900).to_string())
                && values[":expires"] == AttributeValue::N((NOW + 900).to_string())
        })
        .then_output(|| {
            UpdateItemOutput::builder()
                .attributes("pk", AttributeValue::S("SEND#x".into()))
                .attributes("sent_0", AttributeValue::N((NOW - 600).to_string()))
                .attributes("version", AttributeValue::N("4".into()))
                .build()
        });
    // The release restores the earlier send under the version the admission wrote (5).
    let restore = mock!(Client::put_item)
        .match_requests(|r| {
            let item = r.item().unwrap();
            r.condition_expression() == Some("version = :v")
                && r.expression_attribute_values().unwrap()[":v"] == AttributeValue::N("5".into())
                && item["sent_0"] == AttributeValue::N((NOW - 600).to_string())
                && item["version"] == AttributeValue::N("6".into())
        })
        .then_output(|| PutItemOutput::builder().build());
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::Sequential, [&admit, &restore]);
    let store = store(client);
    let slot = store.admit_send(&email(), NOW).await.unwrap();
    store.release_send(slot).await;
    assert_eq!((admit.num_calls(), restore.num_calls()), (1, 1));
}

#[tokio::test]
async fn a_guest_created_concurrently_is_read_back_not_duplicated() {
    let existing = json!({"pk": "SUB#sub-1", "cognito_sub": "sub-1", "guest_id": "GST-2026-7K2Q9X", "email": "guest@example.com", "created_at": NOW});
    let existing_item: Item = serde_dynamo::to_item(existing).unwrap();
    let first_get = mock!(Client::get_item).then_output(|| GetItemOutput::builder().build());
    let transact = mock!(Client::transact_write_items).then_http_response(|| {
        aws_smithy_runtime_api::client::orchestrator::HttpResponse::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(400).unwrap(),
            aws_smithy_types::body::SdkBody::from(
                json!({
                    "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                    "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]",
                    "CancellationReasons": [{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}, {"Code": "None"}]
                })
                .to_string(),
            ),
        )
    });
    let second_get = mock!(Client::get_item).then_output(move || {
        GetItemOutput::builder()
            .set_item(Some(existing_item.clone()))
            .build()
    });
    let client = mock_client!(
        aws_sdk_dynamodb,
        RuleMode::Sequential,
        [&first_get, &transact, &second_get]
    );
    let guest = GuestStore::new(client, "guests".into())
        .get_or_create("sub-1", "guest@example.com", NOW, 2026)
        .await
        .unwrap();
    assert_eq!(guest.guest_id, "GST-2026-7K2Q9X");
    assert_eq!(transact.num_calls(), 1);
}
