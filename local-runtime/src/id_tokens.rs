//! The user pool's ID tokens, as the Identity Pool checks a `Logins` entry: RS256 by a key of the
//! pool's JWKS (fetched again for an unknown `kid`), the pool's issuer, the app client as `aud`,
//! `token_use: id`, unexpired.

use std::collections::HashMap;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::config::UserPoolProvider;

#[derive(Debug, Deserialize)]
struct IdClaims {
    sub: String,
    token_use: String,
}

pub struct IdTokens {
    provider: UserPoolProvider,
    keys: Mutex<HashMap<String, DecodingKey>>,
    http: Client<HttpConnector, Empty<Bytes>>,
}

impl IdTokens {
    pub fn new(provider: UserPoolProvider) -> Self {
        Self {
            provider,
            keys: Mutex::default(),
            http: Client::builder(hyper_util::rt::TokioExecutor::new()).build_http(),
        }
    }

    /// The `sub` of a valid ID token of the pool, or why it is not one.
    pub async fn subject(&self, token: &str) -> Result<String, String> {
        let header = decode_header(token).map_err(|e| e.to_string())?;
        let kid = header.kid.ok_or("no kid")?;
        let cached = self.keys.lock().await.get(&kid).cloned();
        let key = match cached {
            Some(key) => key,
            None => self.fetch(&kid).await?,
        };
        let mut rules = Validation::new(Algorithm::RS256);
        rules.set_issuer(&[&self.provider.issuer]);
        rules.set_audience(&[&self.provider.client_id]);
        let claims = decode::<IdClaims>(token, &key, &rules)
            .map_err(|e| e.to_string())?
            .claims;
        if claims.token_use != "id" {
            return Err("not an ID token".into());
        }
        Ok(claims.sub)
    }

    async fn fetch(&self, kid: &str) -> Result<DecodingKey, String> {
        let uri = self.provider.jwks_url.parse().map_err(|_| "bad JWKS URL")?;
        let reply = self.http.get(uri).await.map_err(|e| e.to_string())?;
        let body = reply
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        let set: JwkSet = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        let mut keys = self.keys.lock().await;
        for jwk in &set.keys {
            if let (Some(id), Ok(key)) = (&jwk.common.key_id, DecodingKey::from_jwk(jwk)) {
                keys.insert(id.clone(), key);
            }
        }
        keys.get(kid)
            .cloned()
            .ok_or_else(|| "unknown kid".to_owned())
    }
}
