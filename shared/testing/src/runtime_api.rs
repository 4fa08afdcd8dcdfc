//! A minimal Lambda Runtime API on a loopback port: hands out queued invocations on
//! `GET …/invocation/next` and records what the function posts back, and when. When the queue is
//! empty it answers `next` with a 500, which ends the function's loop, so a test never hangs; or,
//! for the cold-start benchmark, never answers ([`WhenEmpty`]).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use loopback_http::{Request, Response, full, read_body};
use serde_json::Value;
use tokio::sync::Notify;

#[derive(Debug, Clone)]
pub struct QueuedInvocation {
    pub request_id: String,
    pub payload: Value,
    /// The raw `Lambda-Runtime-Client-Context` header, exactly as Lambda would send it.
    pub client_context: Option<String>,
}

/// One POST the function made: the path (`…/{id}/response`, `…/{id}/error`, `…/init/error`),
/// its JSON body and when it arrived.
#[derive(Debug, Clone)]
pub struct Posted {
    pub path: String,
    pub body: Value,
    pub at: Instant,
}

/// What happens to a `next` once the queue is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenEmpty {
    /// Answer 500, which ends the function's loop: a test never hangs.
    Stop,
    /// Never answer: the function stays alive and idle, as in a warm execution environment,
    /// so a harness can measure it before killing it.
    Hold,
}

struct Shared {
    queue: Mutex<VecDeque<QueuedInvocation>>,
    when_empty: WhenEmpty,
    nexts: Mutex<Vec<Instant>>,
    posted: Mutex<Vec<Posted>>,
    on_post: Notify,
}

pub struct FakeRuntimeApi {
    pub address: std::net::SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeRuntimeApi {
    pub async fn start(invocations: Vec<QueuedInvocation>) -> Self {
        Self::start_with(invocations, WhenEmpty::Stop).await
    }

    pub async fn start_with(invocations: Vec<QueuedInvocation>, when_empty: WhenEmpty) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let address = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            queue: Mutex::new(VecDeque::from(invocations)),
            when_empty,
            nexts: Mutex::new(Vec::new()),
            posted: Mutex::new(Vec::new()),
            on_post: Notify::new(),
        });
        let s = shared.clone();
        let task = tokio::spawn(loopback_http::serve(listener, move |req| {
            answer(req, s.clone())
        }));
        Self {
            address,
            shared,
            task,
        }
    }

    /// The base URI for `booking_auth::invoke::runtime::RuntimeClient::new`.
    pub fn endpoint(&self) -> http::Uri {
        format!("http://{}", self.address)
            .parse()
            .expect("endpoint URI")
    }

    /// `AWS_LAMBDA_RUNTIME_API` for a function binary started as a child process.
    pub fn host_port(&self) -> String {
        self.address.to_string()
    }

    pub fn posted(&self) -> Vec<Posted> {
        self.shared.posted.lock().expect("posted lock").clone()
    }

    /// When each `next` arrived; the first one ends the function's init phase.
    pub fn nexts(&self) -> Vec<Instant> {
        self.shared.nexts.lock().expect("nexts lock").clone()
    }

    /// Wait until the function has posted at least once; its first post.
    pub async fn first_post(&self) -> Posted {
        loop {
            let notified = self.shared.on_post.notified();
            if let Some(first) = self.posted().into_iter().next() {
                return first;
            }
            notified.await;
        }
    }
}

impl Drop for FakeRuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(req: Request, shared: Arc<Shared>) -> Response {
    let at = Instant::now();
    let path = req.uri().path().to_owned();
    if req.method() == http::Method::GET && path.ends_with("/invocation/next") {
        shared.nexts.lock().expect("nexts lock").push(at);
        let next = shared.queue.lock().expect("queue lock").pop_front();
        let Some(inv) = next else {
            if shared.when_empty == WhenEmpty::Hold {
                std::future::pending::<()>().await;
            }
            return http::Response::builder()
                .status(500)
                .body(full("no more invocations"))
                .expect("response");
        };
        let mut builder = http::Response::builder()
            .status(200)
            .header("lambda-runtime-aws-request-id", &inv.request_id)
            .header("lambda-runtime-deadline-ms", "99999999999999")
            .header(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:eu-west-1:123456789012:function:test",
            );
        if let Some(ctx) = &inv.client_context {
            builder = builder.header("lambda-runtime-client-context", ctx);
        }
        return builder
            .body(full(inv.payload.to_string()))
            .expect("response");
    }
    let body = read_body(req.into_body()).await.unwrap_or_default();
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    shared
        .posted
        .lock()
        .expect("posted lock")
        .push(Posted { path, body, at });
    shared.on_post.notify_waiters();
    http::Response::builder()
        .status(202)
        .body(full("{}"))
        .expect("response")
}
