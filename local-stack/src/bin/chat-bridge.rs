//! A local stand-in for an agent runtime, for the browser journey: it serves the chat page
//! (`browser/`) and the contract package, and answers `POST /api/chat` with a Vercel AI SDK UI
//! message stream (SSE, `x-vercel-ai-ui-message-stream: v1`) while calling the real functions as
//! AgentCore Gateway would. The "agent" is scripted, not a language model: an email starts a
//! sign-in, digits answer the code, "reservations" lists bookings, "sign out" signs out.
//!
//! Usage: `chat-bridge [--port N]`; prints `chat bridge on http://127.0.0.1:N` when ready.

use booking_auth::config::DEFAULT_GUEST_TOKEN_HEADER;
use std::collections::HashMap;
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use booking_auth::contract::{
    GetMyReservationsContract, InitiateLoginContract, SignOutContract, ToolContract,
    VerifyOtpContract,
};
use bytes::Bytes;
use http::{Method, StatusCode, header};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use local_stack::{Stack, StackError};
use loopback_http::{Request, Response, read_body};
use serde_json::{Value, json};
use tokio::sync::mpsc;

struct Bridge {
    stack: Stack,
    root: PathBuf,
    /// Pending sign-ins by conversation: what an agent would keep in its context.
    pending: Mutex<HashMap<String, (String, Value)>>,
}

/// Every answer of the bridge carries sessions or tokens: never cached.
fn full(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response {
    let mut response = loopback_http::respond(status, content_type, body);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    full(status, "application/json", value.to_string())
}

/// One SSE event of the UI message stream.
fn frame(event: &Value) -> Bytes {
    Bytes::from(format!("data: {event}\n\n"))
}

struct Stream {
    tx: mpsc::Sender<Bytes>,
    calls: usize,
    texts: usize,
}

impl Stream {
    async fn send(&self, event: Value) {
        let _ = self.tx.send(frame(&event)).await;
    }

    async fn text(&mut self, text: &str) {
        self.texts += 1;
        let id = format!("text-{}", self.texts);
        self.send(json!({"type": "start-step"})).await;
        self.send(json!({"type": "text-start", "id": id})).await;
        // A few deltas, as a model would stream them.
        let words: Vec<&str> = text.split_inclusive(' ').collect();
        for chunk in words.chunks(4) {
            self.send(json!({"type": "text-delta", "id": id, "delta": chunk.concat()}))
                .await;
        }
        self.send(json!({"type": "text-end", "id": id})).await;
        self.send(json!({"type": "finish-step"})).await;
    }

    /// Announce a tool call, run it, stream its output.
    async fn tool<C: ToolContract>(
        &mut self,
        bridge: &Arc<Bridge>,
        input: Value,
        bearer: Option<String>,
    ) -> Value {
        let tool = C::NAME;
        self.calls += 1;
        let id = format!("call-{}", self.calls);
        self.send(json!({"type": "start-step"})).await;
        self.send(json!({"type": "tool-input-start", "toolCallId": id, "toolName": tool}))
            .await;
        self.send(json!({"type": "tool-input-available", "toolCallId": id, "toolName": tool, "input": input})).await;
        let headers = bearer.map(|t| json!({DEFAULT_GUEST_TOKEN_HEADER: format!("Bearer {t}")}));
        let b = bridge.clone();
        let output = tokio::task::spawn_blocking(move || b.stack.call_tool::<C>(input, headers))
            .await
            .map_err(|e| StackError(e.to_string()))
            .and_then(|r| r);
        match output {
            Ok(output) => {
                self.send(
                    json!({"type": "tool-output-available", "toolCallId": id, "output": output}),
                )
                .await;
                self.send(json!({"type": "finish-step"})).await;
                output
            }
            Err(e) => {
                eprintln!("tool {tool} failed: {e}");
                self.send(json!({"type": "tool-output-error", "toolCallId": id, "errorText": "The tool failed."})).await;
                self.send(json!({"type": "finish-step"})).await;
                Value::Null
            }
        }
    }
}

fn find_email(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .map(|w| {
            w.trim_matches(|c: char| {
                !c.is_alphanumeric() && c != '@' && c != '.' && c != '_' && c != '-' && c != '+'
            })
        })
        .find(|w| w.contains('@') && w.contains('.'))
        .map(str::to_owned)
}

fn find_code(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    ((6..=8).contains(&digits.len())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_whitespace() || c == '-'))
    .then_some(digits)
}

