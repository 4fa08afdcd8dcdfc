//! Our own overhead per request in front of any tool: the protocol of each caller kind (routing,
//! argument decoding, rendering) around a tool that does nothing, and error mapping. The whole
//! `get_my_reservations` path is benchmarked beside its tool (`functions/reservations/benches`).
#![allow(clippy::expect_used, clippy::unwrap_used)]

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::ErrorMetadata;
use booking_auth::AuthError;
use booking_auth::aws::upstream::Fault;
use booking_auth::contract::failure::{failure_value, http_status};
use booking_auth::contract::{GetMyReservationsContract, ReservationsArgs, ReservationsResult};
use booking_auth::domain::error::TokenRejection;
use booking_auth::invoke::{CallContext, Tool};
use booking_auth_testing::{
    CALLER_KINDS, TestKey, access_claims, fixture_envelope_config, fixture_invocation,
    route_blocking,
};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const SUB: &str = "0b5e1c2a-7d3f-4e8a-9c6b-1f2e3d4c5b6a";
const TOKEN_PLACEHOLDER: &str = "REPLACE_WITH_ACCESS_TOKEN";

/// A tool that does nothing, so only the protocol is timed.
struct Echo;

impl Tool for Echo {
    type Contract = GetMyReservationsContract;

    async fn call(
        &self,
        _: ReservationsArgs,
        _: &CallContext,
    ) -> Result<ReservationsResult, AuthError> {
        Ok(ReservationsResult {
            success: true,
            guest_id: None,
            reservations: Vec::new(),
            next_token: None,
        })
    }
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
                |i| route_blocking(&rt, &Echo, &config, i),
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
            |err| failure_value(&Fault::from_sdk(black_box(&err)).into_error("Query")),
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
                black_box((failure_value(e), http_status(e)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, envelopes, error_mapping);
criterion_main!(benches);
