//! `refresh`: trade a refresh token for new tokens (rotation-aware), delivered as the same
//! `auth_tokens` event as a sign-in. `main.rs` wires it; the tests below drive it through every
//! caller's protocol with this function's `events/` fixtures.

use booking_auth::AuthError;
use booking_auth::aws::cognito::Cognito;
use booking_auth::aws::guests::GuestStore;
use booking_auth::config::RefreshConfig;
use booking_auth::config::settings::{COGNITO, GUESTS_TABLE, REFRESH_TOKEN_AUTH_FALLBACK};
use booking_auth::config::{Deploy, Grant, Resource};
use booking_auth::contract::ToolContract;
use booking_auth::contract::{RefreshArgs, RefreshContract, TokenDeliveryEvent};
use booking_auth::domain::clock::{Clock, year};
use booking_auth::domain::signals::{self, Signal};
use booking_auth::invoke::{CallContext, Tool};

/// What this function needs from its stack: the settings it reads besides start-up's.
pub const DEPLOY: Deploy = Deploy {
    function: <RefreshContract as ToolContract>::FUNCTION,
    settings: &[COGNITO, &[&REFRESH_TOKEN_AUTH_FALLBACK, &GUESTS_TABLE]],
    route: Some("/auth/refresh"),
    // GetTokensFromRefreshToken is authorised by the refresh token itself: no Cognito permission.
    grants: &[Grant {
        on: Resource::Table(&GUESTS_TABLE),
        actions: &["dynamodb:GetItem", "dynamodb:PutItem"],
    }],
};

/// Longer than any token Cognito issues; anything bigger is not worth a network call.
const MAX_REFRESH_TOKEN_LEN: usize = 8 * 1024;

pub struct Refresh {
    pub cognito: Cognito,
    pub guests: GuestStore,
    pub refresh: RefreshConfig,
    pub clock: Clock,
}

impl Tool for Refresh {
    type Contract = RefreshContract;