/// The scripted agent turn for one user message.
async fn converse(
    bridge: Arc<Bridge>,
    mut out: Stream,
    conversation: String,
    message: String,
    bearer: Option<String>,
    refresh_token: Option<String>,
) {
    out.send(
        json!({"type": "start", "messageId": format!("msg-{conversation}-{}", message.len())}),
    )
    .await;
    let lower = message.to_lowercase();
    if let Some(email) = find_email(&message) {
        let result = out
            .tool::<InitiateLoginContract>(&bridge, json!({"email": email}), None)
            .await;
        if result["success"] == true {
            if let Ok(mut pending) = bridge.pending.lock() {
                pending.insert(
                    conversation.clone(),
                    (email, result["session_token"].clone()),
                );
            }
            out.text(&format!(
                "I've sent a sign-in code to {}. Please type it here.",
                result["delivery"].as_str().unwrap_or("your email")
            ))
            .await;
        } else {
            out.text(
                result["message"]
                    .as_str()
                    .unwrap_or("I couldn't send a code."),
            )
            .await;
        }
    } else if let Some(code) = find_code(&message) {
        let pending = bridge
            .pending
            .lock()
            .ok()
            .and_then(|p| p.get(&conversation).cloned());
        match pending {
            Some((email, session_token)) => {
                let input =
                    json!({"email": email, "otp_code": code, "session_token": session_token});
                let result = out.tool::<VerifyOtpContract>(&bridge, input, None).await;
                if result["event_type"] == "auth_tokens" {
                    if let Ok(mut p) = bridge.pending.lock() {
                        p.remove(&conversation);
                    }
                    out.text(&format!(
                        "You're signed in as {email}. How can I help with your bookings?"
                    ))
                    .await;
                } else {
                    out.text(result["message"].as_str().unwrap_or("That didn't work."))
                        .await;
                }
            }
            None => {
                out.text("I wasn't expecting a code. What's your email address?")
                    .await
            }
        }
    } else if [
        "sign out",
        "sign me out",
        "signout",
        "log out",
        "log me out",
        "logout",
    ]
    .iter()
    .any(|p| lower.contains(p))
    {
        let input = json!({"refresh_token": refresh_token.unwrap_or_default()});
        let result = out.tool::<SignOutContract>(&bridge, input, bearer).await;
        let text = result["message"]
            .as_str()
            .unwrap_or("You are signed out.")
            .to_owned();
        out.text(&text).await;
    } else if lower.contains("reservation") || lower.contains("booking") {
        let result = out
            .tool::<GetMyReservationsContract>(&bridge, json!({}), bearer)
            .await;
        let text = match result["reservations"].as_array() {
            Some(list) if list.is_empty() => "You have no reservations yet.".to_owned(),
            Some(list) => {
                let lines: Vec<String> = list
                    .iter()
                    .map(|r| {
                        format!(
                            "{} — {}, {} to {} ({})",
                            r["reservation_id"].as_str().unwrap_or("?"),
                            r["property_name"].as_str().unwrap_or("?"),
                            r["check_in"].as_str().unwrap_or("?"),
                            r["check_out"].as_str().unwrap_or("?"),
                            r["status"].as_str().unwrap_or("?")
                        )
                    })
                    .collect();
                format!("Your reservations: {}", lines.join("; "))
            }
            None if result["error_code"] == "AUTH_REQUIRED" => {
                "Please sign in first — what's your email address?".to_owned()
            }
            None => result["message"]
                .as_str()
                .unwrap_or("I couldn't read your reservations.")
                .to_owned(),
        };
        out.text(&text).await;
    } else {
        out.text(
            "I can sign you in (tell me your email), show your reservations, or sign you out.",
        )
        .await;
    }
    out.send(json!({"type": "finish"})).await;
    let _ = out.tx.send(Bytes::from_static(b"data: [DONE]\n\n")).await;
}

