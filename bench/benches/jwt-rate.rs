//! JWT verification against its anchors, in one run, one core each: our verifier, awslabs'
//! aws-jwt-verify on Node.js (same tokens, same JWKS), and the raw RSA-2048 verify rate of
//! `openssl speed`. Prints verifications per second and the ratios; writes
//! `target/bench/jwt-rate.json`.
//!
//! Usage: jwt-rate [--seconds S]   (needs `node` and `bench/node/node_modules`; scripts/bench)

use std::process::Command;
use std::time::{Duration, Instant};

use booking_auth::jwt::{JwtVerifier, TokenUse};
use booking_auth_testing::{
    CLIENT_ID, POOL_ID, StaticJwks, TestKey, access_claims, cognito_config, jwt_config,
};
use booking_bench::{Error, arg, results_dir, workspace_root, write_results};
use serde_json::json;

/// Distinct tokens cycled through, more than the verified-token cache holds, so every call of the
/// first-seen measurement pays for the signature check.
const DISTINCT_TOKENS: usize = 1000;

fn main() -> Result<(), Error> {
    let seconds: u64 = arg("--seconds", 5)?;
    let budget = Duration::from_secs(seconds);
    let key = TestKey::generate("bench-key");
    let tokens: Vec<String> = (0..DISTINCT_TOKENS)
        .map(|i| {
            let mut claims = access_claims("0b5e1c2a-7d3f-4e8a-9c6b-1f2e3d4c5b6a");
            claims["jti"] = json!(format!("jti-{i}"));
            key.sign(&claims)
        })
        .collect();
    let dir = results_dir()?.join("jwt");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("jwks.json"),
        json!({"keys": [key.jwk()]}).to_string(),
    )?;
    std::fs::write(
        dir.join("tokens.json"),
        json!({"user_pool_id": POOL_ID, "client_id": CLIENT_ID, "tokens": tokens}).to_string(),
    )?;

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let verifier = JwtVerifier::new(
        &cognito_config(),
        &jwt_config_default(),
        StaticJwks::new(&[&key]),
    );
    // Every token must verify and a tampered one must not, or the rates mean nothing.
    for t in &tokens {
        rt.block_on(verifier.verify(t, TokenUse::Access))?;
    }
    let tampered = format!("{}x", &tokens[0][..tokens[0].len() - 1]);
    if rt
        .block_on(verifier.verify(&tampered, TokenUse::Access))
        .is_ok()
    {
        return Err("a tampered token verified".into());
    }

    let rate = |pick: &dyn Fn(usize) -> usize| -> Result<f64, Error> {
        let start = Instant::now();
        let mut n = 0;
        while start.elapsed() < budget {
            for _ in 0..100 {
                rt.block_on(verifier.verify(&tokens[pick(n)], TokenUse::Access))?;
                n += 1;
            }
        }
        Ok(n as f64 / start.elapsed().as_secs_f64())
    };
    rate(&|n| n % DISTINCT_TOKENS)?; // warm-up pass over the whole set
    let ours_first = rate(&|n| n % DISTINCT_TOKENS)?;
    let ours_repeat = rate(&|_| 0)?;

    let node_dir = workspace_root().join("bench/node");
    let node = Command::new("node")
        .current_dir(&node_dir)
        .arg("jwt-rate.mjs")
        .arg(&dir)
        .arg(seconds.to_string())
        .output()?;
    if !node.status.success() {
        return Err(format!(
            "node jwt-rate.mjs failed: {}",
            String::from_utf8_lossy(&node.stderr)
        )
        .into());
    }
    let node_out: serde_json::Value = serde_json::from_slice(&node.stdout)?;
    let aws_jwt_verify = node_out["per_second"]
        .as_f64()
        .ok_or("node printed no rate")?;

    let openssl = Command::new("openssl")
        .args(["speed", "-seconds", &seconds.to_string(), "rsa2048"])
        .output()?;
    let openssl_text = String::from_utf8_lossy(&openssl.stdout);
    let openssl_verify: f64 = openssl_text
        .lines()
        .find(|l| l.starts_with("rsa 2048 bits") || l.starts_with("rsa  2048 bits"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no rsa 2048 line in openssl speed output:\n{openssl_text}"))?;

    let openssl_version = Command::new("openssl").arg("version").output()?;
    let node_version = Command::new("node").arg("--version").output()?;
    let result = json!({
        "seconds_per_measurement": seconds,
        "openssl_version": String::from_utf8_lossy(&openssl_version.stdout).trim(),
        "node_version": String::from_utf8_lossy(&node_version.stdout).trim(),
        "per_second": {
            "openssl_speed_rsa2048_verify": openssl_verify,
            "ours_first_seen": ours_first,
            "ours_repeated_token": ours_repeat,
            "aws_jwt_verify": aws_jwt_verify,
        },
        "ratios": {
            "ours_first_seen_vs_openssl": ours_first / openssl_verify,
            "ours_first_seen_vs_aws_jwt_verify": ours_first / aws_jwt_verify,
            "aws_jwt_verify_vs_openssl": aws_jwt_verify / openssl_verify,
            "ours_repeated_vs_aws_jwt_verify": ours_repeat / aws_jwt_verify,
        },
    });
    write_results("jwt-rate", &result)?;

    println!("JWT verification, RS256 2048-bit, one core, verifications per second");
    println!("  openssl speed rsa2048 (raw verify) {openssl_verify:>12.0}");
    println!(
        "  ours, first-seen token             {ours_first:>12.0}  {:.2}x openssl, {:.2}x aws-jwt-verify",
        ours_first / openssl_verify,
        ours_first / aws_jwt_verify
    );
    println!(
        "  aws-jwt-verify (Node {})       {aws_jwt_verify:>12.0}  {:.2}x openssl",
        String::from_utf8_lossy(&node_version.stdout).trim(),
        aws_jwt_verify / openssl_verify
    );
    println!(
        "  ours, repeated token (cache hit)   {ours_repeat:>12.0}  {:.1}x aws-jwt-verify",
        ours_repeat / aws_jwt_verify
    );
    Ok(())
}

/// The verifier as a function runs it: default settings, the verified-token cache on.
fn jwt_config_default() -> booking_auth::config::JwtConfig {
    let mut jwt = jwt_config();
    jwt.verified_cache_size = 256;
    jwt
}
