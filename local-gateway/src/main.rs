//! A local AgentCore Gateway: MCP over Streamable HTTP on a loopback port, in front of the
//! functions that `cargo lambda watch` runs. Started by the local stack; on its own:
//!
//! ```sh
//! local-gateway --lambda-endpoint http://127.0.0.1:9000 \
//!   --targets infra/agentcore/gateway-targets.json [--interceptor guest-token-interceptor] [--port 0] \
//!   [--protocol infra/agentcore/gateway-protocol.json]
//! ```
//!
//! `--headers-arrive-empty` plays the reported alternative to AWS's documented header
//! propagation: without an interceptor, allowlisted headers reach the target as an empty map.
//!
//! `--protocol` names a `ProtocolConfiguration` (the checked-in one when left out): the MCP
//! revisions its `SupportedVersions` lists are served, any other refused.
//!
//! It prints `MCP endpoint: http://127.0.0.1:<port>/mcp` once it listens. A target AWS would
//! refuse (a restricted header, more than ten) stops it at start with AWS's reason.

mod gateway;
mod lambda;
mod protocol;
mod targets;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};

use gateway::Gateway;
use lambda::Lambda;

/// The Gateway's own path: `https://{id}.gateway.bedrock-agentcore.{region}.amazonaws.com/mcp`.
const MCP_PATH: &str = "/mcp";

struct Args {
    port: u16,
    lambda_endpoint: String,
    targets: PathBuf,
    protocol: Option<PathBuf>,
    interceptor: Option<String>,
    gateway_id: String,
    timeout: Duration,
    headers_arrive_empty: bool,
}

fn args() -> Result<Args, String> {
    let mut out = Args {
        port: 0,
        lambda_endpoint: String::new(),
        targets: PathBuf::from("infra/agentcore/gateway-targets.json"),
        protocol: None,
        interceptor: None,
        gateway_id: "local-gateway".to_owned(),
        timeout: Duration::from_secs(10),
        headers_arrive_empty: false,
    };
    let mut argv = std::env::args().skip(1);
    while let Some(flag) = argv.next() {
        let mut value = || argv.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => out.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--lambda-endpoint" => out.lambda_endpoint = value()?,
            "--targets" => out.targets = PathBuf::from(value()?),
            "--protocol" => out.protocol = Some(PathBuf::from(value()?)),
            "--interceptor" => out.interceptor = Some(value()?),
            "--gateway-id" => out.gateway_id = value()?,
            "--headers-arrive-empty" => out.headers_arrive_empty = true,
            "--timeout-seconds" => {
                out.timeout = Duration::from_secs(
                    value()?
                        .parse()
                        .map_err(|e| format!("--timeout-seconds: {e}"))?,
                )
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if out.lambda_endpoint.is_empty() {
        return Err("--lambda-endpoint is required (cargo lambda watch's invoke address)".into());
    }
    Ok(out)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = args()?;
    let targets = match targets::load(&args.targets) {
        Ok(targets) => targets,
        Err(err) => {
            eprintln!("local-gateway: {err}");
            std::process::exit(2);
        }
    };
    let versions = match protocol::load(args.protocol.as_deref()) {
        Ok(versions) => versions,
        Err(err) => {
            eprintln!("local-gateway: {err}");
            std::process::exit(2);
        }
    };
    let gateway = Gateway {
        id: args.gateway_id,
        targets: Arc::new(targets),
        lambda: Lambda::new(&args.lambda_endpoint, args.timeout),
        interceptor: args.interceptor,
        requests: Arc::default(),
        versions: versions.into(),
        headers_arrive_empty: args.headers_arrive_empty,
    };
    let service = StreamableHttpService::new(
        move || Ok(gateway.clone()),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default(),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
    println!("MCP endpoint: http://{}{MCP_PATH}", listener.local_addr()?);
    let handler = move |request: loopback_http::Request| {
        let service = service.clone();
        async move {
            if request.uri().path() == MCP_PATH {
                service.handle(request).await
            } else {
                loopback_http::respond(http::StatusCode::NOT_FOUND, "text/plain", "Not Found")
            }
        }
    };
    tokio::select! {
        () = loopback_http::serve(listener, handler) => Ok(()),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}
