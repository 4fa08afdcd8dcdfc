//! `local-runtime`: the front door and Identity Pool on their own, for a stack started by hand.
//!
//! ```sh
//! local-runtime --user-pool-url http://127.0.0.1:<stand-in port> --user-pool eu-west-1_LocalPool1 \
//!   --client-id <app client> --agent-url http://127.0.0.1:8080 [--port 0] [--allow-header NAME]… \
//!   [--no-runtime-cors]
//! ```
//!
//! Without `--allow-header` the allowlist is the deployed one (infra/agentcore/agent-runtime.json).
//!
//! It prints `{"endpoint": …, "region": …, "identity_pool_id": …, "runtime_arn": …, "guest_role": …,
//! "signed_in_role": …, "user_pool_provider": …}` once it listens: what a deployed stack's outputs
//! give the page.

use std::sync::Arc;

use local_runtime::{Config, LocalRuntime, UserPoolProvider, config};

fn flag(args: &[String], name: &str) -> Option<String> {
    args.windows(2).find(|w| w[0] == name).map(|w| w[1].clone())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt().init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(url), Some(pool), Some(client_id), Some(agent_url)) = (
        flag(&args, "--user-pool-url"),
        flag(&args, "--user-pool"),
        flag(&args, "--client-id"),
        flag(&args, "--agent-url"),
    ) else {
        eprintln!(
            "usage: local-runtime --user-pool-url URL --user-pool ID --client-id ID --agent-url URL [--port N] [--allow-header NAME]… [--no-runtime-cors]"
        );
        return std::process::ExitCode::from(2);
    };
    let region = pool.split('_').next().unwrap_or("eu-west-1").to_owned();
    let provider = UserPoolProvider {
        name: format!("cognito-idp.{region}.amazonaws.com/{pool}"),
        issuer: format!("https://cognito-idp.{region}.amazonaws.com/{pool}"),
        jwks_url: format!("{}/{pool}/.well-known/jwks.json", url.trim_end_matches('/')),
        client_id,
    };
    let mut headers: Vec<String> = args
        .windows(2)
        .filter(|w| w[0] == "--allow-header")
        .map(|w| w[1].clone())
        .collect();
    if headers.is_empty() {
        headers = match config::deployed_header_allowlist() {
            Ok(headers) => headers,
            Err(e) => {
                eprintln!("infra/agentcore/agent-runtime.json: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
    }
    let port: u16 = flag(&args, "--port")
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let mut config = Config::local(provider, agent_url, headers);
    // Play AgentCore's data plane refusing browsers (scripts/conformance --alternatives).
    config.runtime_cors = !args.iter().any(|a| a == "--no-runtime-cors");
    let runtime = match LocalRuntime::new(config) {
        Ok(runtime) => Arc::new(runtime),
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let endpoint = listener
        .local_addr()
        .map(|a| format!("http://{a}"))
        .unwrap_or_default();
    let c = &runtime.config;
    println!(
        "{}",
        serde_json::json!({"endpoint": endpoint, "region": c.region, "identity_pool_id": c.identity_pool_id,
            "runtime_arn": c.runtime_arn, "guest_role": c.guest_role, "signed_in_role": c.signed_in_role,
            "user_pool_provider": c.provider.name})
    );
    tokio::select! {
        () = local_runtime::serve(listener, runtime.clone()) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    std::process::ExitCode::SUCCESS
}
