//! Cold starts: each release function binary started against a one-invocation Lambda Runtime API
//! on loopback, timed from process start to its response arriving; beside a bare lambda_runtime
//! hello function and a Node.js 20 reservations handler (AWS SDK v3 + aws-jwt-verify) doing the
//! same work. The functions do their real work against the local stack (Cognito stand-in, moto).
//! Prints medians, ratios, peak RSS and CPU; writes `target/bench/cold-start.json`.
//!
//! Usage: `cargo bench -p booking-bench --bench cold-start -- [--starts N] [--bins DIR]`; the
//! binaries are the ones the zips ship, unpacked by scripts/bench (see `booking_bench::bins_dir`).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use booking_auth::contract::{
    GetMyReservationsContract, InitiateLoginContract, RefreshContract, SignOutContract,
    ToolContract, VerifyOtpContract,
};
use booking_auth_testing::runtime_api::{FakeRuntimeApi, QueuedInvocation, WhenEmpty};
use booking_bench::{
    Error, arg, bins_dir, cpu_ns, median, peak_rss_kib, quantile, results_dir, workspace_root,
    write_results,
};
use local_stack::{Functions, Stack, StackOptions, functions, gateway_context};
use serde_json::{Value, json};

const HELLO: &str = "hello-runtime";
const NODE: &str = "node-reservations";
/// Longer than any start should take; a start that times out is reported as failed.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Default)]
struct Samples {
    ms: Vec<f64>,
    ready_ms: Vec<f64>,
    rss_mib: Vec<f64>,
    cpu_ms: Vec<f64>,
}

struct Harness {
    stack: Stack,
    bins: PathBuf,
    env: Vec<(String, String)>,
    logs: PathBuf,
    samples: BTreeMap<&'static str, Samples>,
}

impl Harness {
    /// Start `name` once with `event`; return what it answered.
    fn start(
        &mut self,
        name: &'static str,
        event: Value,
        context: Option<Value>,
    ) -> Result<Value, Error> {
        let (program, args): (PathBuf, Vec<PathBuf>) = if name == NODE {
            (
                "node".into(),
                vec![workspace_root().join("bench/node/reservations.mjs")],
            )
        } else {
            (self.bins.join(name), vec![])
        };
        let invocation = QueuedInvocation {
            request_id: "bench-request-1".into(),
            payload: event,
            client_context: context.as_ref().map(Value::to_string),
        };
        // Hold the second `next`: the process stays up, idle, to be measured and then killed.
        let api = self.stack.block_on(FakeRuntimeApi::start_with(
            vec![invocation],
            WhenEmpty::Hold,
        ));
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.logs.join(format!("{name}.log")))?;
        let started = Instant::now();
        let mut child = Command::new(&program)
            .args(&args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", api.host_port())
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("{}: {e}", program.display()))?;
        let answer = self
            .stack
            .block_on(async { tokio::time::timeout(ANSWER_TIMEOUT, api.first_post()).await });
        let pid = child.id();
        let (rss, cpu) = (peak_rss_kib(pid), cpu_ns(pid));
        let _ = child.kill();
        let _ = child.wait();
        let answer =
            answer.map_err(|_| format!("{name} did not answer within {ANSWER_TIMEOUT:?}"))?;
        if !answer.path.ends_with("/response") {
            return Err(format!("{name} posted {}: {}", answer.path, answer.body).into());
        }
        let ready = *api
            .nexts()
            .first()
            .ok_or_else(|| format!("{name} answered without asking for an event"))?;
        let s = self.samples.entry(name).or_default();
        s.ms.push(answer.at.duration_since(started).as_secs_f64() * 1e3);
        s.ready_ms
            .push(ready.duration_since(started).as_secs_f64() * 1e3);
        s.rss_mib.extend(rss.map(|kib| kib as f64 / 1024.0));
        s.cpu_ms.extend(cpu.map(|ns| ns as f64 / 1e6));
        Ok(answer.body)
    }
}

fn expect(name: &str, out: &Value, ok: bool) -> Result<(), Error> {
    if ok {
        Ok(())
    } else {
        Err(format!("{name} answered {out}").into())
    }
}

