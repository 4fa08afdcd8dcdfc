//! The whole `get_my_reservations` request path with every upstream answered in memory: the
//! protocol, JWT verification (first-seen and repeated token), the two DynamoDB calls through the
//! real SDK client with a mocked transport, and the rendered answer.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use aws_sdk_dynamodb::Client as DynamoClient;
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use booking_auth::aws::guests::GuestStore;
use booking_auth::aws::reservations::ReservationStore;
use booking_auth::jwt::JwtVerifier;
use booking_auth_testing::{
    StaticJwks, TestKey, access_claims, cognito_config, fixture_envelope_config,
    fixture_invocation, item, jwt_config, route_blocking,
};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use reservations::GetMyReservations;
use serde_json::json;

const SUB: &str = "0b5e1c2a-7d3f-4e8a-9c6b-1f2e3d4c5b6a";
const TOKEN_PLACEHOLDER: &str = "REPLACE_WITH_ACCESS_TOKEN";

/// The reservations tool over a DynamoDB client whose transport answers in memory, every time.
fn reservations_tool(key: &TestKey, verified_cache_size: usize) -> GetMyReservations {
    let guest = mock!(DynamoClient::get_item)
        .sequence()
        .output(|| {
            GetItemOutput::builder()
                .set_item(Some(item(json!({"pk": format!("SUB#{SUB}"), "cognito_sub": SUB, "guest_id": "GST-2026-7K2Q9X", "email": "guest@example.com", "created_at": 1}))))
                .build()
        })
        .repeatedly()
        .build();
    let rows = mock!(DynamoClient::query)
        .sequence()
        .output(|| {
            QueryOutput::builder()
                .items(item(json!({"cognito_sub": SUB, "stay_key": "2027-03-15#RES-2", "reservation_id": "RES-2", "property_name": "Harbour View", "room_type": "Double", "check_in": "2027-03-15", "check_out": "2027-03-20", "status": "confirmed", "guests": 2, "total_amount": "840.00", "currency": "EUR"})))
                .items(item(json!({"cognito_sub": SUB, "stay_key": "2026-08-01#RES-1", "reservation_id": "RES-1", "property_name": "Harbour View", "check_in": "2026-08-01", "check_out": "2026-08-03", "status": "completed"})))
                .build()
        })
        .repeatedly()
        .build();
    let dynamodb = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&guest, &rows]);
    let mut jwt = jwt_config();
    jwt.verified_cache_size = verified_cache_size;
    GetMyReservations {
        verifier: JwtVerifier::new(&cognito_config(), &jwt, StaticJwks::new(&[key])),
        revocations: None,
        guests: GuestStore::new(dynamodb.clone(), "guests".into()),
        reservations: ReservationStore::new(dynamodb, "reservations".into()),
        clock: booking_auth::domain::clock::system_clock,
    }
}

fn reservations(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = fixture_envelope_config();
    let key = TestKey::generate("bench-key");
    let token = key.sign(&access_claims(SUB));
    let mut group = c.benchmark_group("get_my_reservations");
    for (label, cache) in [("repeated_token", 256), ("first_seen_token", 0)] {
        let tool = reservations_tool(&key, cache);
        for kind in ["gateway", "http"] {
            let invocation =
                fixture_invocation("reservations", kind, &[(TOKEN_PLACEHOLDER, &token)]);
            // One call outside the timing: loads the JWKS and checks the answer is the real one.
            let out = route_blocking(&rt, &tool, &config, invocation.clone());
            assert!(out.to_string().contains("RES-2"), "{out}");
            group.bench_function(format!("{kind}_{label}"), |b| {
                b.iter_batched(
                    || invocation.clone(),
                    |i| route_blocking(&rt, &tool, &config, i),
                    BatchSize::SmallInput,
                )
            });
        }
    }
    group.finish();
}

criterion_group!(benches, reservations);
criterion_main!(benches);
