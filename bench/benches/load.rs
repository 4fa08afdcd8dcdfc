//! Load on the local stack: a bounded number of `get_my_reservations` calls (default 2,000) at a
//! fixed concurrency (default 8), as AgentCore Gateway makes them (Invoke API, tool name and the
//! guest's bearer token in the client context), against the release build under
//! `cargo lambda watch`, with moto and the Cognito stand-in. Every answer is checked; prints
//! throughput, p50, p99 and errors; writes `target/bench/load.json`.
//!
//! Usage: load [--calls N] [--concurrency C] [--max-seconds S]

use booking_auth::contract::{GetMyReservationsContract, ToolContract};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use booking_bench::{Error, arg, median, quantile, write_results};
use local_stack::{DEMO_EMAIL, Functions, Stack, StackOptions, gateway_context};
use serde_json::json;

fn main() -> Result<(), Error> {
    let calls = arg("--calls", 2000)? as usize;
    let concurrency = arg("--concurrency", 8)? as usize;
    let max = Duration::from_secs(arg("--max-seconds", 300)?);
    let stack = Stack::start_with_options(StackOptions {
        functions: Functions::Release,
        ..Default::default()
    })?;
    stack.seed_demo()?;
    let session = stack.cognito_session(DEMO_EMAIL)?;
    let bearer = format!(
        "Bearer {}",
        session["access_token"].as_str().unwrap_or_default()
    );
    let context = gateway_context(
        GetMyReservationsContract::FUNCTION,
        GetMyReservationsContract::NAME,
        Some(json!({"x-guest-authorization": bearer})),
    );
    let call = || -> Result<(), Error> {
        let out = stack.invoke(
            GetMyReservationsContract::FUNCTION,
            json!({}),
            Some(context.clone()),
        )?;
        match out["reservations"].as_array().map(Vec::len) {
            Some(3) if out["success"] == true => Ok(()),
            _ => Err(format!("unexpected answer {out}").into()),
        }
    };
    // Start every function instance watch will run before timing anything.
    std::thread::scope(|s| {
        for _ in 0..concurrency {
            s.spawn(call);
        }
    });

    let next = AtomicUsize::new(0);
    let latencies = Mutex::new(Vec::with_capacity(calls));
    let errors = Mutex::new(Vec::new());
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..concurrency {
            s.spawn(|| {
                while next.fetch_add(1, Ordering::SeqCst) < calls && started.elapsed() < max {
                    let t = Instant::now();
                    let result = call();
                    let ms = t.elapsed().as_secs_f64() * 1e3;
                    match result {
                        Ok(()) => latencies.lock().map(|mut l| l.push(ms)).unwrap_or_default(),
                        Err(e) => errors
                            .lock()
                            .map(|mut l| l.push(e.to_string()))
                            .unwrap_or_default(),
                    }
                }
            });
        }
    });
    let wall = started.elapsed().as_secs_f64();
    let latencies = latencies.into_inner().unwrap_or_default();
    let errors = errors.into_inner().unwrap_or_default();
    // Calls never made because the time bound was hit count as errors too.
    let missing = calls.saturating_sub(latencies.len() + errors.len());
    let result = json!({
        "calls": calls,
        "concurrency": concurrency,
        "completed": latencies.len(),
        "errors": errors.len() + missing,
        "first_errors": errors.iter().take(5).collect::<Vec<_>>(),
        "wall_seconds": wall,
        "throughput_per_second": latencies.len() as f64 / wall,
        "p50_ms": median(&latencies),
        "p90_ms": quantile(&latencies, 0.9),
        "p99_ms": quantile(&latencies, 0.99),
        "max_ms": quantile(&latencies, 1.0),
    });
    write_results("load", &result)?;
    println!(
        "Load: {calls} get_my_reservations calls at concurrency {concurrency} (release build, cargo lambda watch, moto, stand-in)"
    );
    println!(
        "  {:.0} calls/s  p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms  errors {}  ({:.1} s)",
        result["throughput_per_second"].as_f64().unwrap_or_default(),
        result["p50_ms"].as_f64().unwrap_or_default(),
        result["p90_ms"].as_f64().unwrap_or_default(),
        result["p99_ms"].as_f64().unwrap_or_default(),
        result["max_ms"].as_f64().unwrap_or_default(),
        errors.len() + missing,
        wall
    );
    if errors.len() + missing > 0 {
        return Err(format!(
            "{} calls failed; first: {:?}",
            errors.len() + missing,
            errors.first()
        )
        .into());
    }
    Ok(())
}
