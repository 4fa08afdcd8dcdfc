//! Start, drive and stop the local stack. One `Stack`, its concerns in one module each:
//! [`processes`] (moto, `cargo lambda watch`, the functions and the local Gateways), [`seed`]
//! (tables, users, guests and their reservations), [`standin`] (controlling the Cognito stand-in
//! and reading its inbox) and [`invoke`] (calling the functions as Lambda, the Gateway and a
//! function URL would).

mod invoke;
mod processes;
mod seed;
mod standin;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Credentials, Region};
use booking_auth::config::settings;
use booking_auth::contract::generate::secret_fields;
use booking_auth::domain::budget::BudgetPolicy;
use bytes::Bytes;
use cognito_stand_in::{Settings, StandIn};
use http_body_util::Full;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::tables::{self, TableDef};
pub use invoke::gateway_context;
use processes::{ChildGuard, free_port};

/// The answer fields the contract types declare `Secret`: what the log scan looks for.
static SECRET_OUTPUTS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    let fields = secret_fields();
    let outputs = fields["outputs"].as_array().into_iter().flatten();
    outputs
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
});

/// The function binaries, as Lambda's APIs name them: one per tool of the catalog.
pub fn functions() -> Vec<&'static str> {
    booking_auth::contract::catalog()
        .iter()
        .map(|tool| tool.function)
        .collect()
}
/// Every Lambda function under `functions/`: the tools' and the Gateway REQUEST interceptor.
pub fn lambda_functions() -> Vec<&'static str> {
    let mut all = functions();
    all.push(booking_auth::contract::interceptor::INTERCEPTOR_FUNCTION);
    all
}

/// Where the two local Gateways listen.
#[derive(Debug, Clone, Copy)]
pub struct GatewayPorts {
    pub plain: u16,
    pub intercepted: u16,
}

/// The browser origin the functions allow (CORS) in the local stack.
pub const ORIGIN: &str = "http://localhost:5173";

/// The sign-in budgets the local stack's functions run with: small enough for a simulation to
/// reach each, large enough for every other test.
pub const LOCAL_BUDGETS: BudgetPolicy = BudgetPolicy {
    per_source_per_hour: 30,
    codes_per_minute: 100,
    codes_per_hour: 60,
    new_users_per_hour: 40,
};
pub const DEMO_EMAIL: &str = "demo.guest@example.com";
const REGION: &str = "eu-west-1";
/// Processes per function: calls beyond this many at once wait, as at a reserved concurrency.
/// Eight is the load benchmark's default concurrency (bench/benches/load.rs).
const INSTANCES: usize = 8;
/// A short leeway on `exp` keeps the expiry tests quick.
const JWT_LEEWAY_SECONDS: &str = "1";

#[derive(Debug)]
pub struct StackError(pub String);

impl std::fmt::Display for StackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StackError {}

impl From<String> for StackError {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<std::io::Error> for StackError {
    fn from(e: std::io::Error) -> Self {
        Self(e.to_string())
    }
}

type Result<T, E = StackError> = std::result::Result<T, E>;

/// An HTTP answer from a function URL.
#[derive(Debug, Clone)]
pub struct HttpReply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Value,
}

/// A guest created in the stand-in pool (and, when seeded, in the guest table).
#[derive(Debug, Clone)]
pub struct Guest {
    pub email: String,
    pub sub: String,
    pub guest_id: String,
}

/// Which build of the functions the stack runs, if any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Functions {
    #[default]
    Debug,
    Release,
    /// Only Cognito and DynamoDB: for a harness that runs the function binaries itself.
    None,
}

#[derive(Debug, Clone, Default)]
pub struct StackOptions {
    /// More browser origins allowed by CORS (a page served elsewhere).
    pub extra_origins: Vec<String>,
    pub functions: Functions,
    /// The sign-in budgets the functions run with; [`LOCAL_BUDGETS`] when `None`.
    pub budgets: Option<BudgetPolicy>,
    /// The Gateway without an interceptor hands targets allowlisted headers as an empty map: the
    /// reported alternative to AWS's documented behaviour (local-gateway's `--headers-arrive-empty`).
    pub gateway_headers_arrive_empty: bool,
}

pub struct Stack {
    rt: tokio::runtime::Runtime,
    root: PathBuf,
    logs: PathBuf,
    moto: Option<ChildGuard>,
    moto_port: u16,
    watch: Option<ChildGuard>,
    watch_port: u16,
    /// The processes of the functions, [`INSTANCES`] of each.
    instances: Vec<ChildGuard>,
    /// Where the binaries the stack runs were built: the debug or the release build.
    binaries: PathBuf,
    /// The local AgentCore Gateways: as deployed, and with the REQUEST interceptor in front.
    gateways: Vec<ChildGuard>,
    gateway_ports: Option<GatewayPorts>,
    gateway_headers_arrive_empty: bool,
    standin: Arc<StandIn>,
    standin_url: String,
    tables: Vec<TableDef>,
    cors_origins: Vec<String>,
    budgets: BudgetPolicy,
    http: HttpClient<HttpConnector, Full<Bytes>>,
    /// Every secret a function answered with, while [`Stack::record_secrets`] is on.
    secrets: Option<std::sync::Mutex<std::collections::BTreeSet<String>>>,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub cognito: aws_sdk_cognitoidentityprovider::Client,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn venv_bin(root: &Path, name: &str) -> Result<PathBuf> {
    let path = root.join(".local/venv/bin").join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(StackError(format!(
            "{} is missing: run scripts/setup-local first",
            path.display()
        )))
    }
}

