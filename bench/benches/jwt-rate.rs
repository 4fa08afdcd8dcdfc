//! JWT verification against its anchors, one core each: our verifier, awslabs' aws-jwt-verify on
//! Node.js (same tokens, same JWKS), the raw RSA-2048 verify rate of `openssl speed` and aws-lc's
//! bare RSA check of the same tokens (the verifier's own crypto), taken in
//! turn for a number of rounds. Prints each ratio's min / median / max over the rounds; writes
//! every round to `target/bench/jwt-rate.json`.
//!
//! Usage: jwt-rate [--rounds N] [--seconds S]   (defaults 10 and 2; needs `node` and
//! `bench/node/node_modules`; scripts/bench)

use std::process::Command;
use std::time::{Duration, Instant};

use aws_lc_rs::digest::{Digest, SHA256, digest};
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use booking_auth::jwt::{JwtVerifier, TokenUse};
use booking_auth_testing::{
    CLIENT_ID, POOL_ID, StaticJwks, TestKey, access_claims, cognito_config, jwt_config,
};
use booking_bench::{Error, arg, median, quantile, results_dir, workspace_root, write_results};
use serde_json::json;

/// Distinct tokens cycled through, more than the verified-token cache holds, so every call of the
/// first-seen measurement pays for the signature check.
const DISTINCT_TOKENS: usize = 1000;

fn main() -> Result<(), Error> {
    let seconds: u64 = arg("--seconds", 2)?;
    let rounds = arg("--rounds", 10)? as usize;
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

    // Batches of 100 inside one task, as a function verifies inside its invocation's task: the
    // runtime's entry (`block_on`) is paid per batch, not per token.
    let rate = |pick: &dyn Fn(usize) -> usize| -> Result<f64, Error> {
        let start = Instant::now();
        let mut n = 0;
        while start.elapsed() < budget {
            n = rt.block_on(async {
                for _ in 0..100 {
                    verifier.verify(&tokens[pick(n)], TokenUse::Access).await?;
                    n += 1;
                }
                Ok::<usize, booking_auth::AuthError>(n)
            })?;
        }
        Ok(n as f64 / start.elapsed().as_secs_f64())
    };
    rate(&|n| n % DISTINCT_TOKENS)?; // warm-up pass over the whole set

    // aws-lc's bare RSA check of the same tokens, digest and signature prepared beforehand: what
    // `openssl speed` measures, done by the library the verifier uses.
    let public = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key.public_der())?;
    let prepared: Vec<(Digest, Vec<u8>)> = tokens
        .iter()
        .map(|t| {
            let (signed, signature) = t.rsplit_once('.').unwrap_or_default();
            let signature = URL_SAFE_NO_PAD.decode(signature).unwrap_or_default();
            (digest(&SHA256, signed.as_bytes()), signature)
        })
        .collect();
    let raw_rate = || -> Result<f64, Error> {
        let start = Instant::now();
        let mut n = 0;
        while start.elapsed() < budget {
            for _ in 0..100 {
                let (digest, signature) = &prepared[n % DISTINCT_TOKENS];
                public
                    .verify_digest_sig(digest, signature)
                    .map_err(|_| "a prepared signature did not verify")?;
                n += 1;
            }
        }
        Ok(n as f64 / start.elapsed().as_secs_f64())
    };

    // Speed drifts on a shared VM between back-to-back measurements, so the three are taken in
    // turn, round after round (openssl, ours, aws-jwt-verify, openssl, …), and each round's ratios
    // compare neighbours.
    let node_dir = workspace_root().join("bench/node");
    let mut rounds_out = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let openssl = openssl_rate(seconds)?;
        let aws_lc = raw_rate()?;
        let first = rate(&|n| n % DISTINCT_TOKENS)?;
        let repeated = rate(&|_| 0)?;
        let node = node_rate(&node_dir, &dir, seconds)?;
        rounds_out.push(Round {
            openssl,
            aws_lc,
            first,
            repeated,
            node,
        });
    }
    let spread = |f: &dyn Fn(&Round) -> f64| {
        let values: Vec<f64> = rounds_out.iter().map(f).collect();
        json!({"min": quantile(&values, 0.0), "median": median(&values), "max": quantile(&values, 1.0), "rounds": values})
    };
    let first_vs_openssl = spread(&|r| r.first / r.openssl);
    let first_vs_aws_lc = spread(&|r| r.first / r.aws_lc);
    let aws_lc_vs_openssl = spread(&|r| r.aws_lc / r.openssl);
    let first_vs_node = spread(&|r| r.first / r.node);
    let repeated_vs_node = spread(&|r| r.repeated / r.node);
    let node_vs_openssl = spread(&|r| r.node / r.openssl);

    let openssl_version = Command::new("openssl").arg("version").output()?;
    let node_version = Command::new("node").arg("--version").output()?;
    let result = json!({
        "rounds": rounds,
        "seconds_per_measurement": seconds,
        "openssl_version": String::from_utf8_lossy(&openssl_version.stdout).trim(),
        "node_version": String::from_utf8_lossy(&node_version.stdout).trim(),
        "per_second_median": {
            "openssl_speed_rsa2048_verify": median(&rounds_out.iter().map(|r| r.openssl).collect::<Vec<_>>()),
            "aws_lc_rsa2048_verify": median(&rounds_out.iter().map(|r| r.aws_lc).collect::<Vec<_>>()),
            "ours_first_seen": median(&rounds_out.iter().map(|r| r.first).collect::<Vec<_>>()),
            "ours_repeated_token": median(&rounds_out.iter().map(|r| r.repeated).collect::<Vec<_>>()),
            "aws_jwt_verify": median(&rounds_out.iter().map(|r| r.node).collect::<Vec<_>>()),
        },
        "ratios_per_round": {
            "ours_first_seen_vs_openssl": first_vs_openssl,
            "ours_first_seen_vs_aws_lc_rsa": first_vs_aws_lc,
            "aws_lc_rsa_vs_openssl": aws_lc_vs_openssl,
            "ours_first_seen_vs_aws_jwt_verify": first_vs_node,
            "ours_repeated_vs_aws_jwt_verify": repeated_vs_node,
            "aws_jwt_verify_vs_openssl": node_vs_openssl,
        },
    });
    write_results("jwt-rate", &result)?;

    println!(
        "JWT verification, RS256 2048-bit, one core: {rounds} rounds of openssl, aws-lc, ours, aws-jwt-verify (Node {}), {seconds} s each",
        String::from_utf8_lossy(&node_version.stdout).trim()
    );
    println!("  ratio per round                          min  median     max");
    for (name, ratio) in [
        ("ours first-seen / openssl speed", &first_vs_openssl),
        ("ours first-seen / aws-lc RSA alone", &first_vs_aws_lc),
        ("aws-lc RSA alone / openssl speed", &aws_lc_vs_openssl),
        ("ours first-seen / aws-jwt-verify", &first_vs_node),
        ("ours repeated / aws-jwt-verify", &repeated_vs_node),
        ("aws-jwt-verify / openssl speed", &node_vs_openssl),
    ] {
        println!(
            "  {name:<36} {:>7.2} {:>7.2} {:>7.2}",
            ratio["min"].as_f64().unwrap_or(f64::NAN),
            ratio["median"].as_f64().unwrap_or(f64::NAN),
            ratio["max"].as_f64().unwrap_or(f64::NAN)
        );
    }
    Ok(())
}

