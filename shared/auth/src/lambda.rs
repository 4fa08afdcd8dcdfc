//! Start-up shared by every function: logs, configuration, AWS clients built once, the invocation
//! loop. A function's `main` only says which tool it serves and how to build it.

use std::time::Duration;

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::config::{CorsConfig, Env};
use crate::envelope::{EnvelopeConfig, Tool, dispatch};
use crate::error::ConfigError;
use crate::runtime::{Error, RuntimeClient, endpoint_from_env};
use crate::telemetry;
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
        aws_sdk_cognitoidentityprovider::Client::new(&self.sdk)
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk)
    }
}

/// Run a function: build its tool once with `init`, then serve invocations until Lambda stops us.
/// A configuration fault is reported to Lambda as an init error naming the variable.
pub async fn start<T: Tool>(
    init: impl FnOnce(&Env, &Aws) -> Result<T, ConfigError>,
) -> Result<(), Error> {
    telemetry::init();
    let runtime = RuntimeClient::new(endpoint_from_env()?);
    let env = Env::from_process();
    let built = async {
        let aws = Aws::load(&env).await?;
        let cors = CorsConfig::from_env(&env)?;
        Ok::<_, ConfigError>((init(&env, &aws)?, EnvelopeConfig { cors }))
    }
    .await;
    let (tool, envelope) = match built {
        Ok(ready) => ready,
        Err(err) => {
            tracing::error!(error = %err, tool = T::NAME, "configuration error");
            runtime
                .init_error("Runtime.ConfigError", &err.to_string())
                .await?;
            return Err(err.into());
        }
    };
    tracing::info!(tool = T::NAME, "ready");
    runtime
        .serve(|invocation| dispatch(&tool, &envelope, invocation))
        .await
}
