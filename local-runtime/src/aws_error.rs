//! AWS's error shapes for the three protocols served here: AWS JSON 1.1 (Cognito Identity),
//! the Query protocol's XML (STS) and REST-JSON (the AgentCore data plane).

use http::{HeaderValue, StatusCode};
use loopback_http::Response;
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl AwsError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            code,
            message: message.into(),
        }
    }

    /// `{"__type": code, "message": …}`, as `application/x-amz-json-1.1`.
    pub fn json_1_1(&self) -> Response {
        loopback_http::json(
            self.status,
            "application/x-amz-json-1.1",
            &json!({"__type": self.code, "message": self.message}),
        )
    }

    /// `<ErrorResponse><Error><Type>Sender</Type><Code>…`, as STS answers.
    pub fn query_xml(&self, request_id: &str) -> Response {
        let body = format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
            self.code,
            xml_escape(&self.message)
        );
        loopback_http::respond(self.status, "text/xml", body)
    }

    /// The code in `x-amzn-ErrorType` and `{"message": …}`, as REST-JSON services answer.
    pub fn rest_json(&self, request_id: &str) -> Response {
        let mut response = loopback_http::json(
            self.status,
            "application/json",
            &json!({"message": self.message}),
        );
        for (name, value) in [
            ("x-amzn-errortype", self.code),
            ("x-amzn-requestid", request_id),
        ] {
            if let Ok(value) = HeaderValue::from_str(value) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}

pub fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
