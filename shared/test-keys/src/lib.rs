//! RSA-2048 signing keys for tokens made locally and in tests: RS256 JWTs, the public JWK as
//! Cognito publishes it, and PKCS#8 for key files.

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
    pub fn to_pkcs8(&self) -> Result<String, KeyError> {
        use aws_lc_rs::encoding::Pkcs8V1Der;
        let der: Pkcs8V1Der<'static> = self.pair.as_der().map_err(|_| KeyError)?;
        Ok(b64(der.as_ref()))
    }

    /// A key from its PKCS#8 encoding, as [`SigningKey::to_pkcs8`] wrote it.
    pub fn from_pkcs8(kid: &str, encoded: &str) -> Result<Self, KeyError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_verifies_its_own_tokens_survives_pkcs8_and_refuses_another_keys() {
        let key = SigningKey::generate("k1").unwrap();
        let token = key.sign(&json!({"sub": "s"})).unwrap();
        assert_eq!(key.verify(&token).unwrap()["sub"], "s");
        let again = SigningKey::from_pkcs8("k1", &key.to_pkcs8().unwrap()).unwrap();
        assert_eq!(again.verify(&token).unwrap()["sub"], "s");
        assert_eq!(again.jwk(), key.jwk());
        let other = SigningKey::generate("k2").unwrap();
        assert!(other.verify(&token).is_none());
    }
}
