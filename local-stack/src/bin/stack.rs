//! `stack`: the local stack for another program (the agent's tests, the whole topology). Starts
//! it, prints its endpoints as one JSON line on stdout, and runs until its standard input closes
//! (its parent exited), Ctrl-C or SIGTERM; then it stops every process it started.
//!
//! Usage: `stack [--seed-demo] [--cors-origin ORIGIN]… [--per-source-budget N]
//! [--gateway-headers-arrive-empty]`. `--seed-demo` adds
//! the demo guest with three reservations; `--cors-origin` lets a page on that origin call the
//! function URLs; `--per-source-budget` sets the codes one source may have sent per hour (the
//! agent's tests reach it in a few turns); `--gateway-headers-arrive-empty` starts the Gateway without
//! an interceptor as one public report describes AWS's (allowlisted headers arrive empty), for
//! `scripts/conformance --local --alternatives`.

use std::io::Read;

use local_stack::{LOCAL_BUDGETS, Stack, StackOptions};
use serde_json::json;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let origins: Vec<String> = args
        .windows(2)
        .filter(|w| w[0] == "--cors-origin")
        .map(|w| w[1].clone())
        .collect();
    let per_source = args
        .windows(2)
        .find(|w| w[0] == "--per-source-budget")
        .map(|w| w[1].parse::<u32>());
    let budgets = match per_source {
        None => None,
        Some(Ok(n)) if n > 0 => Some(booking_auth::domain::budget::BudgetPolicy {
            per_source_per_hour: n,
            ..LOCAL_BUDGETS
        }),
        Some(_) => {
            eprintln!("--per-source-budget takes a whole number above zero");
            return std::process::ExitCode::FAILURE;
        }
    };
    let options = StackOptions {
        extra_origins: origins,
        budgets,
        gateway_headers_arrive_empty: args.iter().any(|a| a == "--gateway-headers-arrive-empty"),
        ..StackOptions::default()
    };
    let mut stack = match Stack::start_with_options(options) {
        Ok(stack) => stack,
        Err(e) => {
            eprintln!("the local stack did not start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let demo = if args.iter().any(|a| a == "--seed-demo") {
        match stack.seed_demo() {
            Ok(guest) => json!({"email": guest.email, "guest_id": guest.guest_id}),
            Err(e) => {
                eprintln!("seeding the demo guest failed: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    } else {
        serde_json::Value::Null
    };
    println!(
        "{}",
        json!({
            "standin": stack.standin_url(),
            "gateway": stack.mcp_url(false),
            "gateway_intercepted": stack.mcp_url(true),
            "refresh_url": stack.function_url("refresh"),
            "sign_out_url": stack.function_url("sign-out"),
            "functions": stack.function_url(""),
            "logs": stack.logs_dir(),
            "agent_env": stack
                .agent_env()
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect::<serde_json::Map<_, _>>(),
            "demo": demo,
        })
    );
    stack.block_on(async {
        // Reading stdin to its end blocks: a thread of its own, raced against Ctrl-C.
        let stdin_closed = tokio::task::spawn_blocking(|| {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
        });
        // SIGTERM too: the processes it started (moto, cargo lambda watch, the Gateways) must not
        // outlive it.
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let terminated = async {
            match terminate.as_mut() {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = stdin_closed => {}
            _ = tokio::signal::ctrl_c() => {}
            _ = terminated => {}
        }
    });
    stack.stop();
    std::process::ExitCode::SUCCESS
}
