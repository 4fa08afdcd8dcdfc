//! RSA-2048 signing keys as a Cognito user pool has them: one for ID tokens and another for
//! access tokens (each with its own `kid` in the JWKS), RS256 JWTs and the public JWKs.

use std::path::Path;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

pub struct SigningKey {
    pub kid: String,
    pair: KeyPair,
}

#[derive(Debug)]
pub struct KeyError;

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RSA key operation failed")
    }
}

impl std::error::Error for KeyError {}

pub fn b64(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

impl SigningKey {
    /// The private key as PKCS#8, base64url: how a key file keeps it.
    fn to_pkcs8(&self) -> Result<String, KeyError> {
        use aws_lc_rs::encoding::Pkcs8V1Der;
        let der: Pkcs8V1Der<'static> = self.pair.as_der().map_err(|_| KeyError)?;
        Ok(b64(der.as_ref()))
    }

    fn from_pkcs8(kid: &str, encoded: &str) -> Result<Self, KeyError> {
        let der = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| KeyError)?;
        Ok(Self {
            kid: kid.to_owned(),
            pair: KeyPair::from_pkcs8(&der).map_err(|_| KeyError)?,
        })
    }

    pub fn generate(kid: &str) -> Result<Self, KeyError> {
        Ok(Self {
            kid: kid.to_owned(),
            pair: KeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError)?,
        })
    }

    /// The public key as Cognito publishes it in `/.well-known/jwks.json`.
    pub fn jwk(&self) -> Value {
        let c = PublicKeyComponents::<Vec<u8>>::from(self.pair.public_key());
        json!({"alg": "RS256", "e": b64(&c.e), "kid": self.kid, "kty": "RSA", "n": b64(&c.n), "use": "sig"})
    }

    /// The public key in DER (SubjectPublicKeyInfo).
    pub fn public_der(&self) -> Result<Vec<u8>, KeyError> {
        Ok(self
            .pair
            .public_key()
            .as_der()
            .map_err(|_| KeyError)?
            .as_ref()
            .to_vec())
    }

    pub fn sign(&self, claims: &Value) -> Result<String, KeyError> {
        self.sign_with_header(&json!({"kid": self.kid, "alg": "RS256"}), claims)
    }

    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> Result<String, KeyError> {
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                input.as_bytes(),
                &mut sig,
            )
            .map_err(|_| KeyError)?;
        Ok(format!("{input}.{}", b64(&sig)))
    }

    /// Check a token this key signed (the stand-in verifies access tokens for GlobalSignOut).
    pub fn verify(&self, token: &str) -> Option<Value> {
        let mut parts = token.split('.');
        let (header, payload, sig) = (parts.next()?, parts.next()?, parts.next()?);
        let signature = URL_SAFE_NO_PAD.decode(sig).ok()?;
        let c = PublicKeyComponents::<Vec<u8>>::from(self.pair.public_key());
        let public = aws_lc_rs::signature::RsaPublicKeyComponents { n: &c.n, e: &c.e };
        public
            .verify(
                &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                format!("{header}.{payload}").as_bytes(),
                &signature,
            )
            .ok()?;
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }
}

/// A pool's two keys: Cognito signs ID and access tokens with different keys, so code that keeps
/// only one key passes against a single-key emulator and fails against Cognito.
pub struct PoolKeys {
    pub id: SigningKey,
    pub access: SigningKey,
}

impl PoolKeys {
    pub fn generate() -> Result<Self, KeyError> {
        let kid = |kind: &str| format!("local-{kind}-{}", uuid::Uuid::new_v4().simple());
        Ok(Self {
            id: SigningKey::generate(&kid("id"))?,
            access: SigningKey::generate(&kid("access"))?,
        })
    }

    /// The keys kept in `path`, created there on first use, so tokens a restarted stand-in issued
    /// before stay valid. The file holds private keys: keep it out of version control.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        if let Ok(text) = std::fs::read_to_string(path) {
            let file: serde_json::Value = serde_json::from_str(&text).map_err(|_| KeyError)?;
            let key = |kind: &str| {
                let entry = &file[kind];
                SigningKey::from_pkcs8(
                    entry["kid"].as_str().ok_or(KeyError)?,
                    entry["pkcs8"].as_str().ok_or(KeyError)?,
                )
            };
            return Ok(Self {
                id: key("id")?,
                access: key("access")?,
            });
        }
        let keys = Self::generate()?;
        let file = json!({
            "id": {"kid": keys.id.kid, "pkcs8": keys.id.to_pkcs8()?},
            "access": {"kid": keys.access.kid, "pkcs8": keys.access.to_pkcs8()?},
        });
        std::fs::write(path, file.to_string()).map_err(|_| KeyError)?;
        Ok(keys)
    }

    /// Both public keys, as the pool's JWKS lists them.
    pub fn jwks(&self) -> Value {
        json!({"keys": [self.id.jwk(), self.access.jwk()]})
    }

    /// The claims of a token either key signed (ID or access), checked.
    pub fn verify_any(&self, token: &str) -> Option<Value> {
        self.access.verify(token).or_else(|| self.id.verify(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_keeps_both_keys_across_restarts() {
        let path = std::env::temp_dir().join(format!(
            "standin-keys-{}.json",
            uuid::Uuid::new_v4().simple()
        ));
        let first = PoolKeys::load_or_create(&path).unwrap();
        let token = first.access.sign(&json!({"sub": "s"})).unwrap();
        let again = PoolKeys::load_or_create(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            (again.id.kid.as_str(), again.access.kid.as_str()),
            (first.id.kid.as_str(), first.access.kid.as_str())
        );
        assert_ne!(first.id.kid, first.access.kid);
        assert_eq!(again.verify_any(&token).unwrap()["sub"], "s");
        // A token of the other pool's keys is not taken for ours.
        let other = PoolKeys::generate().unwrap();
        assert!(
            again
                .verify_any(&other.id.sign(&json!({})).unwrap())
                .is_none()
        );
    }
}
