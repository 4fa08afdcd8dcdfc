//! The production [`JwksSource`]: an HTTPS GET with a timeout and a size cap, on the same
//! rustls + aws-lc-rs stack and trust store as the AWS SDK clients (`crate::tls`).

use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::client::legacy::{Client, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;

use super::keys::{BoxFuture, JwksDocument, JwksFetchError, JwksSource};
use crate::domain::error::ConfigError;
use crate::tls::TrustStore;

const MAX_JWKS_BYTES: usize = 64 * 1024;

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<bytes::Bytes>>;

pub struct HttpJwksSource {
    url: http::Uri,
    timeout: Duration,
    client: HttpsClient,
}

/// One HTTPS client for every issuer's JWKS: the trust store is loaded once per process.
#[derive(Clone)]
pub struct JwksClient {
    client: HttpsClient,
    timeout: Duration,
}

impl JwksClient {
    pub fn new(timeout: Duration, trust: TrustStore) -> Result<Self, ConfigError> {
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(trust.https_connector()?),
            timeout,
        })
    }

    /// The keys at `jwks_url` (`{issuer}/.well-known/jwks.json`, as Cognito serves them).
    pub fn source(&self, jwks_url: &str) -> Result<HttpJwksSource, ConfigError> {
        let url: http::Uri =
            jwks_url
                .parse()
                .map_err(|e: http::uri::InvalidUri| ConfigError::Invalid {
                    name: "COGNITO_ISSUER",
                    reason: format!("{jwks_url:?} is not a URL: {e}"),
                })?;
        Ok(HttpJwksSource {
            url,
            timeout: self.timeout,
            client: self.client.clone(),
        })
    }
}

impl HttpJwksSource {
    async fn get(&self) -> Result<JwksDocument, JwksFetchError> {
        let response = self
            .client
            .get(self.url.clone())
            .await
            .map_err(|e| JwksFetchError::Unreachable(Box::new(e)))?;
        if !response.status().is_success() {
            return Err(JwksFetchError::Status(response.status()));
        }
        let body = Limited::new(response.into_body(), MAX_JWKS_BYTES)
            .collect()
            .await
            .map_err(|source| JwksFetchError::Body {
                limit: MAX_JWKS_BYTES,
                source,
            })?
            .to_bytes();
        serde_json::from_slice(&body).map_err(JwksFetchError::NotJwks)
    }
}

impl JwksSource for HttpJwksSource {
    fn fetch(&self) -> BoxFuture<'_, Result<JwksDocument, JwksFetchError>> {
        Box::pin(async move {
            tokio::time::timeout(self.timeout, self.get())
                .await
                .map_err(|_| JwksFetchError::TimedOut(self.timeout))?
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jwks_client_refuses_a_certificate_outside_the_amazon_roots() {
        let (port, mut handshakes) = crate::tls::tests::self_signed_server().await;
        let source = JwksClient::new(std::time::Duration::from_secs(5), TrustStore::Amazon)
            .unwrap()
            .source(&format!(
                "https://127.0.0.1:{port}/eu-west-1_pool/.well-known/jwks.json"
            ))
            .unwrap();
        assert!(JwksSource::fetch(&source).await.is_err());
        let outcome = handshakes.recv().await.unwrap();
        assert!(outcome.contains("UnknownCA"), "{outcome}");
    }
}
