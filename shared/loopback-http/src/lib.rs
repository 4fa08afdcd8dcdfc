//! The small HTTP/1.1 server our local tools share: the Cognito stand-in, the test Lambda
//! Runtime API and the chat bridge each answer one request with one async function, and this
//! crate does the rest: the accept loop, a connection task per client, whole-body reads and the
//! response helpers. They bind loopback addresses only; nothing here ships in a Lambda function.

use std::convert::Infallible;
use std::future::Future;

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;

/// A response body: whole bytes or a stream.
pub type Body = BoxBody<Bytes, Infallible>;
pub type Request = http::Request<Incoming>;
pub type Response = http::Response<Body>;

/// Serve every connection of `listener` with `handler`, one request at a time per connection,
/// until the task running this is dropped or aborted.
pub async fn serve<H, F>(listener: TcpListener, handler: H)
where
    H: Fn(Request) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response> + Send + 'static,
{
    while let Ok((stream, _)) = listener.accept().await {
        let handler = handler.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let answer = handler(req);
                async move { Ok::<_, Infallible>(answer.await) }
            });
            // A client that goes away mid-request is its own business.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The whole request body; `None` when the client broke off.
pub async fn read_body(body: Incoming) -> Option<Bytes> {
    body.collect().await.ok().map(|b| b.to_bytes())
}

/// A body of whole bytes.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

/// A response with `content_type` and these bytes.
pub fn respond(status: StatusCode, content_type: &str, bytes: impl Into<Bytes>) -> Response {
    let mut response = Response::new(full(bytes));
    *response.status_mut() = status;
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

/// A JSON response (`content_type` as the protocol spells it, e.g. `application/json`).
pub fn json(status: StatusCode, content_type: &str, value: &Value) -> Response {
    respond(status, content_type, value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_request_is_answered_by_the_handler_with_its_body_read_whole() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(serve(listener, |req: Request| async move {
            let path = req.uri().path().to_owned();
            let body = read_body(req.into_body()).await.unwrap_or_default();
            json(
                StatusCode::CREATED,
                "application/json",
                &serde_json::json!({"path": path, "body": String::from_utf8_lossy(&body)}),
            )
        }));
        let mut client = tokio::net::TcpStream::connect(address).await.unwrap();
        client
            .write_all(
                b"POST /x HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi",
            )
            .await
            .unwrap();
        let mut answer = String::new();
        client.read_to_string(&mut answer).await.unwrap();
        server.abort();
        assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
        assert!(
            answer.contains("content-type: application/json"),
            "{answer}"
        );
        let (_, body) = answer.split_once("\r\n\r\n").unwrap();
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(body, serde_json::json!({"path": "/x", "body": "hi"}));
    }
}
