//! The user pool, its app client and the issuers whose tokens are accepted.

use super::Env;
use super::settings::{
    AWS_REGION, COGNITO_ISSUER, COGNITO_REPLICA_REGIONS, REFRESH_TOKEN_AUTH_FALLBACK,
    USER_POOL_CLIENT_ID, USER_POOL_CLIENT_SECRET, USER_POOL_ID,
};
use crate::domain::error::ConfigError;

/// The user pool and app client the functions act on.
#[derive(Debug, Clone)]
pub struct CognitoConfig {
    pub user_pool_id: String,
    pub client_id: String,
    /// Only for app clients created with a secret; never logged.
    pub client_secret: Option<String>,
    /// Exactly the issuers whose tokens are accepted, each with where its keys are published.
    pub issuers: Vec<TrustedIssuer>,
}

/// An issuer the configuration trusts (never one a token names for itself), and its JWKS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedIssuer {
    pub iss: String,
    pub jwks_url: String,
}

impl CognitoConfig {
    /// The pool's issuers in both formats Cognito mints
    /// (<https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_IssuerConfigurationType.html>):
    /// the original `https://cognito-idp.{region}.amazonaws.com/{pool}`, in the pool's region and in
    /// each replica region of `COGNITO_REPLICA_REGIONS`, and the updated
    /// `https://issuer-cognito-idp.{region}.amazonaws.com/{pool}`, which names the primary region
    /// wherever the token was minted. Keys are read from
    /// `{issuer}/.well-known/jwks.json`, or from the Cognito endpoint the SDK is pointed at
    /// (`AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`, a local stand-in) when one is set.
    /// `COGNITO_ISSUER` replaces the whole set with that one issuer.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let region = env
            .text(&AWS_REGION)?
            .or_else(|| env.optional("AWS_DEFAULT_REGION"))
            .ok_or(ConfigError::Missing(AWS_REGION.variable))?;
        let user_pool_id = env.must(&USER_POOL_ID)?;
        if !user_pool_id.starts_with(&format!("{region}_")) {
            return Err(ConfigError::Invalid {
                name: USER_POOL_ID.variable,
                reason: format!("expected an id of the form {region}_XXXXXXXXX"),
            });
        }
        let issuers = match env.text(&COGNITO_ISSUER)? {
            Some(issuer) => {
                let iss = issuer.trim_end_matches('/').to_owned();
                vec![TrustedIssuer {
                    jwks_url: format!("{iss}/.well-known/jwks.json"),
                    iss,
                }]
            }
            None => pool_issuers(env, &region, &user_pool_id)?,
        };
        Ok(Self {
            client_id: env.must(&USER_POOL_CLIENT_ID)?,
            client_secret: env.text(&USER_POOL_CLIENT_SECRET)?,
            user_pool_id,
            issuers,
        })
    }
}

fn pool_issuers(env: &Env, region: &str, pool: &str) -> Result<Vec<TrustedIssuer>, ConfigError> {
    let mut regions = vec![region.to_owned()];
    for replica in env
        .text(&COGNITO_REPLICA_REGIONS)?
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        let well_formed = replica
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && replica.contains('-');
        if !well_formed {
            return Err(ConfigError::Invalid {
                name: COGNITO_REPLICA_REGIONS.variable,
                reason: format!("{replica:?} is not a region name like eu-central-1"),
            });
        }
        if !regions.iter().any(|r| r == replica) {
            regions.push(replica.to_owned());
        }
    }
    let endpoint = env
        .optional("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")
        .or_else(|| env.optional("AWS_ENDPOINT_URL"))
        .map(|e| e.trim_end_matches('/').to_owned());
    let original = regions
        .iter()
        .map(|region| format!("https://cognito-idp.{region}.amazonaws.com/{pool}"));
    let updated = format!("https://issuer-cognito-idp.{region}.amazonaws.com/{pool}");
    Ok(original
        .chain(std::iter::once(updated))
        .map(|iss| TrustedIssuer {
            jwks_url: match &endpoint {
                Some(endpoint) => format!("{endpoint}/{pool}/.well-known/jwks.json"),
                None => format!("{iss}/.well-known/jwks.json"),
            },
            iss,
        })
        .collect())
}

/// How `refresh` talks to Cognito.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshConfig {
    /// Use `InitiateAuth(REFRESH_TOKEN_AUTH)` when `GetTokensFromRefreshToken` is not available
    /// (for example an emulator or a partition without it). Never used with rotation on.
    pub fallback_to_initiate_auth: bool,
}

