//! AWS answers for SDK clients: error bodies as the services send them, Cognito's
//! `AuthenticationResult`, DynamoDB items, and clients answered by `aws-smithy-mocks`.

use serde_json::{Value, json};

use crate::jwks::cognito_config;
use crate::keys::{TestKey, access_claims, id_claims};

/// An AWS JSON 1.x error response as the service sends it, so the SDK's own deserializer produces
/// the typed error (and the code for errors it does not model, such as `LimitExceededException`).
pub fn aws_error(
    status: u16,
    error_type: &str,
    message: &str,
) -> aws_smithy_runtime_api::client::orchestrator::HttpResponse {
    aws_smithy_runtime_api::client::orchestrator::HttpResponse::new(
        aws_smithy_runtime_api::http::StatusCode::try_from(status).expect("status code"),
        aws_smithy_types::body::SdkBody::from(
            json!({"__type": error_type, "message": message}).to_string(),
        ),
    )
}

/// DynamoDB's refusal of a conditional write that was asked to return the item it checked
/// (`ReturnValuesOnConditionCheckFailure: ALL_OLD`): `item` in DynamoDB JSON.
pub fn conditional_check_failed(
    item: Value,
) -> aws_smithy_runtime_api::client::orchestrator::HttpResponse {
    aws_smithy_runtime_api::client::orchestrator::HttpResponse::new(
        aws_smithy_runtime_api::http::StatusCode::try_from(400).expect("status code"),
        aws_smithy_types::body::SdkBody::from(
            json!({
                "__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                "message": "The conditional request failed",
                "Item": item,
            })
            .to_string(),
        ),
    )
}

/// Cognito's `AuthenticationResult` for `sub`, with ID and access tokens signed by `key`.
pub fn authentication_result(
    key: &TestKey,
    sub: &str,
    email: &str,
    refresh: Option<&str>,
) -> aws_sdk_cognitoidentityprovider::types::AuthenticationResultType {
    aws_sdk_cognitoidentityprovider::types::AuthenticationResultType::builder()
        .id_token(key.sign(&id_claims(sub, email)))
        .access_token(key.sign(&access_claims(sub)))
        .set_refresh_token(refresh.map(str::to_owned))
        .expires_in(3600)
        .token_type("Bearer")
        .build()
}

/// A DynamoDB item from JSON, as `serde_dynamo` writes records.
pub fn item(
    value: Value,
) -> std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
    serde_dynamo::to_item(value).expect("item")
}

/// A Cognito adapter whose SDK client answers from `rules`, in order.
pub fn mocked_cognito(rules: &[&aws_smithy_mocks::Rule]) -> booking_auth::aws::cognito::Cognito {
    let client = aws_smithy_mocks::mock_client!(
        aws_sdk_cognitoidentityprovider,
        aws_smithy_mocks::RuleMode::Sequential,
        rules
    );
    booking_auth::aws::cognito::Cognito::new(client, &cognito_config())
}

/// A DynamoDB client that answers from `rules`, in order.
pub fn mocked_dynamodb(rules: &[&aws_smithy_mocks::Rule]) -> aws_sdk_dynamodb::Client {
    aws_smithy_mocks::mock_client!(
        aws_sdk_dynamodb,
        aws_smithy_mocks::RuleMode::Sequential,
        rules
    )
}
