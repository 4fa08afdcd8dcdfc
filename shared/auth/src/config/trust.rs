//! Which certificate authorities outbound HTTPS trusts.

use super::Env;
use super::settings::TLS_TRUST_STORE;
use crate::domain::error::ConfigError;

/// Which certificate authorities outbound HTTPS trusts (`TLS_TRUST_STORE`): `amazon` (the
/// default), the Amazon Trust Services roots every AWS service endpoint chains to; or `system`,
/// the operating system's store as the AWS SDK uses by default (for an egress proxy that
/// re-signs TLS, `HTTPS_PROXY`, or endpoints outside AWS). `crate::tls` applies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrustStore {
    #[default]
    Amazon,
    System,
}

impl TrustStore {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(match env.choice(&TLS_TRUST_STORE)? {
            "system" => Self::System,
            _ => Self::Amazon,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_store_defaults_to_amazon_and_refuses_unknown_values() {
        let read = |v: &str| TrustStore::from_env(&Env::from_pairs([("TLS_TRUST_STORE", v)]));
        assert_eq!(
            TrustStore::from_env(&Env::from_pairs([])).unwrap(),
            TrustStore::Amazon
        );
        assert_eq!(read("amazon").unwrap(), TrustStore::Amazon);
        assert_eq!(read(" System ").unwrap(), TrustStore::System);
        let err = read("mozilla").unwrap_err().to_string();
        assert!(
            err.contains("TLS_TRUST_STORE") && err.contains("mozilla"),
            "{err}"
        );
    }
}
