//! A local AgentCore Gateway: MCP over Streamable HTTP on a loopback port, in front of the
//! functions that `cargo lambda watch` runs. Started by the local stack; on its own:
//!
//! ```sh
//! local-gateway --lambda-endpoint http://127.0.0.1:9000 \
//!   --targets infra/agentcore/gateway-targets.json [--interceptor guest-token-interceptor] [--port 0]
//! ```
//!
//! It prints `MCP endpoint: http://127.0.0.1:<port>/mcp` once it listens. A target AWS would
//! refuse (a restricted header, more than ten) stops it at start with AWS's reason.

mod gateway;
mod lambda;
mod targets;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::TokioIo;
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
    interceptor: Option<String>,
    gateway_id: String,
    timeout: Duration,
}

fn args() -> Result<Args, String> {
    let mut out = Args {
        port: 0,
        lambda_endpoint: String::new(),
        targets: PathBuf::from("infra/agentcore/gateway-targets.json"),
        interceptor: None,
        gateway_id: "local-gateway".to_owned(),
        timeout: Duration::from_secs(10),
    };
    let mut argv = std::env::args().skip(1);
    while let Some(flag) = argv.next() {
        let mut value = || argv.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => out.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--lambda-endpoint" => out.lambda_endpoint = value()?,
            "--targets" => out.targets = PathBuf::from(value()?),
            "--interceptor" => out.interceptor = Some(value()?),
            "--gateway-id" => out.gateway_id = value()?,
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
    let gateway = Gateway {
        id: args.gateway_id,
        targets: Arc::new(targets),
        lambda: Lambda::new(&args.lambda_endpoint, args.timeout),
        interceptor: args.interceptor,
        requests: Arc::default(),
    };
    let service = StreamableHttpService::new(
        move || Ok(gateway.clone()),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default(),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
    println!("MCP endpoint: http://{}{MCP_PATH}", listener.local_addr()?);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => accepted?,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let service = service.clone();
        tokio::spawn(async move {
            let handler =
                hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
                    let service = service.clone();
                    async move {
                        if request.uri().path() == MCP_PATH {
                            Ok::<_, std::convert::Infallible>(service.handle(request).await)
                        } else {
                            Ok(not_found())
                        }
                    }
                });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), handler)
                .await;
        });
    }
}

fn not_found()
-> http::Response<http_body_util::combinators::BoxBody<bytes::Bytes, std::convert::Infallible>> {
    use http_body_util::BodyExt;
    let mut response = http::Response::new(
        http_body_util::Full::new(bytes::Bytes::from_static(b"Not Found")).boxed(),
    );
    *response.status_mut() = http::StatusCode::NOT_FOUND;
    response
}
