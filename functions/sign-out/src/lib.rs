//! `sign_out`: revoke the session's refresh token, put its access token on the deny-list, and
//! optionally sign the guest out everywhere. `main.rs` wires it; the tests below drive it through
//! every caller's protocol with this function's `events/` fixtures.

use booking_auth::AuthError;
use booking_auth::aws::cognito::Cognito;
use booking_auth::aws::revocation::RevocationStore;
use booking_auth::config::settings::{AUTH_STATE_TABLE, COGNITO, JWT};
use booking_auth::config::{Deploy, Grant, Resource};
use booking_auth::contract::ToolContract;
use booking_auth::contract::{Secret, SignOutArgs, SignOutContract, SignedOut};
use booking_auth::domain::clock::Clock;
use booking_auth::domain::signals::{self, Signal};
use booking_auth::invoke::{CallContext, Tool};
use booking_auth::jwt::{JwtVerifier, TokenUse};

/// What this function needs from its stack: the settings it reads besides start-up's.
pub const DEPLOY: Deploy = Deploy {
    function: <SignOutContract as ToolContract>::FUNCTION,
    settings: &[COGNITO, JWT, &[&AUTH_STATE_TABLE]],
    route: Some("/auth/sign-out"),
    // RevokeToken and GlobalSignOut are authorised by the tokens themselves: no Cognito permission.
    grants: &[Grant {
        on: Resource::Table(&AUTH_STATE_TABLE),
        actions: &["dynamodb:PutItem"],
    }],
};

pub struct SignOut {
    pub cognito: Cognito,
    pub verifier: JwtVerifier,
    pub revocations: RevocationStore,
    pub clock: Clock,
}

impl Tool for SignOut {
    type Contract = SignOutContract;

    async fn call(&self, args: SignOutArgs, ctx: &CallContext) -> Result<SignedOut, AuthError> {
        let refresh_token = args.refresh_token.expose().trim();
        if refresh_token.is_empty() {
            return Err(AuthError::InvalidInput("refresh_token is required".into()));
        }
        let access_token = ctx.token_or(args.access_token.as_ref().map(Secret::expose))?;
        // Check everything before changing anything: a refused call leaves the session as it was.
        let claims = match &access_token {
            // Only a token we verify may name what to revoke; an expired one is dead already.
            Some(token) => match self.verifier.verify(token, TokenUse::Access).await {
                Ok(claims) => Some(claims),
                Err(AuthError::TokenExpired) => None,
                Err(err) => return Err(err),
            },
            None => None,
        };
        let global_token = match (args.global, &access_token, &claims) {
            (false, _, _) => None,
            (true, Some(token), Some(_)) => Some(token.as_str()),
            (true, _, _) => return Err(AuthError::AuthRequired),
        };

        // GlobalSignOut first: Cognito's RevokeToken also revokes the access tokens issued from
        // that refresh token, after which GlobalSignOut would refuse the access token.
        if let Some(token) = global_token {
            self.cognito.global_sign_out(token).await?;
        }
        let global = global_token.is_some();
        match self.cognito.revoke_refresh_token(refresh_token).await {
            Ok(()) => {}
            // Whether RevokeToken still accepts a refresh token that GlobalSignOut has just
            // invalidated is not documented: refused, the token is dead all the same, and the
            // guest is signed out.
            Err(AuthError::RefreshFailed(_)) if global => {}
            Err(err) => return Err(err),
        }
        if let Some(claims) = &claims {
            // GlobalSignOut ends Cognito's own token-authorized calls and refreshes only; our
            // readers refuse the guest's older tokens of every sign-in by this mark.
            let everywhere = async {
                if !global {
                    return Ok(());
                }
                self.revocations
                    .sign_out_everywhere(&claims.sub, (self.clock)())
                    .await
            };
            tokio::try_join!(self.revocations.revoke(claims), everywhere)?;
        }
        tracing::info!(
            global,
            access_token_revoked = claims.is_some(),
            access_token_sent = access_token.is_some(),
            "signed out"
        );
        signals::record(Signal::SignOut);
        Ok(SignedOut {
            success: true,
            access_token_revoked: claims.is_some(),
            global,
            message: message(global, access_token.is_some()),
        })
    }
}

