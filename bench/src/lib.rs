//! Shared parts of the benchmark harnesses (`BENCHMARKS.md`): a one-invocation Lambda Runtime API,
//! per-process measurements read from `/proc`, and summary statistics.
//!
//! These are measuring tools run on demand by `scripts/bench`, never tests: nothing here asserts a
//! time.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::sync::oneshot;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The workspace root, where `target/` and `bench/node/` are.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// What the function posted for its one invocation, and when it arrived.
#[derive(Debug)]
pub struct Answer {
    pub at: Instant,
    /// `false` for `/error` or `/init/error`.
    pub ok: bool,
    pub body: Value,
}

struct State {
    event: Bytes,
    client_context: Option<String>,
    handed_out: AtomicBool,
    ready: Mutex<Option<oneshot::Sender<Instant>>>,
    answered: Mutex<Option<oneshot::Sender<Answer>>>,
}

/// A Lambda Runtime API on a loopback port that hands out exactly one invocation. A second
/// `next` is never answered, so the function stays alive, idle, until it is killed: as a Lambda
/// execution environment waits for its next event.
pub struct OneInvocation {
    pub addr: SocketAddr,
    pub answer: oneshot::Receiver<Answer>,
    /// When the function first asked for an event: the end of its init phase.
    pub ready: oneshot::Receiver<Instant>,
    server: tokio::task::JoinHandle<()>,
}

impl OneInvocation {
    /// Start serving; call from inside a Tokio runtime that keeps running while the function works.
    pub async fn start(event: &Value, client_context: Option<&Value>) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (tx, answer) = oneshot::channel();
        let (ready_tx, ready) = oneshot::channel();
        let state = Arc::new(State {
            ready: Mutex::new(Some(ready_tx)),
            event: Bytes::from(event.to_string()),
            client_context: client_context.map(Value::to_string),
            handed_out: AtomicBool::new(false),
            answered: Mutex::new(Some(tx)),
        });
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = state.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| route(state.clone(), req));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self {
            addr,
            answer,
            ready,
            server,
        })
    }
}

impl Drop for OneInvocation {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn route(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let at = Instant::now();
    let path = req.uri().path().to_owned();
    if path.ends_with("/invocation/next") {
        if state.handed_out.swap(true, Ordering::SeqCst) {
            // The function is warm and waiting: leave it waiting.
            std::future::pending::<()>().await;
        }
        if let Some(tx) = state.ready.lock().ok().and_then(|mut tx| tx.take()) {
            let _ = tx.send(at);
        }
        let mut response = Response::builder()
            .header("lambda-runtime-aws-request-id", "bench-request-1")
            .header("lambda-runtime-deadline-ms", deadline_ms().to_string())
            .header(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:eu-west-1:123456789012:function:bench",
            )
            .header(
                "lambda-runtime-trace-id",
                "Root=1-00000000-000000000000000000000000;Sampled=0",
            );
        if let Some(ctx) = &state.client_context {
            response = response.header("lambda-runtime-client-context", ctx.as_str());
        }
        return Ok(response
            .body(Full::new(state.event.clone()))
            .unwrap_or_default());
    }
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let answer = Answer {
        at,
        ok: path.ends_with("/response"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    if let Some(tx) = state.answered.lock().ok().and_then(|mut tx| tx.take()) {
        let _ = tx.send(answer);
    }
    Ok(Response::builder()
        .status(202)
        .body(Full::new(Bytes::from_static(b"{}")))
        .unwrap_or_default())
}

fn deadline_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() + 30_000)
        .unwrap_or(0)
}

/// Peak resident set size of a live process, in KiB (`VmHWM`).
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// CPU time a live process has used so far, summed over its threads, in nanoseconds
/// (`/proc/<pid>/task/*/schedstat`).
pub fn cpu_ns(pid: u32) -> Option<u64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = 0;
    for task in tasks.flatten() {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

/// The `q` quantile (0..=1) of `values`, by nearest rank.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn median(values: &[f64]) -> f64 {
    quantile(values, 0.5)
}

/// Where the harnesses write their JSON results.
pub fn results_dir() -> std::io::Result<PathBuf> {
    let dir = workspace_root().join("target/bench");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let v = [5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(median(&v), 3.0);
        assert_eq!(quantile(&v, 0.99), 5.0);
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert!(median(&[]).is_nan());
    }
}
