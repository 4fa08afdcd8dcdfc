//! Outbound HTTPS trust, one choice per process for the AWS SDK clients and the JWKS fetch alike
//! ([`TrustStore`], `TLS_TRUST_STORE`).
//!
//! `amazon` (the default) trusts only the five Amazon Trust Services roots compiled in from
//! `certs/amazon-trust-services.pem`: every endpoint these functions call (Cognito, its JWKS,
//! DynamoDB) chains to them, so a certificate issued for those hosts by any other CA is refused,
//! and start-up parses 5 certificates instead of the ~140 of the system store, which cost 3 ms
//! to 5 ms of CPU per cold start, once more for the JWKS client (BENCHMARKS.md). `system` keeps
//! the SDK's default client: the operating system's store, `HTTPS_PROXY` honoured.

use std::sync::Arc;

use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use rustls::pki_types::{CertificateDer, pem::PemObject};

pub use crate::config::TrustStore;
use crate::domain::error::ConfigError;

/// Amazon Root CA 1 to 4 and Starfield Services Root CA G2, PEM.
const AMAZON_TRUST_SERVICES: &[u8] = include_bytes!("../certs/amazon-trust-services.pem");

impl TrustStore {
    /// The HTTP client the SDK clients use; `None` leaves the SDK's default in place.
    pub fn sdk_http_client(self) -> Result<Option<SharedHttpClient>, ConfigError> {
        match self {
            Self::System => Ok(None),
            Self::Amazon => {
                let roots = tls::TrustStore::empty().with_pem_certificate(AMAZON_TRUST_SERVICES);
                let context = tls::TlsContext::builder()
                    .with_trust_store(roots)
                    .build()
                    .map_err(|e| invalid(e.to_string()))?;
                Ok(Some(
                    aws_smithy_http_client::Builder::new()
                        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
                        .tls_context(context)
                        .build_https(),
                ))
            }
        }
    }

    /// A connector for requests made outside the SDK (the JWKS fetch), on the same rustls and
    /// aws-lc-rs stack. Plain `http://` stays allowed: the issuer decides, and only a loopback
    /// stand-in uses it.
    pub fn https_connector(self) -> Result<HttpsConnector<HttpConnector>, ConfigError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = hyper_rustls::HttpsConnectorBuilder::new();
        let builder = match self {
            Self::System => builder
                .with_provider_and_native_roots(provider)
                .map_err(|e| invalid(e.to_string()))?,
            Self::Amazon => builder.with_tls_config(
                rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| invalid(e.to_string()))?
                    .with_root_certificates(amazon_roots()?)
                    .with_no_client_auth(),
            ),
        };
        Ok(builder.https_or_http().enable_http1().build())
    }
}

fn amazon_roots() -> Result<rustls::RootCertStore, ConfigError> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(AMAZON_TRUST_SERVICES) {
        let cert = cert.map_err(|e| invalid(e.to_string()))?;
        roots.add(cert).map_err(|e| invalid(e.to_string()))?;
    }
    Ok(roots)
}

fn invalid(reason: String) -> ConfigError {
    ConfigError::Invalid {
        name: "TLS_TRUST_STORE",
        reason: format!("TLS setup failed: {reason}"),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn amazon_roots_are_the_amazon_trust_services_roots_of_mozillas_store() {
        let ours: Vec<CertificateDer<'_>> = CertificateDer::pem_slice_iter(AMAZON_TRUST_SERVICES)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(ours.len(), 5);
        for cert in &ours {
            assert!(
                webpki_root_certs::TLS_SERVER_ROOT_CERTS.contains(cert),
                "a compiled-in root is not in Mozilla's store"
            );
        }
        assert_eq!(amazon_roots().unwrap().len(), 5);
    }

    /// A TLS server on loopback with a self-signed certificate, reporting how each handshake
    /// ended: an honest client must abort it with an "unknown CA" alert.
    pub(crate) async fn self_signed_server() -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>)
    {
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
        let key = rustls::pki_types::PrivateKeyDer::try_from(certified.signing_key.serialize_der())
            .unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let outcome = match acceptor.accept(tcp).await {
                    Ok(_) => "handshake completed".to_owned(),
                    Err(e) => e.to_string(),
                };
                if tx.send(outcome).is_err() {
                    break;
                }
            }
        });
        (port, rx)
    }

    #[tokio::test]
    async fn sdk_client_refuses_a_certificate_outside_the_amazon_roots() {
        use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region, retry::RetryConfig};
        let (port, mut handshakes) = self_signed_server().await;
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .credentials_provider(Credentials::new("id", "secret", None, None, "test"))
            .endpoint_url(format!("https://127.0.0.1:{port}"))
            .retry_config(RetryConfig::disabled())
            .http_client(TrustStore::Amazon.sdk_http_client().unwrap().unwrap())
            .build();
        let err = aws_sdk_dynamodb::Client::from_conf(config)
            .list_tables()
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(err, aws_sdk_dynamodb::error::SdkError::DispatchFailure(_)),
            "{err:?}"
        );
        let outcome = handshakes.recv().await.unwrap();
        assert!(outcome.contains("UnknownCA"), "{outcome}");
    }

    #[test]
    fn both_stores_build_their_clients() {
        for store in [TrustStore::Amazon, TrustStore::System] {
            store.https_connector().unwrap();
            assert_eq!(
                store.sdk_http_client().unwrap().is_some(),
                store == TrustStore::Amazon
            );
        }
    }
}
