//! Start-up shared by every function: logs, configuration, AWS clients built once, the invocation
//! loop. A function's `main` only says which tool it serves and how to build it.

use super::interceptor::{RequestInterceptor, answer_interception};
use super::runtime::{Error, RuntimeClient, endpoint_from_env};
use super::{EnvelopeConfig, Tool, ToolContract, route, telemetry};
use crate::aws::Aws;
use crate::config::{CorsConfig, Deploy, Env, GuestTokenConfig};
use crate::domain::error::ConfigError;

/// Run a function: build its tool once with `init`, then serve invocations until Lambda stops us.
/// `init` may read only the settings `deploy` declares. A configuration fault is reported to
/// Lambda as an init error naming the variable.
pub async fn start<T: Tool>(
    deploy: &Deploy,
    init: impl FnOnce(&Env, &Aws) -> Result<T, ConfigError>,
) -> Result<(), Error> {
    let (runtime, env) = boot(deploy)?;
    let built = async {
        let aws = Aws::load(&env).await?;
        let envelope = EnvelopeConfig {
            cors: CorsConfig::from_env(&env)?,
            guest_token: GuestTokenConfig::from_env(&env)?,
        };
        Ok::<_, ConfigError>((init(&env, &aws)?, envelope))
    }
    .await;
    let (tool, envelope) = ready(&runtime, T::Contract::NAME, built).await?;
    runtime
        .serve(T::Contract::NAME, |invocation| async {
            // Boxed: a tool's future (concurrent SDK calls inside) nested in the loop's would
            // otherwise be too deep a type for the compiler to lay out.
            Box::pin(route(&tool, &envelope, invocation))
                .await
                .map(super::Reply::into_payload)
        })
        .await
}

/// Run a Gateway REQUEST interceptor: like [`start`], for a function that is not a tool (it
/// calls no AWS service, so it loads no AWS configuration).
pub async fn start_interceptor<I: RequestInterceptor>(
    deploy: &Deploy,
    init: impl FnOnce(&Env) -> Result<I, ConfigError>,
) -> Result<(), Error> {
    let name = deploy.function;
    let (runtime, env) = boot(deploy)?;
    let interceptor = ready(&runtime, name, init(&env)).await?;
    runtime
        .serve(name, |invocation| async {
            answer_interception(&interceptor, invocation)
        })
        .await
}

fn boot(deploy: &Deploy) -> Result<(RuntimeClient, Env), Error> {
    telemetry::init();
    let runtime = RuntimeClient::new(endpoint_from_env()?);
    Ok((runtime, Env::from_process().only(&deploy.reads())))
}

/// The built handler, or the configuration fault reported to Lambda as an init error.
async fn ready<H>(
    runtime: &RuntimeClient,
    name: &'static str,
    built: Result<H, ConfigError>,
) -> Result<H, Error> {
    match built {
        Ok(handler) => {
            tracing::info!(function = name, "ready");
            Ok(handler)
        }
        Err(err) => {
            tracing::error!(error = %err, function = name, "configuration error");
            runtime
                .init_error("Runtime.ConfigError", &err.to_string())
                .await?;
            Err(err.into())
        }
    }
}
