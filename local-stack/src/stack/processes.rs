//! The stack's processes: moto's DynamoDB server, `cargo lambda watch` emulating Lambda's APIs,
//! the functions' processes polling its Runtime API, and the local Gateways. Each child runs in its
//! own process group, and the whole group is terminated when its guard drops.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use booking_auth::contract::interceptor::INTERCEPTOR_FUNCTION;

use super::{
    GatewayPorts, INSTANCES, Result, Stack, StackError, functions, lambda_functions, venv_bin,
};

pub struct ChildGuard {
    child: Child,
    pub name: &'static str,
    pub log: PathBuf,
}

impl ChildGuard {
    pub fn spawn(name: &'static str, command: Command, log: PathBuf) -> std::io::Result<Self> {
        let out = std::fs::File::create(&log)?;
        Self::spawn_into(name, command, log, out)
    }

    /// Like [`ChildGuard::spawn`], adding to the end of `log`: for processes that share one log.
    pub fn spawn_appending(
        name: &'static str,
        command: Command,
        log: &Path,
    ) -> std::io::Result<Self> {
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)?;
        Self::spawn_into(name, command, log.to_path_buf(), out)
    }

    fn spawn_into(
        name: &'static str,
        mut command: Command,
        log: PathBuf,
        out: std::fs::File,
    ) -> std::io::Result<Self> {
        let err = out.try_clone()?;
        command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0);
        Ok(Self {
            child: command.spawn()?,
            name,
            log,
        })
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The last lines of this process's log, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    fn signal_group(&self, signal: &str) {
        // `kill -SIG -PGID` reaches every process of the group without unsafe code.
        let _ = Command::new("kill")
            .args([signal, "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    pub fn stop(&mut self) {
        if !self.is_running() {
            self.signal_group("-KILL");
            return;
        }
        self.signal_group("-TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && self.is_running() {
            std::thread::sleep(Duration::from_millis(50));
        }
        self.signal_group("-KILL");
        let _ = self.child.wait();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Wait until something accepts connections on `port`, or `child` dies, or `timeout` passes.
pub fn wait_for_port(child: &mut ChildGuard, port: u16, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if !child.is_running() {
            return Err(format!(
                "{} exited during start-up:\n{}",
                child.name,
                child.log_tail()
            ));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{} did not listen on {port} within {timeout:?}:\n{}",
                child.name,
                child.log_tail()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Stack {
    pub(super) fn start_dynamodb(&mut self) -> Result<()> {
        // moto's server, one request at a time: conditional writes are atomic as in DynamoDB
        // (local-stack/moto_serial.py says why).
        let mut command = Command::new(venv_bin(&self.root, "python")?);
        command
            .arg(self.root.join("local-stack/moto_serial.py"))
            .args(["-H", "127.0.0.1", "-p", &self.moto_port.to_string()]);
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

    pub(super) fn start_functions(&mut self, release: bool) -> Result<()> {
        let binaries = self.build_functions(release)?;
        // `cargo lambda watch` only emulates Lambda's APIs (Invoke, function URLs, the Runtime
        // API); the functions are this build's binaries, started below. Left to start them itself,
        // it would `cargo run` each one with that function's own features and compile again what
        // the workspace build already compiled. Concurrency 1 keeps it from ever starting one.
        let mut command = Command::new(venv_bin(&self.root, "cargo-lambda")?);
        command.current_dir(&self.root).args([
            "lambda",
            "watch",
            "--only-lambda-apis",
            "--invoke-address",
            "127.0.0.1",
            "--invoke-port",
            &self.watch_port.to_string(),
            "--ignore-changes",
            // The functions answer CORS themselves, from CORS_ALLOWED_ORIGINS.
            "--disable-cors",
            "--concurrency",
            "1",
        ]);
        let mut watch =
            ChildGuard::spawn("cargo lambda watch", command, self.logs.join("watch.log"))?;
        wait_for_port(&mut watch, self.watch_port, Duration::from_secs(120))?;
        self.watch = Some(watch);
        self.start_instances(&binaries)?;
        for function in functions() {
            // Each answers once it polls; `{}` is refused by every one without any AWS call.
            self.warm_up(function, json!({}), |out| {
                out.get("success") == Some(&Value::Bool(false))
            })?;
        }
        // The interceptor answers an interceptor input only.
        self.warm_up(
            INTERCEPTOR_FUNCTION,
            json!({"interceptorInputVersion": "1.0", "mcp": {"gatewayRequest": {
                "body": {"jsonrpc": "2.0", "id": 0, "method": "tools/list"}}}}),
            |out| out["interceptorOutputVersion"] == "1.0",
        )?;
        self.start_gateways()
    }

    /// Build the functions and the local Gateway; the directory of their binaries. Debug: the
    /// workspace's one debug build (`scripts/local-bin`). Release: the functions as they ship,
    /// with their own features, and the local Gateway apart from them.
    fn build_functions(&mut self, release: bool) -> Result<PathBuf> {
        let target_dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.root.join("target"));
        let builds: Vec<Command> = if release {
            let mut functions = Command::new("cargo");
            functions.args(["build", "--quiet", "--locked", "--release"]);
            for f in lambda_functions() {
                functions.args(["-p", f]);
            }
            let mut gateway = Command::new("cargo");
            gateway.args([
                "build",
                "--quiet",
                "--locked",
                "--release",
                "-p",
                "local-gateway",
            ]);
            vec![functions, gateway]
        } else {
            let mut build = Command::new(self.root.join("scripts/local-bin"));
            build.arg("--build");
            vec![build]
        };
        for mut build in builds {
            if !build.current_dir(&self.root).status()?.success() {
                return Err(StackError(format!("{build:?} failed")));
            }
        }
        self.binaries = target_dir.join(if release { "release" } else { "debug" });
        Ok(self.binaries.clone())
    }

    /// [`INSTANCES`] processes of every function, each polling `cargo lambda watch`'s Runtime API
    /// under the function's name with the stack's function environment, as it would start them.
    /// Their lines go to one log, `functions.log`.
    fn start_instances(&mut self, binaries: &Path) -> Result<()> {
        let log = self.logs.join("functions.log");
        std::fs::File::create(&log)?;
        self.write_env_file()?;
        let env = self.function_env();
        for function in lambda_functions() {
            for _ in 0..INSTANCES {
                let mut command = Command::new(binaries.join(function));
                command
                    .current_dir(&self.root)
                    .envs(env.iter().map(|(k, v)| (k, v)))
                    .env("AWS_LAMBDA_FUNCTION_NAME", function)
                    .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
                    .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "4096")
                    .env(
                        "AWS_LAMBDA_RUNTIME_API",
                        format!("http://127.0.0.1:{}/.rt/{function}", self.watch_port),
                    );
                self.instances
                    .push(ChildGuard::spawn_appending("function", command, &log)?);
            }
        }
        Ok(())
    }

    fn warm_up(
        &self,
        function: &str,
        payload: Value,
        ready: impl Fn(&Value) -> bool,
    ) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            match self.invoke(function, payload.clone(), None) {
                Ok(out) if ready(&out) => return Ok(()),
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

    /// Two local AgentCore Gateways over the same functions: the targets as deployed, and the
    /// same with the guest-token interceptor in front (`GuestTokenInterceptor=true`).
    fn start_gateways(&mut self) -> Result<()> {
        let targets = self.root.join("infra/agentcore/gateway-targets.json");
        let plain = self.start_gateway_with(&targets, None, "gateway.log")?;
        let intercepted = self.start_gateway_with(
            &targets,
            Some(INTERCEPTOR_FUNCTION),
            "gateway-intercepted.log",
        )?;
        self.gateway_ports = Some(GatewayPorts { plain, intercepted });
        Ok(())
    }

    /// One more local Gateway over the running functions, with its own targets file: its MCP
    /// endpoint. It stops with the stack.
    pub fn start_gateway(&mut self, targets: &Path, name: &str) -> Result<String> {
        let port = self.start_gateway_with(targets, None, &format!("{name}.log"))?;
        Ok(format!("http://127.0.0.1:{port}/mcp"))
    }

    fn start_gateway_with(
        &mut self,
        targets: &Path,
        interceptor: Option<&str>,
        log: &str,
    ) -> Result<u16> {
        let binary = self.binaries.join("local-gateway");
        let port = free_port()?;
        let mut command = Command::new(&binary);
        command.current_dir(&self.root);
        command
            .args(["--port", &port.to_string(), "--lambda-endpoint"])
            .arg(format!("http://127.0.0.1:{}", self.watch_port))
            .arg("--targets")
            .arg(targets);
        match interceptor {
            Some(interceptor) => {
                command.args(["--interceptor", interceptor]);
            }
            None if self.gateway_headers_arrive_empty => {
                command.arg("--headers-arrive-empty");
            }
            None => {}
        }
        let mut gateway = ChildGuard::spawn("local gateway", command, self.logs.join(log))?;
        wait_for_port(&mut gateway, port, Duration::from_secs(30))?;
        self.gateways.push(gateway);
        Ok(port)
    }

    /// The last lines of `cargo lambda watch`'s log and of the functions', for error messages.
    pub fn watch_log_tail(&self) -> String {
        [self.watch.as_ref(), self.instances.first()]
            .into_iter()
            .flatten()
            .map(ChildGuard::log_tail)
            .collect::<Vec<_>>()
            .join("\n")
    }
}