impl Stack {
    /// Start everything: moto, the Cognito stand-in, the tables, `cargo lambda watch` with all
    /// functions warmed up, and the local Gateways (the workspace's debug build, `scripts/local-bin`).
    pub fn start() -> Result<Self> {
        Self::start_with(&[])
    }

    /// Like [`Stack::start`], allowing CORS for more browser origins (a page served elsewhere).
    pub fn start_with(extra_origins: &[String]) -> Result<Self> {
        Self::start_with_options(StackOptions {
            extra_origins: extra_origins.to_vec(),
            ..StackOptions::default()
        })
    }

    /// Start the stack as `options` say: benchmarks want release builds, or no functions at all.
    pub fn start_with_options(options: StackOptions) -> Result<Self> {
        let extra_origins = &options.extra_origins;
        let root = workspace_root();
        let logs = root.join("target/local-stack");
        std::fs::create_dir_all(&logs)?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;

        // Cognito stand-in, served from this process.
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let standin_url = format!("http://{}", listener.local_addr()?);
        let standin = Arc::new(
            StandIn::new(Settings::default(), &standin_url)
                .map_err(|e| StackError(e.to_string()))?,
        );
        {
            let standin = standin.clone();
            rt.spawn(async move {
                if let Ok(listener) = tokio::net::TcpListener::from_std(listener) {
                    cognito_stand_in::serve(listener, standin).await;
                }
            });
        }

        let moto_port = free_port()?;
        let sdk_region = Region::new(REGION);
        let credentials = Credentials::new("local", "local", None, None, "local-stack");
        let dynamodb = aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::Config::builder()
                .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
                .region(aws_sdk_dynamodb::config::Region::new(REGION))
                .credentials_provider(credentials.clone())
                .endpoint_url(format!("http://127.0.0.1:{moto_port}"))
                .build(),
        );
        let cognito = aws_sdk_cognitoidentityprovider::Client::from_conf(
            aws_sdk_cognitoidentityprovider::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(sdk_region)
                .credentials_provider(credentials)
                .endpoint_url(&standin_url)
                .build(),
        );
        let mut stack = Self {
            rt,
            root,
            logs,
            moto: None,
            moto_port,
            watch: None,
            watch_port: free_port()?,
            instances: Vec::new(),
            binaries: PathBuf::new(),
            gateways: Vec::new(),
            gateway_ports: None,
            gateway_headers_arrive_empty: options.gateway_headers_arrive_empty,
            standin,
            standin_url,
            tables: tables::all(),
            cors_origins: std::iter::once(ORIGIN.to_owned())
                .chain(extra_origins.iter().cloned())
                .collect(),
            budgets: options.budgets.clone().unwrap_or(LOCAL_BUDGETS),
            http: HttpClient::builder(hyper_util::rt::TokioExecutor::new()).build_http(),
            secrets: None,
            dynamodb,
            cognito,
        };
        stack.start_dynamodb()?;
        match options.functions {
            Functions::Debug => stack.start_functions(false)?,
            Functions::Release => stack.start_functions(true)?,
            Functions::None => {}
        }
        Ok(stack)
    }

    /// From now on keep every secret the functions answer with (tokens, session tokens), and
    /// what the stand-in hands out (codes, Cognito sessions, the addresses written to), for a
    /// search of the logs: [`Stack::secrets`].
    pub fn record_secrets(&mut self) {
        self.secrets.get_or_insert_with(Default::default);
    }

    pub(super) fn remember_secrets(&self, answer: &Value) {
        let Some(secrets) = &self.secrets else { return };
        let mut secrets = secrets.lock().unwrap_or_else(|p| p.into_inner());
        for field in SECRET_OUTPUTS.iter() {
            if let Some(secret) = answer[field].as_str().filter(|s| s.len() >= 8) {
                secrets.insert(secret.to_owned());
            }
        }
    }

    /// The secrets recorded so far, with what the stand-in handed out until now.
    pub fn secrets(&self) -> Vec<String> {
        let Some(secrets) = &self.secrets else {
            return Vec::new();
        };
        let mut secrets = secrets.lock().unwrap_or_else(|p| p.into_inner());
        secrets.extend(self.standin.handed_out());
        secrets.iter().cloned().collect()
    }

    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.rt.block_on(future)
    }

    pub fn logs_dir(&self) -> &Path {
        &self.logs
    }

    /// Each Cognito API call the stand-in has answered since the last reset, with its X-Ray trace
    /// header.
    pub fn standin_traces(&self) -> Vec<(String, Option<String>)> {
        self.standin.traces()
    }

    /// The Cognito stand-in's base URL (its `/_inbox` holds the codes it sent).
    pub fn standin_url(&self) -> &str {
        &self.standin_url
    }

    pub fn invoke_port(&self) -> u16 {
        self.watch_port
    }

    pub fn settings(&self) -> Settings {
        self.standin.settings()
    }

    /// The environment the agent (agent/) runs with against this stack: its Gateway, and the user
    /// pool whose access tokens prove a guest (keys from the stand-in, as the functions read them).
    pub fn agent_env(&self) -> Vec<(String, String)> {
        let s = self.settings();
        let mut env = vec![
            (settings::AWS_REGION.variable, REGION.to_owned()),
            (settings::USER_POOL_ID.variable, s.user_pool_id),
            (settings::USER_POOL_CLIENT_ID.variable, s.client_id),
            (
                "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
                self.standin_url.clone(),
            ),
            // The functions' leeway, so both sides agree on when a token has expired.
            (
                settings::JWT_LEEWAY_SECONDS.variable,
                JWT_LEEWAY_SECONDS.to_owned(),
            ),
        ];
        if let Some(gateway) = self.mcp_url(false) {
            env.push(("AGENT_GATEWAY_URL", gateway));
            env.push(("AGENT_GATEWAY_AUTH", "none".to_owned()));
        }
        env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    /// The environment the functions run with: only standard AWS variables point them here.
    pub fn function_env(&self) -> Vec<(String, String)> {
        let s = self.settings();
        let mut env = vec![
            (settings::AWS_REGION.variable, REGION.to_owned()),
            ("AWS_ACCESS_KEY_ID", "local".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
            (
                "AWS_ENDPOINT_URL_DYNAMODB",
                format!("http://127.0.0.1:{}", self.moto_port),
            ),
            (
                "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
                self.standin_url.clone(),
            ),
            (settings::USER_POOL_ID.variable, s.user_pool_id.clone()),
            (settings::USER_POOL_CLIENT_ID.variable, s.client_id.clone()),
            (
                settings::CORS_ALLOWED_ORIGINS.variable,
                self.cors_origins.join(","),
            ),
            // Readers refuse access tokens of signed-out sessions.
            (settings::REVOCATION_CHECK.variable, "true".to_owned()),
            // Every invocation's AWS calls, for the round-trip record (BENCHMARKS.md).
            ("RUST_LOG", "info,aws_calls=debug".to_owned()),
            (
                settings::JWT_LEEWAY_SECONDS.variable,
                JWT_LEEWAY_SECONDS.to_owned(),
            ),
            // Small sign-in budgets, so the simulation in the end-to-end tests reaches each
            // (docs/configuration.md has the production defaults).
            (
                settings::BUDGET_CODES_PER_SOURCE_PER_HOUR.variable,
                self.budgets.per_source_per_hour.to_string(),
            ),
            (
                settings::BUDGET_CODES_PER_MINUTE.variable,
                self.budgets.codes_per_minute.to_string(),
            ),
            (
                settings::BUDGET_CODES_PER_HOUR.variable,
                self.budgets.codes_per_hour.to_string(),
            ),
            (
                settings::BUDGET_NEW_USERS_PER_HOUR.variable,
                self.budgets.new_users_per_hour.to_string(),
            ),
        ];
        for t in &self.tables {
            env.push((t.env, t.local_name.clone()));
        }
        env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    /// Write the function environment as an env file (`target/local-stack/functions.env`), for a
    /// person who runs a function by hand against this stack.
    pub fn write_env_file(&self) -> Result<PathBuf> {
        let path = self.logs.join("functions.env");
        let text: String = self
            .function_env()
            .iter()
            // Quoted: a value may hold `=` (RUST_LOG's directives).
            .map(|(k, v)| format!("{k}=\"{v}\"\n"))
            .collect();
        std::fs::write(&path, text)?;
        Ok(path)
    }

    /// Clean state: empty tables, a fresh pool (no users, sessions or inbox), default settings, no faults.
    pub fn reset(&mut self) -> Result<()> {
        // What the stand-in handed out goes with its state: keep it first.
        if let Some(secrets) = &self.secrets {
            let handed_out = self.standin.handed_out();
            secrets
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(handed_out);
        }
        if self.moto.is_none() {
            self.start_dynamodb()?;
        }
        self.rt.block_on(async {
            for table in &self.tables {
                self.dynamodb
                    .delete_table()
                    .table_name(&table.local_name)
                    .send()
                    .await
                    .map_err(|e| format!("DeleteTable {}: {e:?}", table.local_name))?;
            }
            self.create_tables().await?;
            let defaults = serde_json::to_value(Settings::default()).map_err(|e| e.to_string())?;
            self.control("POST", "/_config", Some(defaults)).await?;
            self.control("POST", "/_reset", Some(json!({}))).await?;
            Ok(())
        })
    }

    /// Stop everything this stack started.
    pub fn stop(&mut self) {
        for mut gateway in self.gateways.drain(..) {
            gateway.stop();
        }
        for mut instance in self.instances.drain(..) {
            instance.stop();
        }
        if let Some(mut watch) = self.watch.take() {
            watch.stop();
        }
        self.stop_dynamodb();
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.stop();
    }
}
