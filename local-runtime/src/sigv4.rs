//! Checking an AWS Signature Version 4 on a request the front door received, as AWS's endpoints
//! check it (<https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>): the
//! canonical request is rebuilt from the headers the client says it signed, and the signature is
//! computed again with the secret the local Identity Pool issued for the access key.
//! (aws-sigv4 signs outgoing requests only: it picks the headers itself, where a verifier must take
//! the client's `SignedHeaders`.)

use aws_lc_rs::{digest, hmac};
use http::HeaderMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// How far a request's `X-Amz-Date` may be from the server's clock, as AWS allows.
pub const MAX_SKEW_SECONDS: i64 = 15 * 60;

/// SigV4's URI encoding: everything but the unreserved characters.
const SIGV4: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// What the `Authorization` header claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub access_key: String,
    /// `yyyymmdd`
    pub date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("Missing Authentication Token")]
    Missing,
    #[error(
        "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters"
    )]
    Malformed,
    #[error("Credential should be scoped to correct service: '{0}'.")]
    WrongService(String),
    #[error("Credential should be scoped to a valid region.")]
    WrongRegion,
    #[error(
        "Signature expired: the request's X-Amz-Date is more than 15 minutes from the server's time"
    )]
    Expired,
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )]
    Mismatch,
}

impl Authorization {
    pub fn parse(headers: &HeaderMap) -> Result<Self, SignatureError> {
        let value = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(SignatureError::Missing)?;
        let rest = value
            .strip_prefix(ALGORITHM)
            .ok_or(SignatureError::Malformed)?;
        let mut credential = None;
        let mut signed = None;
        let mut signature = None;
        for part in rest.split(',').map(str::trim) {
            match part.split_once('=') {
                Some(("Credential", v)) => credential = Some(v),
                Some(("SignedHeaders", v)) => signed = Some(v),
                Some(("Signature", v)) => signature = Some(v),
                _ => {}
            }
        }
        let (Some(credential), Some(signed), Some(signature)) = (credential, signed, signature)
        else {
            return Err(SignatureError::Malformed);
        };
        let scope: Vec<&str> = credential.split('/').collect();
        let [access_key, date, region, service, "aws4_request"] = scope[..] else {
            return Err(SignatureError::Malformed);
        };
        Ok(Self {
            access_key: access_key.to_owned(),
            date: date.to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
            signed_headers: signed.split(';').map(str::to_owned).collect(),
            signature: signature.to_owned(),
        })
    }
}

/// A received request, as the signature covers it.
pub struct Received<'a> {
    pub method: &'a str,
    /// The path as sent (already percent-encoded once).
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// Check `auth` (parsed from `request`'s headers) with `secret`; `now` in epoch seconds.
pub fn verify(
    request: &Received<'_>,
    auth: &Authorization,
    secret: &str,
    expected: (&str, &str),
    now: i64,
) -> Result<(), SignatureError> {
    let (service, region) = expected;
    if auth.service != service {
        return Err(SignatureError::WrongService(service.to_owned()));
    }
    if auth.region != region {
        return Err(SignatureError::WrongRegion);
    }
    let amz_date = header(request.headers, "x-amz-date").ok_or(SignatureError::Malformed)?;
    let signed_at = parse_amz_date(&amz_date).ok_or(SignatureError::Malformed)?;
    if (now - signed_at).abs() > MAX_SKEW_SECONDS {
        return Err(SignatureError::Expired);
    }
    if !amz_date.starts_with(&auth.date) || !auth.signed_headers.iter().any(|h| h == "host") {
        return Err(SignatureError::Mismatch);
    }
    let canonical = canonical_request(request, &auth.signed_headers);
    let scope = format!("{}/{}/{}/aws4_request", auth.date, region, service);
    let to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex(digest::digest(&digest::SHA256, canonical.as_bytes()).as_ref())
    );
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in [auth.date.as_str(), region, service, "aws4_request"] {
        key = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &key), part.as_bytes())
            .as_ref()
            .to_vec();
    }
    let expected =
        hex(hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &key), to_sign.as_bytes()).as_ref());
    aws_lc_rs::constant_time::verify_slices_are_equal(
        expected.as_bytes(),
        auth.signature.as_bytes(),
    )
    .map_err(|_| SignatureError::Mismatch)
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<String> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

