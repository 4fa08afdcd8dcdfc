//! `get_my_reservations`: verify the access token, take its `sub` and list a page of that guest's
//! reservations only. `main.rs` wires it; the tests below drive it through
//! every caller's protocol with this function's `events/` fixtures, and `benches/requests.rs`
//! times the whole request path.

use booking_auth::AuthError;
use booking_auth::aws::guests::GuestStore;
use booking_auth::aws::reservations::{ReservationStore, StayPageRequest};
use booking_auth::aws::revocation::RevocationStore;
use booking_auth::config::settings::{
    AUTH_STATE_TABLE, COGNITO, GUESTS_TABLE, JWT, RESERVATIONS_TABLE, REVOCATION_CHECK,
};
use booking_auth::config::{Deploy, Grant, Resource};
use booking_auth::contract::ToolContract;
use booking_auth::contract::{
    GetMyReservationsContract, ReservationsArgs, ReservationsResult, Secret,
};
use booking_auth::domain::clock::{Clock, date};
use booking_auth::domain::stays::{next_token, page_size, resume_after};
use booking_auth::invoke::{CallContext, Tool};
use booking_auth::jwt::{JwtVerifier, TokenUse};

/// What this function needs from its stack: the settings it reads besides start-up's.
pub const DEPLOY: Deploy = Deploy {
    function: <GetMyReservationsContract as ToolContract>::FUNCTION,
    settings: &[
        COGNITO,
        JWT,
        &[
            &REVOCATION_CHECK,
            &AUTH_STATE_TABLE,
            &GUESTS_TABLE,
            &RESERVATIONS_TABLE,
        ],
    ],
    route: Some("/reservations"),
    grants: &[
        Grant {
            on: Resource::Table(&GUESTS_TABLE),
            actions: &["dynamodb:GetItem"],
        },
        Grant {
            on: Resource::Table(&RESERVATIONS_TABLE),
            actions: &["dynamodb:Query"],
        },
        // The deny-list and the "signed out everywhere" mark, read in one BatchGetItem.
        Grant {
            on: Resource::Table(&AUTH_STATE_TABLE),
            actions: &["dynamodb:BatchGetItem"],
        },
    ],
};

pub struct GetMyReservations {
    pub verifier: JwtVerifier,
    /// Set when `REVOCATION_CHECK` is on: tokens of signed-out sessions are refused.
    pub revocations: Option<RevocationStore>,
    pub guests: GuestStore,
    pub reservations: ReservationStore,
    pub clock: Clock,
}

impl Tool for GetMyReservations {
    type Contract = GetMyReservationsContract;