    async fn call(
        &self,
        args: RefreshArgs,
        _ctx: &CallContext,
    ) -> Result<TokenDeliveryEvent, AuthError> {
        let given = args.refresh_token.expose().trim();
        if given.is_empty() || given.len() > MAX_REFRESH_TOKEN_LEN {
            return Err(AuthError::RefreshFailed("malformed refresh token".into()));
        }
        let refreshed = self
            .cognito
            .refresh(given, self.refresh.fallback_to_initiate_auth)
            .await?;
        let identity = refreshed.tokens.identity()?;
        let email = identity.email.unwrap_or_default();
        let now = (self.clock)();
        // Normally found; recreated if the guest table lost it, so the event is always complete.
        let guest = self
            .guests
            .get_or_create(&identity.sub, &email, now, year(now))
            .await?;
        // Rotation on: the new one (the old one is now invalid). Off: the one given stays valid.
        let refresh_token = refreshed.rotated.unwrap_or_else(|| given.into());
        signals::record(Signal::Refresh);
        Ok(refreshed
            .tokens
            .deliver(refresh_token, guest.guest_id, email, identity.sub))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cognitoidentityprovider::Client as CognitoClient;
    use aws_sdk_cognitoidentityprovider::operation::get_tokens_from_refresh_token::GetTokensFromRefreshTokenOutput;
    use aws_sdk_dynamodb::Client as DynamoClient;
    use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
    use aws_smithy_mocks::{Rule, mock};
    use booking_auth_testing::{
        CALLER_KINDS, TestKey, authentication_result, aws_error, invoke_fixture, item,
        mocked_cognito, mocked_dynamodb,
    };
    use serde_json::json;

    const SUB: &str = "0b5e1c2a-7d3f-4e8a-9c6b-1f2e3d4c5b6a";

    fn tool(cognito: &[&Rule], dynamo: &[&Rule]) -> Refresh {
        Refresh {
            cognito: mocked_cognito(cognito),
            guests: GuestStore::new(mocked_dynamodb(dynamo), "guests".into()),
            refresh: RefreshConfig {
                fallback_to_initiate_auth: false,
            },
            clock: || 1_795_000_000,
        }
    }

    fn known_guest() -> Rule {
        mock!(DynamoClient::get_item)
            .match_requests(|r| r.key().and_then(|k| k.get("pk")).and_then(|v| v.as_s().ok()).map(String::as_str) == Some(&format!("SUB#{SUB}")))
            .then_output(|| {
                GetItemOutput::builder()
                    .set_item(Some(item(json!({"pk": format!("SUB#{SUB}"), "cognito_sub": SUB, "guest_id": "GST-2026-7K2Q9X", "email": "guest@example.com", "created_at": 1}))))
                    .build()
            })
    }

    fn refreshed(key: &TestKey, new_refresh: Option<&'static str>) -> Rule {
        let result = authentication_result(key, SUB, "guest@example.com", new_refresh);
        mock!(CognitoClient::get_tokens_from_refresh_token)
            .match_requests(|r| {
                r.refresh_token() == Some("REFRESH-OLD")
                    && r.client_id() == Some(booking_auth_testing::CLIENT_ID)
            })
            .then_output(move || {
                GetTokensFromRefreshTokenOutput::builder()
                    .authentication_result(result.clone())
                    .build()
            })
    }

    #[tokio::test]
    async fn every_caller_kind_gets_the_same_event_shape_with_the_rotated_token() {
        let key = TestKey::generate("k1");
        for kind in CALLER_KINDS {
            let (cognito, guest) = (refreshed(&key, Some("REFRESH-NEW")), known_guest());
            let out = invoke_fixture(
                &tool(&[&cognito], &[&guest]),
                "refresh",
                kind,
                &[("REPLACE_WITH_REFRESH_TOKEN", "REFRESH-OLD")],
            )
            .await;
            let body = out.body;
            assert_eq!(body["event_type"], "auth_tokens", "{kind}: {body}");
            assert_eq!(body["success"], true);
            assert_eq!(body["refresh_token"], "REFRESH-NEW");
            assert_eq!(body["guest_id"], "GST-2026-7K2Q9X");
            assert_eq!(body["cognito_sub"], SUB);
            assert_eq!(body["email"], "guest@example.com");
            assert_eq!(body.as_object().map(|o| o.len()), Some(9));
            if kind == "http" {
                assert_eq!(out.status, Some(200));
            }
        }
    }

    #[tokio::test]
    async fn without_rotation_the_given_refresh_token_is_returned() {
        let key = TestKey::generate("k1");
        let (cognito, guest) = (refreshed(&key, None), known_guest());
        let out = invoke_fixture(
            &tool(&[&cognito], &[&guest]),
            "refresh",
            "direct",
            &[("REPLACE_WITH_REFRESH_TOKEN", "REFRESH-OLD")],
        )
        .await;
        assert_eq!(out.body["refresh_token"], "REFRESH-OLD");
    }

    #[tokio::test]
    async fn a_revoked_token_is_refresh_failed_and_not_retryable() {
        let cognito =
            mock!(CognitoClient::get_tokens_from_refresh_token).then_http_response(|| {
                aws_error(
                    400,
                    "NotAuthorizedException",
                    "Refresh Token has been revoked",
                )
            });
        let out = invoke_fixture(
            &tool(&[&cognito], &[]),
            "refresh",
            "http",
            &[("REPLACE_WITH_REFRESH_TOKEN", "REFRESH-OLD")],
        )
        .await;
        assert_eq!(out.status, Some(401));
        assert_eq!(out.body["error_code"], "REFRESH_FAILED");
        assert_eq!(out.body["retryable"], false);
    }

    #[tokio::test]
    async fn a_blank_token_fails_without_calling_cognito() {
        let cognito = refreshed(&TestKey::generate("k1"), None);
        let out = invoke_fixture(
            &tool(&[&cognito], &[]),
            "refresh",
            "direct",
            &[("REPLACE_WITH_REFRESH_TOKEN", "  ")],
        )
        .await;
        assert_eq!(out.body["error_code"], "REFRESH_FAILED");
        assert_eq!(cognito.num_calls(), 0);
    }
}