/// What the guest is told. Without the access token nothing can stop it before it expires, and
/// the guest must not be told otherwise.
fn message(global: bool, access_token_sent: bool) -> String {
    match (global, access_token_sent) {
        (true, _) => "You are signed out on all your devices.".into(),
        (false, true) => "You are signed out.".into(),
        (false, false) => {
            "You are signed out: this session can no longer be refreshed. Its current \
             access token was not sent with the request, so it stays valid until it expires (one \
             hour by default)."
                .into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cognitoidentityprovider::Client as CognitoClient;
    use aws_sdk_cognitoidentityprovider::operation::global_sign_out::GlobalSignOutOutput;
    use aws_sdk_cognitoidentityprovider::operation::revoke_token::RevokeTokenOutput;
    use aws_sdk_dynamodb::Client as DynamoClient;
    use aws_sdk_dynamodb::operation::put_item::PutItemOutput;
    use aws_smithy_mocks::{Rule, mock};
    use booking_auth_testing::{
        CALLER_KINDS, StaticJwks, TestKey, access_claims, aws_error, invoke_fixture,
        mocked_cognito, mocked_dynamodb, verifier,
    };

    const SUB: &str = "0b5e1c2a-7d3f-4e8a-9c6b-1f2e3d4c5b6a";
    const NOW: i64 = 1_800_000_000;

    fn tool(key: &TestKey, cognito: &[&Rule], dynamo: &[&Rule]) -> SignOut {
        SignOut {
            cognito: mocked_cognito(cognito),
            verifier: verifier(StaticJwks::new(&[key])),
            revocations: RevocationStore::new(mocked_dynamodb(dynamo), "auth".into()),
            clock: || NOW,
        }
    }

    fn revoke_ok() -> Rule {
        mock!(CognitoClient::revoke_token)
            .match_requests(|r| r.token() == Some("REFRESH-1"))
            .then_output(|| RevokeTokenOutput::builder().build())
    }

    /// A deny-list write whose key starts with `prefix`, kept until the token's `exp`.
    fn deny_listed_under(prefix: String) -> Rule {
        mock!(DynamoClient::put_item)
            .match_requests(move |r| {
                r.item()
                    .and_then(|i| i.get("pk"))
                    .and_then(|v| v.as_s().ok())
                    .is_some_and(|pk| pk.starts_with(&prefix))
                    && r.item().and_then(|i| i.get("expires_at")).is_some()
            })
            .then_output(|| PutItemOutput::builder().build())
    }

    /// The sign-in's two deny-list keys: its `origin_jti`, and its guest and `auth_time`.
    fn deny_listed() -> (Rule, Rule) {
        (
            deny_listed_under("REVOKED#origin-1".into()),
            deny_listed_under(format!("SIGNIN#{SUB}#")),
        )
    }

    #[tokio::test]
    async fn every_caller_kind_revokes_the_refresh_token_and_deny_lists_the_access_token() {
        let key = TestKey::generate("k1");
        let access = key.sign(&access_claims(SUB));
        for kind in CALLER_KINDS {
            let (revoke, (deny, sign_in)) = (revoke_ok(), deny_listed());
            let out = invoke_fixture(
                &tool(&key, &[&revoke], &[&deny, &sign_in]),
                "sign-out",
                kind,
                &[
                    ("REPLACE_WITH_REFRESH_TOKEN", "REFRESH-1"),
                    ("REPLACE_WITH_ACCESS_TOKEN", &access),
                ],
            )
            .await;
            assert_eq!(out.body["success"], true, "{kind}: {}", out.body);
            assert_eq!(out.body["access_token_revoked"], true, "{kind}");
            assert_eq!(out.body["global"], false);
            assert_eq!(
                (revoke.num_calls(), deny.num_calls(), sign_in.num_calls()),
                (1, 1, 1),
                "{kind}"
            );
        }
    }

    #[tokio::test]
    async fn global_sign_out_ends_every_session() {
        let key = TestKey::generate("k1");
        let access = key.sign(&access_claims(SUB));
        let expected = access.clone();
        let (revoke, (deny, sign_in)) = (revoke_ok(), deny_listed());
        let global = mock!(CognitoClient::global_sign_out)
            .match_requests(move |r| r.access_token() == Some(expected.as_str()))
            .then_output(|| GlobalSignOutOutput::builder().build());
        // In this order (the mocks enforce it): after RevokeToken, Cognito would refuse the
        // access token that GlobalSignOut needs.
        // Every token of the guest issued until now is refused by our readers too, whichever
        // sign-in it came from, until the longest-lived of them has expired.
        let everywhere = mock!(DynamoClient::put_item)
            .match_requests(|r| {
                let attribute = |name: &str| {
                    r.item()
                        .and_then(|i| i.get(name))
                        .map(|v| v.as_s().or(v.as_n()).cloned().unwrap_or_default())
                };
                attribute("pk") == Some(format!("SIGNEDOUT#{SUB}"))
                    && attribute("signed_out_at") == Some(NOW.to_string())
                    && attribute("expires_at") == Some((NOW + 86_400).to_string())
            })
            .then_output(|| PutItemOutput::builder().build());
        let tool = tool(&key, &[&global, &revoke], &[&deny, &sign_in, &everywhere]);
        let ctx = CallContext::new(booking_auth::invoke::CallerKind::Http, Some(access));
        let args = SignOutArgs {
            refresh_token: "REFRESH-1".into(),
            access_token: None,
            global: true,
        };
        let out = tool.call(args, &ctx).await.unwrap();
        assert!(out.global && out.access_token_revoked);
        assert_eq!(
            (
                revoke.num_calls(),
                deny.num_calls(),
                sign_in.num_calls(),
                global.num_calls(),
                everywhere.num_calls()
            ),
            (1, 1, 1, 1, 1)
        );
    }

    /// AWS does not say whether RevokeToken accepts a refresh token GlobalSignOut has just
    /// invalidated: refused, it is still a sign-out (and the marks are still written); without
    /// the global sign-out, the same refusal is REFRESH_FAILED.
    #[tokio::test]
    async fn a_revoke_refused_after_a_global_sign_out_is_still_a_sign_out() {
        for global in [true, false] {
            let key = TestKey::generate("k1");
            let access = key.sign(&access_claims(SUB));
            let signed_out_everywhere = mock!(CognitoClient::global_sign_out)
                .then_output(|| GlobalSignOutOutput::builder().build());
            let refused = mock!(CognitoClient::revoke_token).then_http_response(|| {
                aws_error(
                    400,
                    "NotAuthorizedException",
                    "Refresh Token has been revoked",
                )
            });
            let put =
                || mock!(DynamoClient::put_item).then_output(|| PutItemOutput::builder().build());
            let (deny, sign_in, mark) = (put(), put(), put());
            let cognito: Vec<&Rule> = match global {
                true => vec![&signed_out_everywhere, &refused],
                false => vec![&refused],
            };
            let tool = tool(&key, &cognito, &[&deny, &sign_in, &mark]);
            let ctx = CallContext::new(booking_auth::invoke::CallerKind::Http, Some(access));
            let args = SignOutArgs {
                refresh_token: "REFRESH-1".into(),
                access_token: None,
                global,
            };
            match tool.call(args, &ctx).await {
                Ok(out) => assert!(global && out.global && out.access_token_revoked),
                Err(err) => assert!(!global && matches!(err, AuthError::RefreshFailed(_))),
            }
            let written = deny.num_calls() + sign_in.num_calls() + mark.num_calls();
            assert_eq!(written, if global { 3 } else { 0 });
        }
    }

    #[tokio::test]
    async fn global_without_an_access_token_changes_nothing() {
        let key = TestKey::generate("k1");
        let revoke = revoke_ok();
        let tool = tool(&key, &[&revoke], &[]);
        let ctx = CallContext::new(booking_auth::invoke::CallerKind::Direct, None);
        let args = SignOutArgs {
            refresh_token: "REFRESH-1".into(),
            access_token: None,
            global: true,
        };
        assert!(matches!(
            tool.call(args, &ctx).await,
            Err(AuthError::AuthRequired)
        ));
        assert_eq!(revoke.num_calls(), 0);
    }

    #[tokio::test]
    async fn an_invalid_access_token_is_refused_before_anything_changes() {
        let key = TestKey::generate("k1");
        let forged = TestKey::generate("k1").sign(&access_claims(SUB));
        let revoke = revoke_ok();
        let out = invoke_fixture(
            &tool(&key, &[&revoke], &[]),
            "sign-out",
            "http",
            &[
                ("REPLACE_WITH_REFRESH_TOKEN", "REFRESH-1"),
                ("REPLACE_WITH_ACCESS_TOKEN", &forged),
            ],
        )
        .await;
        assert_eq!(out.status, Some(401));
        assert_eq!(out.body["error_code"], "INVALID_TOKEN");
        assert_eq!(revoke.num_calls(), 0);
    }

    #[tokio::test]
    async fn an_unknown_refresh_token_is_refresh_failed() {
        let key = TestKey::generate("k1");
        let revoke = mock!(CognitoClient::revoke_token).then_http_response(|| {
            aws_error(
                400,
                "UnsupportedTokenTypeException",
                "Unsupported token type",
            )
        });
        let access = key.sign(&access_claims(SUB));
        let out = invoke_fixture(
            &tool(&key, &[&revoke], &[]),
            "sign-out",
            "gateway",
            &[
                ("REPLACE_WITH_REFRESH_TOKEN", "nope"),
                ("REPLACE_WITH_ACCESS_TOKEN", &access),
            ],
        )
        .await;
        assert_eq!(out.body["error_code"], "REFRESH_FAILED");
        assert_eq!(out.body["retryable"], false);
    }

    #[tokio::test]
    async fn without_the_access_token_the_answer_says_it_stays_valid() {
        let key = TestKey::generate("k1");
        let revoke = revoke_ok();
        let tool = tool(&key, &[&revoke], &[]);
        let ctx = CallContext::new(booking_auth::invoke::CallerKind::Gateway, None);
        let args = SignOutArgs {
            refresh_token: "REFRESH-1".into(),
            access_token: None,
            global: false,
        };
        let out = tool.call(args, &ctx).await.unwrap();
        assert!(!out.access_token_revoked);
        assert!(
            out.message.contains("stays valid until it expires"),
            "{}",
            out.message
        );
        assert_eq!(revoke.num_calls(), 1);
    }
}
