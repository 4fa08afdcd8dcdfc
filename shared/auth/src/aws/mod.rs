//! Thin adapters over the AWS SDK: Cognito ([`cognito`]), the sign-in state ([`login`]), guests,
//! reservations and the access-token deny-list in DynamoDB, and the failure classification they
//! share ([`upstream`]). [`Aws`] builds the SDK configuration once per process.
//!
//! Adapters may import `crate::domain`, `crate::contract` (they produce its types),
//! `crate::config`, `crate::tls` and `crate::jwt::Claims` (what revocation is keyed on).

pub mod budgets;
pub mod cognito;
pub mod guests;
pub mod login;
pub mod observe;
pub mod reservations;
pub mod revocation;
pub mod upstream;

use std::time::Duration;

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use crate::config::Env;
use crate::domain::error::{AuthError, ConfigError};
use crate::tls::TrustStore;

/// The AWS configuration of this process: region, credentials and endpoints from the standard
/// variables (`AWS_ENDPOINT_URL_DYNAMODB` and friends point it at a local stack).
pub struct Aws {
    sdk: SdkConfig,
    trust: TrustStore,
}

impl Aws {
    pub async fn load(env: &Env) -> Result<Self, ConfigError> {
        // Bounded so a slow dependency becomes a retryable answer well inside the Lambda timeout.
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(2))
            .operation_attempt_timeout(Duration::from_secs(3))
            .operation_timeout(Duration::from_secs(8))
            .build();
        let trust = TrustStore::from_env(env)?;
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts);
        if let Some(client) = trust.sdk_http_client()? {
            loader = loader.http_client(client);
        }
        // Lambda gives every function its region and static credentials in the environment,
        // where the default chains would find them first anyway, after building the profile,
        // SSO, web-identity (STS), container and IMDS providers (BENCHMARKS.md). Without them
        // (a laptop with a profile) the default chains stay.
        if let Some(region) = env.optional("AWS_REGION") {
            loader = loader.region(Region::new(region));
        }
        if env.optional("AWS_ACCESS_KEY_ID").is_some()
            && env.optional("AWS_SECRET_ACCESS_KEY").is_some()
        {
            loader = loader.credentials_provider(EnvironmentVariableCredentialsProvider::new());
        }
        Ok(Self {
            sdk: loader.load().await,
            trust,
        })
    }

    /// The trust store the SDK clients use, for the HTTPS calls made outside the SDK.
    pub fn trust_store(&self) -> TrustStore {
        self.trust
    }

    pub fn cognito(&self) -> aws_sdk_cognitoidentityprovider::Client {
        use aws_sdk_cognitoidentityprovider::config::Builder;
        aws_sdk_cognitoidentityprovider::Client::from_conf(
            Builder::from(&self.sdk)
                .interceptor(observe::CallObserver)
                .build(),
        )
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        use aws_sdk_dynamodb::config::Builder;
        aws_sdk_dynamodb::Client::from_conf(
            Builder::from(&self.sdk)
                .interceptor(observe::CallObserver)
                .build(),
        )
    }
}

/// A DynamoDB item as the SDK hands it over.
pub(crate) type Item = HashMap<String, AttributeValue>;

/// A number attribute of an item.
pub(crate) fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

/// A string attribute of an item.
pub(crate) fn string<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)?.as_s().ok().map(String::as_str)
}

/// A DynamoDB item of a record, as `serde_dynamo` writes it.
pub(crate) fn to_item<T: Serialize>(
    value: &T,
) -> Result<HashMap<String, AttributeValue>, AuthError> {
    serde_dynamo::to_item(value).map_err(|e| AuthError::Internal(format!("record encoding: {e}")))
}

/// A record from a DynamoDB item; an item that does not decode is a bug or a foreign write.
pub(crate) fn from_item<T: for<'de> Deserialize<'de>>(
    item: HashMap<String, AttributeValue>,
) -> Result<T, AuthError> {
    serde_dynamo::from_item(item).map_err(|e| AuthError::Internal(format!("record decoding: {e}")))
}
