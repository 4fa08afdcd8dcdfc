//! Latency of every tool and path on the local stack, one call at a time: a new address's and a
//! known address's `initiate_login`, a first and a returning `verify_otp`, `get_my_reservations`,
//! `refresh` and `sign_out`, as AgentCore Gateway calls them (Invoke API, client context), against
//! the release build under `cargo lambda watch` with moto and the Cognito stand-in. Each round uses
//! fresh addresses, so no per-address limit is met; the stack's budgets are raised for the same
//! reason. Every answer is checked. Prints p50 and p99 per path; writes `target/bench/tools.json`.
//!
//! Usage: tools [--rounds N] [--max-seconds S]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use booking_auth::contract::{
    GetMyReservationsContract, InitiateLoginContract, RefreshContract, SignOutContract,
    ToolContract, VerifyOtpContract,
};
use booking_auth::domain::agentcore::DEFAULT_GUEST_TOKEN_HEADER;
use booking_auth::domain::budget::BudgetPolicy;
use booking_bench::{Error, arg, median, quantile, write_results};
use local_stack::{Functions, Stack, StackOptions};
use serde_json::{Value, json};

/// The paths, in the order a guest meets them.
const PATHS: [&str; 7] = [
    "initiate_login, new address",
    "verify_otp, first sign-in",
    "initiate_login, known address",
    "verify_otp, returning guest",
    "get_my_reservations",
    "refresh",
    "sign_out",
];

struct Round<'a> {
    stack: &'a Stack,
    times: &'a mut BTreeMap<&'static str, Vec<f64>>,
    timed: bool,
}

impl Round<'_> {
    /// One Gateway call of the tool `C`, timed under `path`; its answer must pass `ok`.
    fn call<C: ToolContract>(
        &mut self,
        path: &'static str,
        args: Value,
        bearer: Option<&str>,
        ok: impl Fn(&Value) -> bool,
    ) -> Result<Value, Error> {
        let headers = bearer.map(|t| json!({DEFAULT_GUEST_TOKEN_HEADER: format!("Bearer {t}")}));
        let started = Instant::now();
        let out = self.stack.call_tool::<C>(args, headers)?;
        let ms = started.elapsed().as_secs_f64() * 1e3;
        if !ok(&out) {
            return Err(format!("{path}: unexpected answer {out}").into());
        }
        if self.timed {
            self.times.entry(path).or_default().push(ms);
        }
        Ok(out)
    }

    fn sign_in(
        &mut self,
        email: &str,
        start: &'static str,
        finish: &'static str,
    ) -> Result<Value, Error> {
        let started =
            self.call::<InitiateLoginContract>(start, json!({"email": email}), None, |o| {
                o["success"] == true
            })?;
        let code = self.stack.latest_code(email)?;
        let args =
            json!({"email": email, "otp_code": code, "session_token": started["session_token"]});
        self.call::<VerifyOtpContract>(finish, args, None, |o| o["event_type"] == "auth_tokens")
    }

    fn run(&mut self, i: u64) -> Result<(), Error> {
        self.sign_in(&format!("new-{i}@bench.example"), PATHS[0], PATHS[1])?;
        let known = format!("guest-{i}@bench.example");
        self.stack
            .seed_guest(&known, &format!("GST-2026-B{i:05}"), &[])?;
        let tokens = self.sign_in(&known, PATHS[2], PATHS[3])?;
        let access = tokens["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        self.call::<GetMyReservationsContract>(PATHS[4], json!({}), Some(&access), |o| {
            o["success"] == true
        })?;
        let refreshed = self.call::<RefreshContract>(
            PATHS[5],
            json!({"refresh_token": tokens["refresh_token"]}),
            None,
            |o| o["event_type"] == "auth_tokens",
        )?;
        let access = refreshed["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        self.call::<SignOutContract>(
            PATHS[6],
            json!({"refresh_token": refreshed["refresh_token"]}),
            Some(&access),
            |o| o["success"] == true,
        )?;
        Ok(())
    }
}

fn main() -> Result<(), Error> {
    let rounds = arg("--rounds", 100)?;
    let max = Duration::from_secs(arg("--max-seconds", 300)?);
    let plenty = 1_000_000;
    let stack = Stack::start_with_options(StackOptions {
        functions: Functions::Release,
        budgets: Some(BudgetPolicy {
            per_source_per_hour: plenty,
            codes_per_minute: plenty,
            codes_per_hour: plenty,
            new_users_per_hour: plenty,
        }),
        ..Default::default()
    })?;
    let mut times = BTreeMap::new();
    let started = Instant::now();
    // Round 0 starts every function: not timed.
    for i in 0..=rounds {
        if started.elapsed() > max {
            return Err(format!("stopped after {i} rounds at the {max:?} bound").into());
        }
        Round {
            stack: &stack,
            times: &mut times,
            timed: i > 0,
        }
        .run(i)?;
    }
    println!(
        "Tools: {rounds} rounds, one call at a time (release build, cargo lambda watch, moto, stand-in)"
    );
    println!("  {:<32} {:>9} {:>9}", "path", "p50 ms", "p99 ms");
    let mut result = serde_json::Map::new();
    for path in PATHS {
        let samples = times.get(path).cloned().unwrap_or_default();
        let (p50, p99) = (median(&samples), quantile(&samples, 0.99));
        println!("  {path:<32} {p50:>9.1} {p99:>9.1}");
        result.insert(
            path.into(),
            json!({"calls": samples.len(), "p50_ms": p50, "p99_ms": p99}),
        );
    }
    write_results("tools", &Value::Object(result))?;
    Ok(())
}
