//! Our own overhead per request, with every upstream answered in memory: the envelope for each
//! caller kind, error mapping, and the whole `get_my_reservations` path (envelope, JWT, the two
//! DynamoDB calls through the real SDK client with a mocked transport, the rendered answer).
#![allow(clippy::expect_used, clippy::unwrap_used)]

use aws_sdk_dynamodb::Client as DynamoClient;
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::ErrorMetadata;
use booking_auth::AuthError;
use booking_auth::contracts::{ReservationsArgs, ReservationsResult};
use booking_auth::envelope::{CallContext, EnvelopeConfig, Invocation, Tool, dispatch};
use booking_auth::error::TokenRejection;
use booking_auth::guests::GuestStore;
use booking_auth::jwt::JwtVerifier;
use booking_auth::my_reservations::GetMyReservations;
use booking_auth::reservations::ReservationStore;
use booking_auth::testing::{
    CALLER_KINDS, StaticJwks, TestKey, access_claims, cognito_config, fixture_envelope_config,
    fixture_invocation, item, jwt_config,
};
use booking_auth::upstream::Fault;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde_json::json;
use std::hint::black_box;

const SUB: &str = "0b5e1c2a-7d3f-4e8a-9c6b-1f2e3d4c5b6a";
const TOKEN_PLACEHOLDER: &str = "REPLACE_WITH_ACCESS_TOKEN";

/// A tool that does nothing, so only the envelope is timed.
struct Echo;

impl Tool for Echo {
    const NAME: &'static str = booking_auth::contracts::tool_names::GET_MY_RESERVATIONS;
    const HTTP_GET: bool = true;
    type Args = ReservationsArgs;
    type Output = ReservationsResult;

    async fn call(
        &self,
        _: ReservationsArgs,
        _: &CallContext,
    ) -> Result<ReservationsResult, AuthError> {
        Ok(ReservationsResult {
            success: true,
            guest_id: None,
            reservations: Vec::new(),
        })
    }
}

fn run<T: Tool>(
    rt: &tokio::runtime::Runtime,
    tool: &T,
    config: &EnvelopeConfig,
    invocation: Invocation,
) -> serde_json::Value {
    rt.block_on(dispatch(tool, config, invocation)).unwrap()
}

fn envelopes(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = fixture_envelope_config();
    let token = TestKey::generate("bench-key").sign(&access_claims(SUB));
    let mut group = c.benchmark_group("envelope");
    for kind in CALLER_KINDS {
        let invocation = fixture_invocation("reservations", kind, &[(TOKEN_PLACEHOLDER, &token)]);
        group.bench_function(kind, |b| {
            b.iter_batched(
                || invocation.clone(),
                |i| run(&rt, &Echo, &config, i),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn error_mapping(c: &mut Criterion) {
    let mut group = c.benchmark_group("error_mapping");
    group.bench_function("sdk_throttle_to_wire", |b| {
        b.iter_batched(
            || {
                let meta = ErrorMetadata::builder()
                    .code("ThrottlingException")
                    .message("Rate exceeded")
                    .build();
                SdkError::service_error(
                    meta,
                    HttpResponse::new(400.try_into().unwrap(), SdkBody::empty()),
                )
            },
            |err| {
                Fault::from_sdk(black_box(&err))
                    .into_error("Query")
                    .to_failure()
            },
            BatchSize::SmallInput,
        )
    });
    let errors = [
        AuthError::TokenExpired,
        AuthError::InvalidToken(TokenRejection::Signature),
        AuthError::RateLimited { retry_after: 30 },
        AuthError::UpstreamUnavailable("Query: no response".into()),
    ];
    group.bench_function("auth_error_to_wire", |b| {
        b.iter(|| {
            for e in black_box(&errors) {
                black_box((e.to_failure(), e.http_status()));
            }
        })
    });
    group.finish();
}

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
            let out = run(&rt, &tool, &config, invocation.clone());
            assert!(out.to_string().contains("RES-2"), "{out}");
            group.bench_function(format!("{kind}_{label}"), |b| {
                b.iter_batched(
                    || invocation.clone(),
                    |i| run(&rt, &tool, &config, i),
                    BatchSize::SmallInput,
                )
            });
        }
    }
    group.finish();
}

criterion_group!(benches, envelopes, error_mapping, reservations);
criterion_main!(benches);
