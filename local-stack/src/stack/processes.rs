//! The stack's processes: moto's DynamoDB server and `cargo lambda watch` with the functions.
//! Each child runs in its own process group, and the whole group (with anything it spawned, such
//! as the functions under `cargo lambda watch`) is terminated when its guard drops.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use booking_auth::contract::interceptor::INTERCEPTOR_FUNCTION;

use super::{GatewayPorts, Result, Stack, StackError, functions, lambda_functions, venv_bin};

pub struct ChildGuard {
    child: Child,
    pub name: &'static str,
    pub log: PathBuf,
}

impl ChildGuard {
    pub fn spawn(name: &'static str, mut command: Command, log: PathBuf) -> std::io::Result<Self> {
        let out = std::fs::File::create(&log)?;
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
        // Build once, up front, so a compile error reads as one and watch only reuses the binaries.
        let mut build = Command::new("cargo");
        build.current_dir(&self.root).args(["build", "--quiet"]);
        if release {
            build.arg("--release");
        }
        for f in lambda_functions() {
            build.args(["-p", f]);
        }
        if !build.status()?.success() {
            return Err(StackError("building the functions failed".into()));
        }
        // Apart from the functions: built with them, its dependencies' features would unify with
        // theirs, and `cargo lambda watch` would build every function again.
        let mut gateway = Command::new("cargo");
        gateway
            .current_dir(&self.root)
            .args(["build", "--quiet", "-p", "local-gateway"]);
        if release {
            gateway.arg("--release");
        }
        if !gateway.status()?.success() {
            return Err(StackError("building the local Gateway failed".into()));
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
        for function in functions() {
            // A first invoke starts each function; `{}` is refused by every one without any AWS call.
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
        self.start_gateways(release)
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
    fn start_gateways(&mut self, release: bool) -> Result<()> {
        let targets = self.root.join("infra/agentcore/gateway-targets.json");
        let plain = self.start_gateway_with(release, &targets, None, "gateway.log")?;
        let intercepted = self.start_gateway_with(
            release,
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
        let port = self.start_gateway_with(false, targets, None, &format!("{name}.log"))?;
        Ok(format!("http://127.0.0.1:{port}/mcp"))
    }

    fn start_gateway_with(
        &mut self,
        release: bool,
        targets: &Path,
        interceptor: Option<&str>,
        log: &str,
    ) -> Result<u16> {
        let target_dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.root.join("target"));
        let binary = target_dir
            .join(if release { "release" } else { "debug" })
            .join("local-gateway");
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

    pub fn watch_log_tail(&self) -> String {
        self.watch
            .as_ref()
            .map(ChildGuard::log_tail)
            .unwrap_or_default()
    }
}