fn canonical_request(request: &Received<'_>, signed: &[String]) -> String {
    // Services other than S3 encode the path's segments once more.
    let uri = request
        .path
        .split('/')
        .map(|segment| utf8_percent_encode(segment, SIGV4).to_string())
        .collect::<Vec<_>>()
        .join("/");
    let mut query: Vec<(String, String)> = request
        .query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (encode(k), encode(v))
        })
        .collect();
    query.sort();
    let query = query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let headers: String = signed
        .iter()
        .map(|name| {
            format!(
                "{name}:{}\n",
                header(request.headers, name).unwrap_or_default()
            )
        })
        .collect();
    let payload = header(request.headers, "x-amz-content-sha256")
        .unwrap_or_else(|| hex(digest::digest(&digest::SHA256, request.body).as_ref()));
    format!(
        "{}\n{uri}\n{query}\n{headers}\n{}\n{payload}",
        request.method,
        signed.join(";")
    )
}

/// A query key or value, decoded as received and encoded as SigV4 wants it.
fn encode(raw: &str) -> String {
    let decoded = percent_decode_str(&raw.replace('+', "%20"))
        .decode_utf8_lossy()
        .into_owned();
    utf8_percent_encode(&decoded, SIGV4).to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `yyyymmddThhmmssZ` as epoch seconds.
fn parse_amz_date(value: &str) -> Option<i64> {
    let digits = |range: std::ops::Range<usize>| value.get(range)?.parse::<i64>().ok();
    if value.len() != 16 || value.as_bytes()[8] != b'T' || !value.ends_with('Z') {
        return None;
    }
    let (y, m, d) = (digits(0..4)?, digits(4..6)?, digits(6..8)?);
    let (hh, mm, ss) = (digits(9..11)?, digits(11..13)?, digits(13..15)?);
    Some(days_from_civil(y, m, d) * 86_400 + hh * 3_600 + mm * 60 + ss)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    /// AWS's worked example (the IAM guide's `GET /?Action=ListUsers&Version=2010-05-08` to IAM
    /// on 2015-08-30): the signature it publishes is the one this computes.
    #[test]
    fn the_iam_guides_example_verifies() {
        let mut headers = HeaderMap::new();
        let set = |h: &mut HeaderMap, k: &'static str, v: &str| {
            h.insert(k, HeaderValue::from_str(v).unwrap())
        };
        set(&mut headers, "host", "iam.amazonaws.com");
        set(
            &mut headers,
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        );
        set(&mut headers, "x-amz-date", "20150830T123600Z");
        set(
            &mut headers,
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
        );
        let request = Received {
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: &headers,
            body: b"",
        };
        let auth = Authorization::parse(&headers).unwrap();
        let now = parse_amz_date("20150830T123600Z").unwrap();
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        assert_eq!(
            verify(&request, &auth, secret, ("iam", "us-east-1"), now),
            Ok(())
        );
        // Negative controls: another secret, another service, a stale date, a changed header.
        assert_eq!(
            verify(&request, &auth, "wrong", ("iam", "us-east-1"), now),
            Err(SignatureError::Mismatch)
        );
        assert!(matches!(
            verify(&request, &auth, secret, ("sts", "us-east-1"), now),
            Err(SignatureError::WrongService(_))
        ));
        assert_eq!(
            verify(&request, &auth, secret, ("iam", "us-east-1"), now + 901),
            Err(SignatureError::Expired)
        );
        let mut changed = headers.clone();
        set(&mut changed, "content-type", "application/json");
        let tampered = Received {
            headers: &changed,
            ..request
        };
        assert_eq!(
            verify(&tampered, &auth, secret, ("iam", "us-east-1"), now),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn amz_dates_are_epoch_seconds() {
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
        assert_eq!(parse_amz_date("20261205T153000Z"), Some(1_796_484_600));
        assert_eq!(parse_amz_date("2026-12-05T15:30"), None);
    }

    #[test]
    fn a_header_without_every_part_is_malformed() {
        let mut headers = HeaderMap::new();
        assert_eq!(Authorization::parse(&headers), Err(SignatureError::Missing));
        headers.insert(
            "authorization",
            HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=AKID/20261205/eu-west-1/x/aws4_request",
            ),
        );
        assert_eq!(
            Authorization::parse(&headers),
            Err(SignatureError::Malformed)
        );
    }
}