    async fn call(
        &self,
        args: ReservationsArgs,
        ctx: &CallContext,
    ) -> Result<ReservationsResult, AuthError> {
        // Header first (HTTP, or the Gateway-propagated guest-token header), then the argument
        // where allowed; never a default identity.
        let token = ctx
            .token_or(args.auth_token.as_ref().map(Secret::expose))?
            .ok_or(AuthError::AuthRequired)?;
        let size = page_size(args.limit)?;
        let claims = self.verifier.verify(&token, TokenUse::Access).await?;
        let today = date((self.clock)());
        // The token is checked against the verified guest before anything is read.
        let after = args
            .next_token
            .as_deref()
            .map(|t| resume_after(t, &claims.sub, args.filter, &today))
            .transpose()?;
        // The three lookups depend only on the verified token: one round trip. A revoked token's
        // rows are read and dropped, never returned.
        let revoked = async {
            match &self.revocations {
                Some(revocations) => revocations.check(&claims).await,
                None => Ok(()),
            }
        };
        // Keyed by the verified sub: no argument can widen this query.
        let page = self.reservations.page(StayPageRequest {
            sub: &claims.sub,
            filter: args.filter,
            size,
            after,
            today: &today,
        });
        let ((), guest, page) = tokio::try_join!(revoked, self.guests.find(&claims.sub), page)?;
        let Some(guest) = guest else {
            return Ok(ReservationsResult {
                success: true,
                guest_id: None,
                reservations: Vec::new(),
                next_token: None,
            });
        };
        Ok(ReservationsResult {
            success: true,
            guest_id: Some(guest.guest_id),
            reservations: page.reservations,
            next_token: page
                .resume_after
                .map(|after| next_token(&claims.sub, args.filter, &after)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::Client as DynamoClient;
    use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemOutput;
    use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
    use aws_sdk_dynamodb::operation::query::QueryOutput;
    use aws_smithy_mocks::{Rule, mock, mock_client};
    use booking_auth_testing::{
        CALLER_KINDS, StaticJwks, TestKey, access_claims, id_claims, invoke_fixture, item,
        mocked_dynamodb, now, verifier,
    };
    use serde_json::{Value, json};

    const SUB: &str = "0b5e1c2a-7d3f-4e8a-9c6b-1f2e3d4c5b6a";
    /// 2026-11-18.
    const NOW: i64 = 1_795_000_000;

    fn tool(key: &TestKey, dynamo: &[&Rule]) -> GetMyReservations {
        let dynamodb = mocked_dynamodb(dynamo);
        GetMyReservations {
            verifier: verifier(StaticJwks::new(&[key])),
            revocations: None,
            guests: GuestStore::new(dynamodb.clone(), "guests".into()),
            reservations: ReservationStore::new(dynamodb, "reservations".into()),
            clock: || NOW,
        }
    }

    fn guest_of(sub: &'static str) -> Rule {
        mock!(DynamoClient::get_item)
            .match_requests(move |r| r.key().and_then(|k| k.get("pk")).and_then(|v| v.as_s().ok()) == Some(&format!("SUB#{sub}")))
            .then_output(move || {
                GetItemOutput::builder()
                    .set_item(Some(item(json!({"pk": format!("SUB#{sub}"), "cognito_sub": sub, "guest_id": "GST-2026-7K2Q9X", "email": "guest@example.com", "created_at": 1}))))
                    .build()
            })
    }

    fn reservations_of(sub: &'static str) -> Rule {
        mock!(DynamoClient::query)
            .match_requests(move |r| {
                r.expression_attribute_values().and_then(|v| v.get(":sub")).and_then(|v| v.as_s().ok()).map(String::as_str) == Some(sub)
                    && r.scan_index_forward() == Some(false)
            })
            .then_output(move || {
                QueryOutput::builder()
                    .items(item(json!({"cognito_sub": sub, "stay_key": "2027-03-15#RES-2", "reservation_id": "RES-2", "property_name": "Harbour View", "room_type": "Double", "check_in": "2027-03-15", "check_out": "2027-03-20", "status": "confirmed", "guests": 2, "total_amount": "840.00", "currency": "EUR"})))
                    .items(item(json!({"cognito_sub": sub, "stay_key": "2026-08-01#RES-1", "reservation_id": "RES-1", "property_name": "Harbour View", "check_in": "2026-08-01", "check_out": "2026-08-03", "status": "completed"})))
                    .build()
            })
    }

    #[tokio::test]
    async fn every_caller_kind_reads_the_verified_guests_rows_newest_first() {
        let key = TestKey::generate("k1");
        let token = key.sign(&access_claims(SUB));
        for kind in CALLER_KINDS {
            let (guest, rows) = (guest_of(SUB), reservations_of(SUB));
            let out = invoke_fixture(
                &tool(&key, &[&guest, &rows]),
                "reservations",
                kind,
                &[("REPLACE_WITH_ACCESS_TOKEN", &token)],
            )
            .await;
            assert_eq!(out.body["success"], true, "{kind}: {}", out.body);
            assert_eq!(out.body["guest_id"], "GST-2026-7K2Q9X");
            let ids: Vec<&str> = out.body["reservations"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|r| r["reservation_id"].as_str())
                .collect();
            assert_eq!(ids, ["RES-2", "RES-1"]);
            assert!(
                out.body["reservations"][0].get("cognito_sub").is_none(),
                "storage keys stay private"
            );
            assert_eq!(rows.num_calls(), 1, "{kind}");
            if kind == "http" {
                assert_eq!(out.status, Some(200));
            }
        }
    }

    #[tokio::test]
    async fn no_token_is_auth_required() {
        let key = TestKey::generate("k1");
        let out = invoke_fixture(
            &tool(&key, &[]),
            "reservations",
            "gateway",
            &[("Bearer REPLACE_WITH_ACCESS_TOKEN", "")],
        )
        .await;
        assert_eq!(out.body["error_code"], "AUTH_REQUIRED");
        let out = invoke_fixture(
            &tool(&key, &[]),
            "reservations",
            "direct",
            &[("REPLACE_WITH_ACCESS_TOKEN", "")],
        )
        .await;
        assert_eq!(out.body["error_code"], "AUTH_REQUIRED");
    }

    #[tokio::test]
    async fn expired_tampered_and_id_tokens_are_distinct_failures() {
        let key = TestKey::generate("k1");
        let mut expired = access_claims(SUB);
        expired["exp"] = json!(now() - 120);
        let expired = key.sign(&expired);
        let good = key.sign(&access_claims(SUB));
        let tampered = {
            let mut parts: Vec<&str> = good.split('.').collect();
            let forged =
                booking_auth_testing::TestKey::generate("k1").sign(&access_claims("someone-else"));
            let forged_payload = forged.split('.').nth(1).unwrap().to_owned();
            parts[1] = &forged_payload;
            parts.join(".")
        };
        let id_token = key.sign(&id_claims(SUB, "guest@example.com"));
        for (token, code, status) in [
            (expired.as_str(), "TOKEN_EXPIRED", 401),
            (tampered.as_str(), "INVALID_TOKEN", 401),
            (id_token.as_str(), "INVALID_TOKEN", 401),
            ("not-a-jwt", "INVALID_TOKEN", 401),
        ] {
            let out = invoke_fixture(
                &tool(&key, &[]),
                "reservations",
                "http",
                &[("REPLACE_WITH_ACCESS_TOKEN", token)],
            )
            .await;
            assert_eq!(out.body["error_code"], code);
            assert_eq!(out.status, Some(status));
            assert_eq!(out.body["retryable"], false);
        }
    }

    #[tokio::test]
    async fn a_verified_user_without_a_guest_record_gets_an_empty_list() {
        let key = TestKey::generate("k1");
        let token = key.sign(&access_claims(SUB));
        let no_guest =
            mock!(DynamoClient::get_item).then_output(|| GetItemOutput::builder().build());
        let rows = reservations_of(SUB);
        let out = invoke_fixture(
            &tool(&key, &[&no_guest, &rows]),
            "reservations",
            "direct",
            &[("REPLACE_WITH_ACCESS_TOKEN", &token)],
        )
        .await;
        assert_eq!(
            out.body,
            json!({"success": true, "guest_id": null, "reservations": [], "next_token": null})
        );
        // Read in the same round trip as the guest, and dropped: rows without a guest record
        // are never shown.
        assert_eq!(rows.num_calls(), 1);
    }

    #[tokio::test]
    async fn the_header_token_wins_over_the_argument() {
        let key = TestKey::generate("k1");
        const OTHER: &str = "99999999-0000-4000-8000-000000000000";
        let header = key.sign(&access_claims(SUB));
        let argument = key.sign(&access_claims(OTHER));
        let (guest, rows) = (guest_of(SUB), reservations_of(SUB));
        let tool = tool(&key, &[&guest, &rows]);
        let ctx = CallContext::new(booking_auth::invoke::CallerKind::Http, Some(header));
        let out = tool
            .call(
                ReservationsArgs {
                    auth_token: Some(argument.into()),
                    ..Default::default()
                },
                &ctx,
            )
            .await
            .unwrap();
        assert_eq!(out.guest_id.as_deref(), Some("GST-2026-7K2Q9X"));
        assert_eq!(rows.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_page_reads_one_row_beyond_it_and_its_token_resumes_after_its_last_row() {
        let key = TestKey::generate("k1");
        let token = key.sign(&access_claims(SUB));
        let guest = guest_of(SUB);
        let first = reservations_of(SUB);
        let first_page = tool(&key, &[&guest, &first]);
        let ctx = CallContext::new(booking_auth::invoke::CallerKind::Http, Some(token.clone()));
        let page = first_page
            .call(
                ReservationsArgs {
                    limit: Some(1),
                    ..Default::default()
                },
                &ctx,
            )
            .await
            .unwrap();
        assert_eq!(page.reservations.len(), 1);
        let next = page.next_token.expect("a second row exists");
        assert_eq!(
            booking_auth::domain::stays::resume_after(&next, SUB, None, "2026-11-18").unwrap(),
            "2027-03-15#RES-2"
        );

        let resumed = mock!(DynamoClient::query)
            .match_requests(|r| {
                let start = r.exclusive_start_key().expect("resumes");
                r.limit() == Some(2)
                    && start
                        .get("cognito_sub")
                        .and_then(|v| v.as_s().ok())
                        .map(String::as_str)
                        == Some(SUB)
                    && start
                        .get("stay_key")
                        .and_then(|v| v.as_s().ok())
                        .map(String::as_str)
                        == Some("2027-03-15#RES-2")
            })
            .then_output(|| QueryOutput::builder().build());
        let resuming = tool(&key, &[&guest_of(SUB), &resumed]);
        let last = resuming
            .call(
                ReservationsArgs {
                    limit: Some(1),
                    next_token: Some(next.clone()),
                    ..Default::default()
                },
                &ctx,
            )
            .await
            .unwrap();
        assert_eq!(last.next_token, None);
        assert_eq!(resumed.num_calls(), 1);

        // Another guest's call with that token is refused before anything is read.
        const OTHER: &str = "99999999-0000-4000-8000-000000000000";
        let other = CallContext::new(
            booking_auth::invoke::CallerKind::Http,
            Some(key.sign(&access_claims(OTHER))),
        );
        let any_read = mock!(DynamoClient::query).then_output(|| QueryOutput::builder().build());
        let others = tool(&key, &[&any_read]);
        let refused = others
            .call(
                ReservationsArgs {
                    next_token: Some(next),
                    ..Default::default()
                },
                &other,
            )
            .await
            .unwrap_err();
        assert!(matches!(refused, AuthError::InvalidInput(_)), "{refused}");
        assert_eq!(any_read.num_calls(), 0);
    }

    #[tokio::test]
    async fn a_limit_out_of_range_or_not_a_count_is_refused_before_any_read() {
        let key = TestKey::generate("k1");
        let ctx = CallContext::new(
            booking_auth::invoke::CallerKind::Http,
            Some(key.sign(&access_claims(SUB))),
        );
        let any_read = mock!(DynamoClient::query).then_output(|| QueryOutput::builder().build());
        for limit in [0, 51] {
            let args = ReservationsArgs {
                limit: Some(limit),
                ..Default::default()
            };
            let refused = tool(&key, &[&any_read]).call(args, &ctx).await.unwrap_err();
            assert!(
                matches!(refused, AuthError::InvalidInput(_)),
                "{limit}: {refused}"
            );
        }
        assert_eq!(any_read.num_calls(), 0);
        // Not a count at all: the arguments do not decode (INVALID_INPUT on the wire).
        for limit in [json!("x"), json!(-1), json!(2.5), json!("")] {
            assert!(serde_json::from_value::<ReservationsArgs>(json!({ "limit": limit })).is_err());
        }
        // A query parameter's digits are a count.
        let args: ReservationsArgs = serde_json::from_value(json!({"limit": "7"})).unwrap();
        assert_eq!(args.limit, Some(7));
    }

    #[tokio::test]
    async fn an_http_get_takes_its_arguments_from_the_query_but_never_a_token() {
        let key = TestKey::generate("k1");
        let token = key.sign(&access_claims(SUB));
        let get = |query: Value| {
            let mut invocation = booking_auth_testing::fixture_invocation(
                "reservations",
                "http",
                &[("REPLACE_WITH_ACCESS_TOKEN", &token)],
            );
            invocation.payload["queryStringParameters"] = query;
            invocation
        };
        let (guest, rows) = (guest_of(SUB), reservations_of(SUB));
        let tool = tool(&key, &[&guest, &rows]);
        let config = booking_auth_testing::fixture_envelope_config();
        let answer = |reply: booking_auth::invoke::Reply| (reply.status(), reply.tool_answer());

        let (status, body) = answer(
            booking_auth::invoke::route(&tool, &config, get(json!({"limit": "1"})))
                .await
                .unwrap(),
        );
        assert_eq!(status, Some(200), "{body}");
        assert_eq!(body["reservations"].as_array().unwrap().len(), 1);
        assert!(body["next_token"].is_string());

        let (status, body) = answer(
            booking_auth::invoke::route(&tool, &config, get(json!({"auth_token": token})))
                .await
                .unwrap(),
        );
        assert_eq!(status, Some(400));
        assert_eq!(body["error_code"], "INVALID_INPUT");
        assert_eq!(rows.num_calls(), 1, "the refused GET read nothing");
    }

    /// The revocation check's answer: the items it finds among the three keys it asks for.
    fn revocation_marks(found: Vec<Value>) -> Rule {
        mock!(DynamoClient::batch_get_item)
            .match_requests(|r| {
                let keys: Vec<String> = r
                    .request_items()
                    .and_then(|t| t.get("auth"))
                    .map(|k| {
                        k.keys()
                            .iter()
                            .filter_map(|key| key.get("pk").and_then(|v| v.as_s().ok()).cloned())
                            .collect()
                    })
                    .unwrap_or_default();
                keys.len() == 3
                    && keys[..2] == ["REVOKED#origin-1".to_owned(), format!("SIGNEDOUT#{SUB}")]
                    && keys[2].starts_with(&format!("SIGNIN#{SUB}#"))
            })
            .then_output(move || {
                BatchGetItemOutput::builder()
                    .responses("auth", found.iter().map(|f| item(f.clone())).collect())
                    .build()
            })
    }

    /// When the tokens' guest signed in.
    const AUTH_TIME: i64 = NOW - 3_000;

    async fn with_marks(found: Vec<Value>, iat: i64) -> (Value, usize) {
        let key = TestKey::generate("k1");
        let mut claims = access_claims(SUB);
        claims["iat"] = json!(iat);
        claims["auth_time"] = json!(AUTH_TIME);
        let token = key.sign(&claims);
        let marks = revocation_marks(found);
        let (guest, rows) = (guest_of(SUB), reservations_of(SUB));
        let mut tool = tool(&key, &[&guest, &rows]);
        tool.revocations = Some(RevocationStore::new(
            mock_client!(aws_sdk_dynamodb, [&marks]),
            "auth".into(),
        ));
        let out = invoke_fixture(
            &tool,
            "reservations",
            "http",
            &[("REPLACE_WITH_ACCESS_TOKEN", &token)],
        )
        .await;
        (out.body, marks.num_calls())
    }

    #[tokio::test]
    async fn with_revocation_checks_a_signed_out_session_is_refused() {
        let (body, calls) = with_marks(vec![json!({"pk": "REVOKED#origin-1"})], NOW - 60).await;
        assert_eq!(body["error_code"], "INVALID_TOKEN");
        assert_eq!(calls, 1, "every mark in one round trip");
    }

    /// Whether a refresh with rotation keeps `origin_jti` is not documented: a sign-in revoked
    /// under its guest and `auth_time` refuses a token of another `origin_jti` from it too.
    #[tokio::test]
    async fn a_sign_in_revoked_under_its_auth_time_refuses_every_generation() {
        let mark = vec![json!({"pk": format!("SIGNIN#{SUB}#{AUTH_TIME}")})];
        let (body, _) = with_marks(mark, NOW - 60).await;
        assert_eq!(body["error_code"], "INVALID_TOKEN");
    }

    #[tokio::test]
    async fn after_a_global_sign_out_tokens_issued_until_then_are_refused_and_later_ones_served() {
        let signed_out =
            |at: i64| vec![json!({"pk": format!("SIGNEDOUT#{SUB}"), "signed_out_at": at})];
        // Issued before the sign-out, and in the same second (it may predate it): refused.
        for iat in [NOW - 600, NOW - 60] {
            let (body, _) = with_marks(signed_out(NOW - 60), iat).await;
            assert_eq!(body["error_code"], "INVALID_TOKEN", "iat {iat}");
        }
        // A sign-in after it: served.
        let (body, _) = with_marks(signed_out(NOW - 60), NOW - 59).await;
        assert_eq!(body["success"], true, "{body}");
        // Neither mark: served.
        let (body, _) = with_marks(vec![], NOW - 60).await;
        assert_eq!(body["success"], true, "{body}");
    }
}
