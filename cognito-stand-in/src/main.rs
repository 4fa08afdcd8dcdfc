//! `cognito-stand-in`: run the local Cognito stand-in on a loopback port.
//!
//! Settings come from the environment (all optional): `STANDIN_PORT` (0 picks a free port),
//! `STANDIN_USER_POOL_ID`, `STANDIN_CLIENT_ID`, `STANDIN_CLIENT_SECRET`, `STANDIN_REGION`,
//! `STANDIN_SESSION_VALIDITY_SECONDS`, `STANDIN_REFRESH_ROTATION` (`true`/`false`),
//! `STANDIN_ISSUER_FORMAT` (`original`, the default, or `updated`), `STANDIN_KEYS_FILE` (the two
//! signing keys kept in this JSON file, created on first start, so a restart keeps tokens valid),
//! `STANDIN_PREVENT_USER_EXISTENCE_ERRORS` (`ENABLED`, the console's default, or `LEGACY`).
//! The first line on stdout is `listening on http://127.0.0.1:<port>`.

use std::sync::Arc;

use cognito_stand_in::{PoolKeys, Settings, StandIn, serve};

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn settings() -> Result<Settings, String> {
    let mut s = Settings::default();
    let parse = |name: &str, raw: String| raw.parse::<u64>().map_err(|e| format!("{name}: {e}"));
    if let Some(v) = var("STANDIN_USER_POOL_ID") {
        s.user_pool_id = v;
    }
    if let Some(v) = var("STANDIN_CLIENT_ID") {
        s.client_id = v;
    }
    s.client_secret = var("STANDIN_CLIENT_SECRET");
    if let Some(v) = var("STANDIN_REGION") {
        s.region = v;
    }
    if let Some(v) = var("STANDIN_SESSION_VALIDITY_SECONDS") {
        s.session_validity_seconds = parse("STANDIN_SESSION_VALIDITY_SECONDS", v)?;
    }
    if let Some(v) = var("STANDIN_REFRESH_ROTATION") {
        s.refresh_rotation = v.eq_ignore_ascii_case("true");
    }
    if let Some(v) = var("STANDIN_ISSUER_FORMAT") {
        s.issuer_format = serde_json::from_value(serde_json::Value::String(v.to_ascii_lowercase()))
            .map_err(|_| {
                format!("STANDIN_ISSUER_FORMAT: expected original or updated, got {v:?}")
            })?;
    }
    if let Some(v) = var("STANDIN_PREVENT_USER_EXISTENCE_ERRORS") {
        s.prevent_user_existence_errors = serde_json::from_value(serde_json::Value::String(
            v.to_ascii_uppercase(),
        ))
        .map_err(|_| {
            format!("STANDIN_PREVENT_USER_EXISTENCE_ERRORS: expected ENABLED or LEGACY, got {v:?}")
        })?;
    }
    Ok(s)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let settings = settings()?;
    let port: u16 = var("STANDIN_PORT")
        .map(|p| p.parse())
        .transpose()?
        .unwrap_or(0);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let address = listener.local_addr()?;
    let keys = match var("STANDIN_KEYS_FILE") {
        Some(path) => PoolKeys::load_or_create(std::path::Path::new(&path))?,
        None => PoolKeys::generate()?,
    };
    let standin = Arc::new(StandIn::with_keys(
        settings,
        &format!("http://{address}"),
        keys,
    )?);
    println!("listening on http://{address}");
    println!("issuer {}", standin.issuer());
    println!("jwks {}", standin.jwks_uri());
    tokio::select! {
        _ = serve(listener, standin) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