fn main() -> Result<(), Error> {
    let starts = arg("--starts", 21)? as usize;
    let bins = bins_dir();
    for name in std::iter::once(HELLO).chain(functions()) {
        let path = bins.join(name);
        if !path.is_file() {
            return Err(format!(
                "{} is missing: scripts/bench unpacks the shipped binaries there",
                path.display()
            )
            .into());
        }
    }
    if !workspace_root().join("bench/node/node_modules").is_dir() {
        return Err(
            "bench/node/node_modules is missing: run `npm ci` there (scripts/bench does)".into(),
        );
    }
    let stack = Stack::start_with_options(StackOptions {
        functions: Functions::None,
        ..Default::default()
    })?;
    let mut env = stack.function_env();
    env.extend(
        [
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench"),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "bench"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let logs = results_dir()?.join("cold-start-logs");
    std::fs::create_dir_all(&logs)?;
    let mut h = Harness {
        stack,
        bins,
        env,
        logs,
        samples: BTreeMap::new(),
    };
    let stays = [
        json!({"reservation_id": "RES-2027-0315", "property_name": "Harbour View Hotel", "room_type": "Sea View Suite", "check_in": "2027-03-15", "check_out": "2027-03-20", "status": "confirmed", "guests": 2, "total_amount": "1490.00", "currency": "EUR"}),
        json!({"reservation_id": "RES-2026-1224", "property_name": "Alpine Lodge", "check_in": "2026-12-24", "check_out": "2026-12-28", "status": "confirmed"}),
        json!({"reservation_id": "RES-2026-0419", "property_name": "Harbour View Hotel", "check_in": "2026-04-19", "check_out": "2026-04-22", "status": "completed"}),
    ];
    let nonce = std::process::id();

    // One round is the whole journey, each step a fresh process; rounds use fresh guests so no
    // rate limit or revocation from an earlier round changes the work done.
    for round in 0..starts {
        let email = format!("cold-{nonce}-{round}@example.com");
        h.stack
            .seed_guest(&email, &format!("GST-2026-C{round:05}"), &stays)?;

        let out = h.start(HELLO, json!({}), None)?;
        expect(HELLO, &out, out["hello"] == "world")?;
        let started = h.start(
            InitiateLoginContract::FUNCTION,
            json!({"email": email}),
            None,
        )?;
        expect("initiate-login", &started, started["success"] == true)?;
        let code = h.stack.latest_code(&email)?;
        let tokens = h.start(
            VerifyOtpContract::FUNCTION,
            json!({"email": email, "otp_code": code, "session_token": started["session_token"]}),
            None,
        )?;
        expect("verify-otp", &tokens, tokens["event_type"] == "auth_tokens")?;
        let refreshed = h.start(
            RefreshContract::FUNCTION,
            json!({"refresh_token": tokens["refresh_token"]}),
            None,
        )?;
        expect(
            "refresh",
            &refreshed,
            refreshed["event_type"] == "auth_tokens",
        )?;
        let bearer = json!({"x-guest-authorization": format!("Bearer {}", tokens["access_token"].as_str().unwrap_or_default())});
        let context = gateway_context(
            GetMyReservationsContract::FUNCTION,
            GetMyReservationsContract::NAME,
            Some(bearer),
        );
        for name in [GetMyReservationsContract::FUNCTION, NODE] {
            let out = h.start(name, json!({}), Some(context.clone()))?;
            let count = out["reservations"].as_array().map(Vec::len);
            expect(name, &out, out["success"] == true && count == Some(3))?;
        }
        let out = h.start(
            SignOutContract::FUNCTION,
            json!({"refresh_token": tokens["refresh_token"], "access_token": tokens["access_token"]}),
            None,
        )?;
        expect("sign-out", &out, out["success"] == true)?;
        eprint!("\rcold starts: round {}/{starts}", round + 1);
    }
    eprintln!();

    let hello = median(&h.samples[HELLO].ready_ms);
    let ours = median(&h.samples["reservations"].ready_ms);
    let node = median(&h.samples[NODE].ready_ms);
    let ours_answer = median(&h.samples["reservations"].ms);
    let node_answer = median(&h.samples[NODE].ms);
    println!(
        "Cold start, {starts} starts each, medians: process start -> ready (first `next`) -> first response posted; peak RSS; CPU to the response"
    );
    let mut table = serde_json::Map::new();
    for (name, s) in &h.samples {
        let row = json!({
            "starts": s.ms.len(),
            "ready_median_ms": median(&s.ready_ms),
            "ready_vs_hello": median(&s.ready_ms) / hello,
            "median_ms": median(&s.ms),
            "p90_ms": quantile(&s.ms, 0.9),
            "min_ms": quantile(&s.ms, 0.0),
            "max_ms": quantile(&s.ms, 1.0),
            "peak_rss_mib_median": median(&s.rss_mib),
            "peak_rss_mib_max": quantile(&s.rss_mib, 1.0),
            "cpu_ms_median": median(&s.cpu_ms),
        });
        println!(
            "  {name:<18} ready {:>7.2} ms ({:>5.2}x hello)  answered {:>7.2} ms (p90 {:>7.2})  RSS {:>5.1} MiB (max {:>5.1})  CPU {:>6.2} ms",
            row["ready_median_ms"].as_f64().unwrap_or_default(),
            row["ready_vs_hello"].as_f64().unwrap_or_default(),
            row["median_ms"].as_f64().unwrap_or_default(),
            row["p90_ms"].as_f64().unwrap_or_default(),
            row["peak_rss_mib_median"].as_f64().unwrap_or_default(),
            row["peak_rss_mib_max"].as_f64().unwrap_or_default(),
            row["cpu_ms_median"].as_f64().unwrap_or_default(),
        );
        table.insert((*name).to_owned(), row);
    }
    println!(
        "  reservations: ready in {:.2}x the bare hello function's time; {:.1}x faster than Node.js to ready, {:.1}x to the answer",
        ours / hello,
        node / ours,
        node_answer / ours_answer
    );
    let result = json!({
        "starts": starts,
        "targets": table,
        "ratios": {
            "reservations_ready_vs_hello": ours / hello,
            "node_vs_reservations_ready": node / ours,
            "node_vs_reservations_answered": node_answer / ours_answer,
        },
    });
    write_results("cold-start", &result)?;
    Ok(())
}
