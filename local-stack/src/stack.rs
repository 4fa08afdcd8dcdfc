//! Start, drive and stop the local stack.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};
use bytes::Bytes;
use cognito_stand_in::{Settings, StandIn};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::process::{ChildGuard, free_port, wait_for_port};
use crate::tables::{self, TableDef};

/// The function binaries, as `cargo lambda watch` names them.
pub const FUNCTIONS: [&str; 5] = [
    "initiate-login",
    "verify-otp",
    "refresh",
    "reservations",
    "sign-out",
];
/// The browser origin the functions allow (CORS) in the local stack.
pub const ORIGIN: &str = "http://localhost:5173";
pub const DEMO_EMAIL: &str = "demo.guest@example.com";
const REGION: &str = "eu-west-1";

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

/// Which build of the functions `cargo lambda watch` serves, if any.
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
}

pub struct Stack {
    rt: tokio::runtime::Runtime,
    root: PathBuf,
    logs: PathBuf,
    moto: Option<ChildGuard>,
    moto_port: u16,
    watch: Option<ChildGuard>,
    watch_port: u16,
    standin: Arc<StandIn>,
    standin_url: String,
    tables: Vec<TableDef>,
    cors_origins: Vec<String>,
    http: HttpClient<HttpConnector, Full<Bytes>>,
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
    /// Start everything: moto, the Cognito stand-in, the tables, and `cargo lambda watch` with all
    /// four functions warmed up (built once; later starts reuse the binaries).
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
            standin,
            standin_url,
            tables: tables::load()?,
            cors_origins: std::iter::once(ORIGIN.to_owned())
                .chain(extra_origins.iter().cloned())
                .collect(),
            http: HttpClient::builder(hyper_util::rt::TokioExecutor::new()).build_http(),
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

    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.rt.block_on(future)
    }

    pub fn logs_dir(&self) -> &Path {
        &self.logs
    }

    pub fn invoke_port(&self) -> u16 {
        self.watch_port
    }

    /// The function URL base of `function` under `cargo lambda watch`.
    pub fn function_url(&self, function: &str) -> String {
        format!(
            "http://127.0.0.1:{}/lambda-url/{function}/",
            self.watch_port
        )
    }

    pub fn settings(&self) -> Settings {
        self.standin.settings()
    }

    /// The environment the functions run with: only standard AWS variables point them here.
    pub fn function_env(&self) -> Vec<(String, String)> {
        let s = self.settings();
        let mut env = vec![
            ("AWS_REGION", REGION.to_owned()),
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
            ("USER_POOL_ID", s.user_pool_id.clone()),
            ("USER_POOL_CLIENT_ID", s.client_id.clone()),
            ("COGNITO_ISSUER", self.standin.issuer()),
            ("CORS_ALLOWED_ORIGINS", self.cors_origins.join(",")),
            // Readers refuse access tokens of signed-out sessions.
            ("REVOCATION_CHECK", "true".to_owned()),
            // A short leeway keeps expiry tests quick.
            ("JWT_LEEWAY_SECONDS", "1".to_owned()),
        ];
        for t in &self.tables {
            env.push((t.env.as_str(), t.local_name.clone()));
        }
        env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    /// Write the function environment as an env file for `cargo lambda watch --env-file`.
    pub fn write_env_file(&self) -> Result<PathBuf> {
        let path = self.logs.join("functions.env");
        let text: String = self
            .function_env()
            .iter()
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect();
        std::fs::write(&path, text)?;
        Ok(path)
    }

    fn start_dynamodb(&mut self) -> Result<()> {
        let mut command = Command::new(venv_bin(&self.root, "moto_server")?);
        command.args(["-H", "127.0.0.1", "-p", &self.moto_port.to_string()]);
        let mut moto = ChildGuard::spawn("moto_server", command, self.logs.join("moto.log"))?;
        wait_for_port(&mut moto, self.moto_port, Duration::from_secs(60))?;
        self.moto = Some(moto);
        self.rt.block_on(self.create_tables())
    }

    /// Simulate a DynamoDB outage: stop the server (its data goes with it).
    pub fn stop_dynamodb(&mut self) {
        if let Some(mut moto) = self.moto.take() {
            moto.stop();
        }
    }

    /// End an outage: a fresh server on the same port, with empty tables.
    pub fn restart_dynamodb(&mut self) -> Result<()> {
        self.stop_dynamodb();
        self.start_dynamodb()
    }

    async fn create_tables(&self) -> Result<()> {
        for table in &self.tables {
            let mut create = self
                .dynamodb
                .create_table()
                .table_name(&table.local_name)
                .billing_mode(BillingMode::PayPerRequest);
            for key in &table.keys {
                let kind = if key.role == "RANGE" {
                    KeyType::Range
                } else {
                    KeyType::Hash
                };
                create = create
                    .key_schema(
                        KeySchemaElement::builder()
                            .attribute_name(&key.name)
                            .key_type(kind)
                            .build()
                            .map_err(|e| e.to_string())?,
                    )
                    .attribute_definitions(
                        AttributeDefinition::builder()
                            .attribute_name(&key.name)
                            .attribute_type(ScalarAttributeType::from(key.kind.as_str()))
                            .build()
                            .map_err(|e| e.to_string())?,
                    );
            }
            create
                .send()
                .await
                .map_err(|e| format!("CreateTable {}: {e:?}", table.local_name))?;
            if let Some(ttl) = &table.ttl_attribute {
                self.dynamodb
                    .update_time_to_live()
                    .table_name(&table.local_name)
                    .time_to_live_specification(
                        TimeToLiveSpecification::builder()
                            .attribute_name(ttl)
                            .enabled(true)
                            .build()
                            .map_err(|e| e.to_string())?,
                    )
                    .send()
                    .await
                    .map_err(|e| format!("UpdateTimeToLive {}: {e:?}", table.local_name))?;
            }
        }
        Ok(())
    }

    /// Clean state: empty tables, a fresh pool (no users, sessions or inbox), default settings, no faults.
    pub fn reset(&mut self) -> Result<()> {
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

    fn start_functions(&mut self, release: bool) -> Result<()> {
        // Build once, up front, so a compile error reads as one and watch only reuses the binaries.
        let mut build = Command::new("cargo");
        build.current_dir(&self.root).args(["build", "--quiet"]);
        if release {
            build.arg("--release");
        }
        for f in FUNCTIONS {
            build.args(["-p", f]);
        }
        if !build.status()?.success() {
            return Err(StackError("building the functions failed".into()));
        }
        let env_file = self.write_env_file()?;
        let mut command = Command::new(venv_bin(&self.root, "cargo-lambda")?);
        command.current_dir(&self.root).args([
            "lambda",
            "watch",
            "--invoke-address",
            "127.0.0.1",
            "--invoke-port",
            &self.watch_port.to_string(),
            "--ignore-changes",
            // The functions answer CORS themselves, from CORS_ALLOWED_ORIGINS.
            "--disable-cors",
            "--concurrency",
            "8",
            "--env-file",
        ]);
        command.arg(&env_file);
        if release {
            command.arg("--release");
        }
        let mut watch =
            ChildGuard::spawn("cargo lambda watch", command, self.logs.join("watch.log"))?;
        wait_for_port(&mut watch, self.watch_port, Duration::from_secs(120))?;
        self.watch = Some(watch);
        for function in FUNCTIONS {
            // A first invoke starts each function; `{}` is refused by every one without any AWS call.
            let deadline = Instant::now() + Duration::from_secs(300);
            loop {
                match self.invoke(function, json!({}), None) {
                    Ok(out) if out.get("success") == Some(&Value::Bool(false)) => break,
                    Ok(out) => {
                        return Err(StackError(format!("{function} warm-up answered {out}")));
                    }
                    Err(e) if Instant::now() > deadline => {
                        return Err(StackError(format!(
                            "{function} did not start: {e}\n{}",
                            self.watch_log_tail()
                        )));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(500)),
                }
            }
        }
        Ok(())
    }

    pub fn watch_log_tail(&self) -> String {
        self.watch
            .as_ref()
            .map(ChildGuard::log_tail)
            .unwrap_or_default()
    }

    async fn request(
        &self,
        method: &str,
        url: String,
        headers: &[(&str, String)],
        body: Option<String>,
    ) -> Result<HttpReply> {
        let mut builder = http::Request::builder().method(method).uri(url);
        for (k, v) in headers {
            builder = builder.header(*k, v);
        }
        let request = builder
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| e.to_string())?;
        let response = tokio::time::timeout(Duration::from_secs(120), self.http.request(request))
            .await
            .map_err(|_| StackError("request timed out".into()))?
            .map_err(|e| StackError(e.to_string()))?;
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok(HttpReply {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned())),
        })
    }

    async fn control(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        let reply = self
            .request(
                method,
                format!("{}{path}", self.standin_url),
                &[],
                body.map(|b| b.to_string()),
            )
            .await?;
        if reply.status >= 300 {
            return Err(StackError(format!(
                "{method} {path}: {} {}",
                reply.status, reply.body
            )));
        }
        Ok(reply.body)
    }

    /// Change the stand-in pool's settings (e.g. `{"refresh_rotation": true}`).
    pub fn configure_pool(&self, patch: Value) -> Result<()> {
        self.rt
            .block_on(self.control("POST", "/_config", Some(patch)))
            .map(|_| ())
    }

    /// Make a Cognito operation fail (see the stand-in's `/_faults`).
    pub fn inject_fault(&self, fault: Value) -> Result<()> {
        self.rt
            .block_on(self.control("POST", "/_faults", Some(fault)))
            .map(|_| ())
    }

    pub fn clear_faults(&self) -> Result<()> {
        self.rt
            .block_on(self.control("DELETE", "/_faults", None))
            .map(|_| ())
    }

    /// The newest code emailed to `email`.
    pub fn latest_code(&self, email: &str) -> Result<String> {
        self.standin
            .inbox(email)
            .iter()
            .rev()
            .find_map(|m| {
                m["code"]
                    .as_str()
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
            })
            .ok_or_else(|| StackError(format!("no code in the inbox of {email}")))
    }

    pub fn inbox_len(&self, email: &str) -> usize {
        self.standin.inbox(email).len()
    }

    /// Invoke a function through `cargo lambda watch`'s Invoke API, as Lambda would: the payload,
    /// and optionally a client context (AgentCore Gateway). A Lambda error is `Err`.
    pub fn invoke(
        &self,
        function: &str,
        payload: Value,
        client_context: Option<Value>,
    ) -> Result<Value> {
        self.rt
            .block_on(self.invoke_async(function, payload, client_context))
    }

    pub async fn invoke_async(
        &self,
        function: &str,
        payload: Value,
        client_context: Option<Value>,
    ) -> Result<Value> {
        let mut headers = vec![("content-type", "application/json".to_owned())];
        if let Some(ctx) = client_context {
            headers.push(("lambda-runtime-client-context", ctx.to_string()));
        }
        let url = format!(
            "http://127.0.0.1:{}/2015-03-31/functions/{function}/invocations",
            self.watch_port
        );
        let reply = self
            .request("POST", url, &headers, Some(payload.to_string()))
            .await?;
        if reply.status == 200 {
            Ok(reply.body)
        } else {
            Err(StackError(format!(
                "{function} failed with {}: {}",
                reply.status, reply.body
            )))
        }
    }

    /// An AgentCore Gateway call: bare arguments, the tool named `<target>___<tool>` in the client
    /// context, and optionally propagated headers as a nested object.
    pub fn gateway_call(
        &self,
        function: &str,
        tool: &str,
        args: Value,
        propagated: Option<Value>,
    ) -> Result<Value> {
        self.invoke(function, args, Some(gateway_context(tool, propagated)))
    }

    /// A request to a function URL (`/lambda-url/<function>/...`).
    pub fn url(
        &self,
        function: &str,
        method: &str,
        headers: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<HttpReply> {
        let url = format!(
            "http://127.0.0.1:{}/lambda-url/{function}/",
            self.watch_port
        );
        let mut headers = headers.to_vec();
        if body.is_some() {
            headers.push(("content-type", "application/json".to_owned()));
        }
        self.rt
            .block_on(self.request(method, url, &headers, body.map(|b| b.to_string())))
    }

    /// A passwordless user in the stand-in pool.
    pub fn create_user(&self, email: &str) -> Result<String> {
        self.rt.block_on(async {
            let attr = |n: &str, v: &str| {
                AttributeType::builder()
                    .name(n)
                    .value(v)
                    .build()
                    .map_err(|e| e.to_string())
            };
            let out = self
                .cognito
                .admin_create_user()
                .user_pool_id(self.settings().user_pool_id)
                .username(email)
                .user_attributes(attr("email", email)?)
                .user_attributes(attr("email_verified", "true")?)
                .message_action(MessageActionType::Suppress)
                .send()
                .await
                .map_err(|e| format!("AdminCreateUser: {e:?}"))?;
            out.user
                .and_then(|u| u.username)
                .ok_or_else(|| StackError("AdminCreateUser returned no username".into()))
        })
    }

    fn table(&self, env: &str) -> Result<&str> {
        self.tables
            .iter()
            .find(|t| t.env == env)
            .map(|t| t.local_name.as_str())
            .ok_or_else(|| StackError(format!("no table for {env} in infra/tables.json")))
    }

    /// A guest with a user in the pool, a guest record and sample reservations.
    pub fn seed_guest(&self, email: &str, guest_id: &str, reservations: &[Value]) -> Result<Guest> {
        let sub = self.create_user(email)?;
        let guests = self.table("GUESTS_TABLE")?.to_owned();
        let stays = self.table("RESERVATIONS_TABLE")?.to_owned();
        self.rt.block_on(async {
            let put = |table: &str, item: Value| {
                let item = serde_dynamo::to_item(item).map_err(|e| e.to_string());
                let request = self.dynamodb.put_item().table_name(table);
                async move { request.set_item(Some(item?)).send().await.map(|_| ()).map_err(|e| format!("PutItem: {e:?}")) }
            };
            put(&guests, json!({"pk": format!("SUB#{sub}"), "cognito_sub": sub, "guest_id": guest_id, "email": email, "created_at": 1_767_225_600})).await?;
            put(&guests, json!({"pk": format!("GUEST#{guest_id}"), "cognito_sub": sub})).await?;
            for r in reservations {
                let mut item = r.clone();
                item["cognito_sub"] = json!(sub);
                item["stay_key"] = json!(format!("{}#{}", r["check_in"].as_str().unwrap_or_default(), r["reservation_id"].as_str().unwrap_or_default()));
                put(&stays, item).await?;
            }
            Ok::<_, StackError>(())
        })?;
        Ok(Guest {
            email: email.to_owned(),
            sub,
            guest_id: guest_id.to_owned(),
        })
    }

    /// The demo guest of the journey, with three stays.
    pub fn seed_demo(&self) -> Result<Guest> {
        self.seed_guest(
            DEMO_EMAIL,
            "GST-2026-DEMQ42",
            &[
                json!({"reservation_id": "RES-2026-0419", "property_name": "Harbour View Hotel", "room_type": "Deluxe Double", "check_in": "2026-04-19", "check_out": "2026-04-22", "status": "completed", "guests": 2, "total_amount": "612.00", "currency": "EUR"}),
                json!({"reservation_id": "RES-2027-0315", "property_name": "Harbour View Hotel", "room_type": "Sea View Suite", "check_in": "2027-03-15", "check_out": "2027-03-20", "status": "confirmed", "guests": 2, "total_amount": "1490.00", "currency": "EUR"}),
                json!({"reservation_id": "RES-2026-1224", "property_name": "Alpine Lodge", "room_type": "Family Room", "check_in": "2026-12-24", "check_out": "2026-12-28", "status": "confirmed", "guests": 4, "total_amount": "980.00", "currency": "EUR"}),
            ],
        )
    }

    /// Keep a real function output for the frontend contract tests (`target/local-stack/captured/`).
    pub fn capture(&self, name: &str, output: &Value) -> Result<()> {
        let dir = self.logs.join("captured");
        std::fs::create_dir_all(&dir)?;
        let text = serde_json::to_string_pretty(output).map_err(|e| e.to_string())?;
        std::fs::write(dir.join(format!("{name}.json")), text)?;
        Ok(())
    }

    /// Every item of the table that `env` names.
    pub fn scan(&self, env: &str) -> Result<Vec<Value>> {
        let table = self.table(env)?.to_owned();
        self.rt.block_on(async {
            let out = self
                .dynamodb
                .scan()
                .table_name(table)
                .send()
                .await
                .map_err(|e| format!("Scan: {e:?}"))?;
            serde_dynamo::from_items(out.items.unwrap_or_default())
                .map_err(|e| StackError(e.to_string()))
        })
    }

    /// A session for `email` made directly at the stand-in, as another device or app would get one;
    /// the AuthenticationResult as JSON (`AccessToken`, `RefreshToken`, ...).
    pub fn cognito_session(&self, email: &str) -> Result<Value> {
        use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType};
        let s = self.settings();
        let started = self.rt.block_on(
            self.cognito
                .admin_initiate_auth()
                .user_pool_id(&s.user_pool_id)
                .client_id(&s.client_id)
                .auth_flow(AuthFlowType::UserAuth)
                .auth_parameters("USERNAME", email)
                .auth_parameters("PREFERRED_CHALLENGE", "EMAIL_OTP")
                .send(),
        );
        let session = started
            .map_err(|e| format!("AdminInitiateAuth: {e:?}"))?
            .session
            .unwrap_or_default();
        let code = self.latest_code(email)?;
        let answered = self.rt.block_on(
            self.cognito
                .admin_respond_to_auth_challenge()
                .user_pool_id(&s.user_pool_id)
                .client_id(&s.client_id)
                .challenge_name(ChallengeNameType::EmailOtp)
                .session(session)
                .challenge_responses("USERNAME", email)
                .challenge_responses("EMAIL_OTP_CODE", code)
                .send(),
        );
        let result = answered
            .map_err(|e| format!("AdminRespondToAuthChallenge: {e:?}"))?
            .authentication_result
            .ok_or_else(|| StackError("no AuthenticationResult".into()))?;
        Ok(json!({
            "access_token": result.access_token,
            "refresh_token": result.refresh_token,
            "id_token": result.id_token,
        }))
    }

    /// Revoke a refresh token directly at the stand-in (what a sign-out does).
    pub fn revoke(&self, refresh_token: &str) -> Result<()> {
        self.rt.block_on(async {
            self.cognito
                .revoke_token()
                .client_id(self.settings().client_id)
                .token(refresh_token)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| StackError(format!("RevokeToken: {e:?}")))
        })
    }

    /// Stop everything this stack started.
    pub fn stop(&mut self) {
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

pub fn gateway_context(tool: &str, propagated: Option<Value>) -> Value {
    let mut custom = json!({
        "bedrockAgentCoreGatewayId": "local-gateway",
        "bedrockAgentCoreTargetId": "bookingauth",
        "bedrockAgentCoreMessageVersion": "1.0",
        "bedrockAgentCoreToolName": format!("bookingauth___{tool}"),
        "bedrockAgentCoreSessionId": "local-session",
    });
    if let Some(headers) = propagated {
        custom["bedrockAgentCorePropagatedHeaders"] = headers;
    }
    json!({"client": {}, "custom": custom, "env": {}})
}