/// One round's rates, verifications per second.
struct Round {
    openssl: f64,
    /// aws-lc's bare RSA check, as the verifier makes it.
    aws_lc: f64,
    first: f64,
    repeated: f64,
    node: f64,
}

/// The raw RSA-2048 verify rate of `openssl speed` over `seconds`.
fn openssl_rate(seconds: u64) -> Result<f64, Error> {
    let openssl = Command::new("openssl")
        .args(["speed", "-seconds", &seconds.to_string(), "rsa2048"])
        .output()?;
    let text = String::from_utf8_lossy(&openssl.stdout);
    text.lines()
        .find(|l| l.starts_with("rsa 2048 bits") || l.starts_with("rsa  2048 bits"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no rsa 2048 line in openssl speed output:\n{text}").into())
}

/// aws-jwt-verify's rate over `seconds`, on the tokens and JWKS written to `dir`.
fn node_rate(
    node_dir: &std::path::Path,
    dir: &std::path::Path,
    seconds: u64,
) -> Result<f64, Error> {
    let node = Command::new("node")
        .current_dir(node_dir)
        .arg("jwt-rate.mjs")
        .arg(dir)
        .arg(seconds.to_string())
        .output()?;
    if !node.status.success() {
        return Err(format!(
            "node jwt-rate.mjs failed: {}",
            String::from_utf8_lossy(&node.stderr)
        )
        .into());
    }
    let out: serde_json::Value = serde_json::from_slice(&node.stdout)?;
    out["per_second"]
        .as_f64()
        .ok_or_else(|| "node printed no rate".into())
}

/// The verifier as a function runs it: default settings, the verified-token cache on.
fn jwt_config_default() -> booking_auth::config::JwtConfig {
    let mut jwt = jwt_config();
    jwt.verified_cache_size = 256;
    jwt
}
