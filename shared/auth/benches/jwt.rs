//! JWT verification with a warm JWKS: the per-call cost of `JwtVerifier::verify`, for a token seen
//! for the first time (the RSA check) and for a repeated one (the verified-token cache), beside the
//! bare aws-lc RSA check of the same token: the floor, so the difference is our own overhead.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use booking_auth::jwt::{JwtVerifier, TokenUse};
use booking_auth_testing::{
    StaticJwks, TestKey, access_claims, cognito_config, id_claims, jwt_config,
};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const SUB: &str = "0b5e1c2a-7d3f-4e8a-9c6b-1f2e3d4c5b6a";

fn verifier(key: &TestKey, cache_size: usize) -> JwtVerifier {
    let mut jwt = jwt_config();
    jwt.verified_cache_size = cache_size;
    JwtVerifier::new(&cognito_config(), &jwt, StaticJwks::new(&[key]))
}

fn jwt(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let key = TestKey::generate("bench-key");
    let access = key.sign(&access_claims(SUB));
    let id = key.sign(&id_claims(SUB, "guest@example.com"));
    // Cache off: every call pays for the signature check, as a token's first call does.
    let fresh = verifier(&key, 0);
    let cached = verifier(&key, 256);
    for v in [&fresh, &cached] {
        // Warm the JWKS (and, for `cached`, remember both tokens) so only verification is timed.
        rt.block_on(v.verify(&access, TokenUse::Access)).unwrap();
        rt.block_on(v.verify(&id, TokenUse::Id)).unwrap();
    }

    let mut group = c.benchmark_group("jwt_verify");
    for (name, token, expected) in [
        ("access", &access, TokenUse::Access),
        ("id", &id, TokenUse::Id),
    ] {
        group.bench_function(format!("{name}_first_seen"), |b| {
            b.iter(|| {
                rt.block_on(fresh.verify(black_box(token), expected))
                    .unwrap()
            })
        });
        group.bench_function(format!("{name}_repeated"), |b| {
            b.iter(|| {
                rt.block_on(cached.verify(black_box(token), expected))
                    .unwrap()
            })
        });
    }
    // The RSA check alone, with the key parsed and the signature decoded beforehand.
    let public = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key.public_der()).unwrap();
    let (signing_input, signature) = access.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    group.bench_function("access_rsa_only", |b| {
        b.iter(|| {
            public
                .verify_sig(black_box(signing_input.as_bytes()), &signature)
                .unwrap()
        })
    });
    // The same with the digest made beforehand: what `openssl speed` times. The verifier hashes
    // the token once for its cache key and this check together.
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, signing_input.as_bytes());
    group.bench_function("access_rsa_digest_only", |b| {
        b.iter(|| {
            public
                .verify_digest_sig(black_box(&digest), &signature)
                .unwrap()
        })
    });
    group.finish();

    // Where a first-seen verification's own time goes beyond the RSA check, step by step.
    let (header, rest) = access.split_once('.').unwrap();
    let (payload, signature_segment) = rest.split_once('.').unwrap();
    let payload_bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
    let mut parts = c.benchmark_group("jwt_parts");
    parts.bench_function("sha256_whole_token", |b| {
        b.iter(|| {
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, black_box(access.as_bytes()))
        })
    });
    parts.bench_function("sha256_signature_segment", |b| {
        b.iter(|| {
            aws_lc_rs::digest::digest(
                &aws_lc_rs::digest::SHA256,
                black_box(signature_segment.as_bytes()),
            )
        })
    });
    parts.bench_function("base64_header", |b| {
        b.iter(|| URL_SAFE_NO_PAD.decode(black_box(header)).unwrap())
    });
    parts.bench_function("base64_payload", |b| {
        b.iter(|| URL_SAFE_NO_PAD.decode(black_box(payload)).unwrap())
    });
    parts.bench_function("base64_signature", |b| {
        b.iter(|| {
            URL_SAFE_NO_PAD
                .decode(black_box(signature_segment))
                .unwrap()
        })
    });
    parts.bench_function("json_claims", |b| {
        b.iter(|| {
            serde_json::from_slice::<booking_auth::jwt::Claims>(black_box(&payload_bytes)).unwrap()
        })
    });
    parts.bench_function("block_on_ready", |b| {
        b.iter(|| rt.block_on(async { black_box(1) }))
    });
    parts.finish();
}

criterion_group!(benches, jwt);
criterion_main!(benches);
