//! A user pool's keys as Cognito has them: one for ID tokens and another for access tokens, each
//! with its own `kid` in the JWKS (the keys themselves are the `test-keys` crate's).

use std::path::Path;

use serde_json::{Value, json};
pub use test_keys::{KeyError, SigningKey, b64};

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
