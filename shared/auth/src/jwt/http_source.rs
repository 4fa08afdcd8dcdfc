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

pub struct HttpJwksSource {
    url: http::Uri,
    timeout: Duration,
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<bytes::Bytes>>,
}

impl HttpJwksSource {
    /// `{issuer}/.well-known/jwks.json`, as Cognito serves it.
    pub fn for_issuer(
        issuer: &str,
        timeout: Duration,
        trust: TrustStore,
    ) -> Result<Self, ConfigError> {
        let url: http::Uri = format!("{issuer}/.well-known/jwks.json").parse().map_err(
            |e: http::uri::InvalidUri| ConfigError::Invalid {
                name: "COGNITO_ISSUER",
                reason: e.to_string(),
            },
        )?;
        Ok(Self {
            url,
            timeout,
            client: Client::builder(TokioExecutor::new()).build(trust.https_connector()?),
        })
    }

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
        let source = HttpJwksSource::for_issuer(
            &format!("https://127.0.0.1:{port}/eu-west-1_pool"),
            std::time::Duration::from_secs(5),
            TrustStore::Amazon,
        )
        .unwrap();
        assert!(JwksSource::fetch(&source).await.is_err());
        let outcome = handshakes.recv().await.unwrap();
        assert!(outcome.contains("UnknownCA"), "{outcome}");
    }
}