async fn chat(bridge: Arc<Bridge>, req: Request) -> Response {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let Some(body) = read_body(req.into_body()).await else {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"message": "unreadable body"}),
        );
    };
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"message": "the body must be JSON"}),
        );
    };
    let message = request["message"].as_str().unwrap_or_default().to_owned();
    let conversation = request["conversation_id"]
        .as_str()
        .unwrap_or("default")
        .to_owned();
    let refresh_token = request["refresh_token"].as_str().map(str::to_owned);
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    tokio::spawn(converse(
        bridge,
        Stream {
            tx,
            calls: 0,
            texts: 0,
        },
        conversation,
        message,
        bearer,
        refresh_token,
    ));
    let stream =
        tokio_stream::StreamExt::map(tokio_stream::wrappers::ReceiverStream::new(rx), |b| {
            Ok::<_, Infallible>(Frame::data(b))
        });
    let mut response = Response::new(StreamBody::new(stream).boxed());
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache"),
    );
    headers.insert(
        "x-vercel-ai-ui-message-stream",
        header::HeaderValue::from_static("v1"),
    );
    response
}

fn static_file(root: &std::path::Path, path: &str) -> Response {
    if path.contains("..") {
        return full(StatusCode::NOT_FOUND, "text/plain", "not found");
    }
    let file = root.join(path.trim_start_matches('/'));
    let kind = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    };
    match std::fs::read(&file) {
        Ok(bytes) => full(StatusCode::OK, kind, bytes),
        Err(_) => full(StatusCode::NOT_FOUND, "text/plain", "not found"),
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StackError> + Send + 'static,
) -> Result<T, StackError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StackError(e.to_string()))?
}

async fn handle(bridge: Arc<Bridge>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or_default().to_owned();
    match (req.method().clone(), path.as_str()) {
        (Method::POST, "/api/chat") => chat(bridge, req).await,
        (Method::GET, "/config.json") => json_response(
            StatusCode::OK,
            &json!({"refreshUrl": bridge.stack.function_url(booking_auth::contract::RefreshContract::FUNCTION)}),
        ),
        // Development helpers for the browser test: the stand-in's inbox and pool settings.
        (Method::GET, "/dev/code") => {
            let email = query
                .strip_prefix("email=")
                .unwrap_or_default()
                .replace("%40", "@");
            let b = bridge.clone();
            match blocking(move || b.stack.latest_code(&email)).await {
                Ok(code) => json_response(StatusCode::OK, &json!({"code": code})),
                Err(e) => json_response(StatusCode::NOT_FOUND, &json!({"message": e.0})),
            }
        }
        (Method::POST, "/dev/pool") => {
            let body = read_body(req.into_body()).await.unwrap_or_default();
            let patch: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let b = bridge.clone();
            match blocking(move || b.stack.configure_pool(patch)).await {
                Ok(()) => json_response(StatusCode::OK, &json!({"ok": true})),
                Err(e) => json_response(StatusCode::BAD_REQUEST, &json!({"message": e.0})),
            }
        }
        (Method::GET, "/") => static_file(&bridge.root.join("browser"), "index.html"),
        (Method::GET, p) if p.starts_with("/contract/") => static_file(
            &bridge.root.join("packages/contract/dist/src"),
            p.trim_start_matches("/contract/"),
        ),
        (Method::GET, p) => static_file(&bridge.root.join("browser"), p),
        _ => full(StatusCode::NOT_FOUND, "text/plain", "not found"),
    }
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = args
        .iter()
        .position(|a| a == "--port")
        .and_then(|i| args.get(i + 1))
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let listener = match std::net::TcpListener::bind(("127.0.0.1", port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot bind 127.0.0.1:{port}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let address = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let origin = format!("http://{address}");
    let stack = match Stack::start_with(std::slice::from_ref(&origin)) {
        Ok(stack) => stack,
        Err(e) => {
            eprintln!("the local stack did not start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Err(e) = stack.seed_demo() {
        eprintln!("seeding failed: {e}");
        return std::process::ExitCode::FAILURE;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let bridge = Arc::new(Bridge {
        stack,
        root,
        pending: Mutex::new(HashMap::new()),
    });
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("chat bridge on {origin}");
    // Held here so the stack is stopped from this thread once the server is done.
    let keep = bridge.clone();
    runtime.block_on(async move {
        let _ = listener.set_nonblocking(true);
        let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
            return;
        };
        let serve = loopback_http::serve(listener, move |req| handle(bridge.clone(), req));
        tokio::select! {
            _ = serve => {}
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate() => {}
        }
    });
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    drop(keep);
    std::process::ExitCode::SUCCESS
}

/// SIGTERM (what a test harness sends) stops the bridge and, with it, the whole stack.
async fn terminate() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut s) => {
            s.recv().await;
        }
        Err(_) => std::future::pending::<()>().await,
    }
}
