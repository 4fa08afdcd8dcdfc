//! Start-up shared by every function: logs, configuration, AWS clients built once, the invocation
//! loop. A function's `main` only says which tool it serves and how to build it.

use super::runtime::{Error, RuntimeClient, endpoint_from_env};
use super::{EnvelopeConfig, Tool, ToolContract, route, telemetry};
use crate::aws::Aws;
use crate::config::{CorsConfig, Env};
use crate::domain::error::ConfigError;

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
            tracing::error!(error = %err, tool = T::Contract::NAME, "configuration error");
            runtime
                .init_error("Runtime.ConfigError", &err.to_string())
                .await?;
            return Err(err.into());
        }
    };
    tracing::info!(tool = T::Contract::NAME, "ready");
    runtime
        .serve(|invocation| async {
            route(&tool, &envelope, invocation)
                .await
                .map(super::Reply::into_payload)
        })
        .await
}