impl RefreshConfig {
    pub fn from_env(env: &Env, cognito: &CognitoConfig) -> Result<Self, ConfigError> {
        let fallback_to_initiate_auth = env.flag(&REFRESH_TOKEN_AUTH_FALLBACK)?;
        // REFRESH_TOKEN_AUTH with a client secret needs the user's name for SECRET_HASH, which an
        // opaque refresh token does not tell us.
        if fallback_to_initiate_auth && cognito.client_secret.is_some() {
            return Err(ConfigError::Invalid {
                name: REFRESH_TOKEN_AUTH_FALLBACK.variable,
                reason: "cannot be used with USER_POOL_CLIENT_SECRET".into(),
            });
        }
        Ok(Self {
            fallback_to_initiate_auth,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("AWS_REGION", "eu-west-1"),
            ("USER_POOL_ID", "eu-west-1_AbCdEf123"),
            ("USER_POOL_CLIENT_ID", "client123"),
        ]
    }

    fn issuers(cfg: &CognitoConfig) -> Vec<(&str, &str)> {
        cfg.issuers
            .iter()
            .map(|i| (i.iss.as_str(), i.jwks_url.as_str()))
            .collect()
    }

    #[test]
    fn issuers_are_the_pools_in_both_formats() {
        let cfg = CognitoConfig::from_env(&Env::from_pairs(base())).unwrap();
        assert_eq!(
            issuers(&cfg),
            [
                (
                    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
                    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json"
                ),
                (
                    "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
                    "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json"
                ),
            ]
        );
        assert_eq!(cfg.client_secret, None);
    }

    #[test]
    fn replica_regions_add_original_format_issuers_and_bad_names_are_refused() {
        let mut vars = base();
        vars.push(("COGNITO_REPLICA_REGIONS", "eu-central-1, eu-west-1"));
        let cfg = CognitoConfig::from_env(&Env::from_pairs(vars)).unwrap();
        let names: Vec<&str> = issuers(&cfg).into_iter().map(|(iss, _)| iss).collect();
        assert_eq!(
            names,
            [
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
                "https://cognito-idp.eu-central-1.amazonaws.com/eu-west-1_AbCdEf123",
                "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
            ]
        );
        let mut bad = base();
        bad.push(("COGNITO_REPLICA_REGIONS", "evil.example.com/x"));
        let err = CognitoConfig::from_env(&Env::from_pairs(bad)).unwrap_err();
        assert!(err.to_string().contains("COGNITO_REPLICA_REGIONS"));
    }

    #[test]
    fn a_cognito_endpoint_moves_where_keys_come_from_not_the_issuers() {
        let mut vars = base();
        vars.push((
            "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
            "http://127.0.0.1:9229/",
        ));
        let cfg = CognitoConfig::from_env(&Env::from_pairs(vars)).unwrap();
        for (iss, jwks) in issuers(&cfg) {
            assert!(iss.starts_with("https://"), "{iss}");
            assert_eq!(
                jwks,
                "http://127.0.0.1:9229/eu-west-1_AbCdEf123/.well-known/jwks.json"
            );
        }
    }

    #[test]
    fn issuer_override_wins() {
        let mut vars = base();
        vars.push((
            "COGNITO_ISSUER",
            "http://127.0.0.1:9229/eu-west-1_AbCdEf123/",
        ));
        let cfg = CognitoConfig::from_env(&Env::from_pairs(vars)).unwrap();
        assert_eq!(
            issuers(&cfg),
            [(
                "http://127.0.0.1:9229/eu-west-1_AbCdEf123",
                "http://127.0.0.1:9229/eu-west-1_AbCdEf123/.well-known/jwks.json"
            )]
        );
    }

    #[test]
    fn missing_variable_is_named() {
        let env = Env::from_pairs([("AWS_REGION", "eu-west-1"), ("USER_POOL_ID", "eu-west-1_x")]);
        let err = CognitoConfig::from_env(&env).unwrap_err();
        assert_eq!(
            err.to_string(),
            "missing required environment variable USER_POOL_CLIENT_ID"
        );
    }

    #[test]
    fn pool_from_another_region_is_refused() {
        let env = Env::from_pairs([
            ("AWS_REGION", "us-east-1"),
            ("USER_POOL_ID", "eu-west-1_AbCdEf123"),
            ("USER_POOL_CLIENT_ID", "c"),
        ]);
        let err = CognitoConfig::from_env(&env).unwrap_err().to_string();
        assert!(err.contains("USER_POOL_ID"), "{err}");
    }

    #[test]
    fn flags_accept_common_spellings_only() {
        let cognito = CognitoConfig::from_env(&Env::from_pairs(base())).unwrap();
        let env = Env::from_pairs([("REFRESH_TOKEN_AUTH_FALLBACK", "TRUE")]);
        assert!(
            RefreshConfig::from_env(&env, &cognito)
                .unwrap()
                .fallback_to_initiate_auth
        );
        let env = Env::from_pairs([("REFRESH_TOKEN_AUTH_FALLBACK", "maybe")]);
        assert!(RefreshConfig::from_env(&env, &cognito).is_err());
    }

    #[test]
    fn refresh_fallback_with_a_client_secret_is_refused() {
        let mut vars = base();
        vars.push(("USER_POOL_CLIENT_SECRET", "s3cret"));
        let cognito = CognitoConfig::from_env(&Env::from_pairs(vars)).unwrap();
        let env = Env::from_pairs([("REFRESH_TOKEN_AUTH_FALLBACK", "true")]);
        let err = RefreshConfig::from_env(&env, &cognito)
            .unwrap_err()
            .to_string();
        assert!(err.contains("REFRESH_TOKEN_AUTH_FALLBACK"), "{err}");
    }
}
