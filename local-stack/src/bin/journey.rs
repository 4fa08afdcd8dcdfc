//! The sign-in journey on the local stack, as an agent walks it through the local AgentCore
//! Gateway with an MCP client (`rmcp`): initiate → code from the inbox → verify → reservations →
//! refresh → reservations with the new token → a tampered token, refused. After sign-in the
//! agent's code puts the guest's token in `X-Guest-Authorization`. `--keep-running` leaves the
//! stack up and prints the MCP endpoint for your own agent or the MCP Inspector.

use std::time::Instant;

use booking_auth::contract::{
    GetMyReservationsContract, InitiateLoginContract, RefreshContract, ToolContract,
    VerifyOtpContract,
};
use local_stack::mcp::GatewayClient;
use local_stack::{DEMO_EMAIL, Stack, StackError};
use serde_json::{Value, json};

fn shorten(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let short = match (k.as_str(), v.as_str()) {
                        (
                            "id_token" | "access_token" | "refresh_token" | "session_token",
                            Some(t),
                        ) if t.len() > 24 => {
                            json!(format!("{}…({} chars)", &t[..16], t.len()))
                        }
                        _ => shorten(v),
                    };
                    (k.clone(), short)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(shorten).collect()),
        other => other.clone(),
    }
}

struct Journey<'a> {
    stack: &'a Stack,
    url: String,
    step: usize,
    /// The agent's MCP client for the conversation, and the guest token its header carries.
    client: Option<(GatewayClient, Option<String>)>,
}

impl Journey<'_> {
    /// The conversation's client, connected again when the guest's token changed.
    fn client(&mut self, bearer: Option<&str>) -> Result<&GatewayClient, StackError> {
        let current = self.client.as_ref().map(|(_, token)| token.as_deref());
        if current != Some(bearer) {
            if let Some((old, _)) = self.client.take() {
                self.stack.block_on(old.close());
            }
            let client = self
                .stack
                .block_on(GatewayClient::connect(&self.url, bearer))?;
            self.client = Some((client, bearer.map(str::to_owned)));
        }
        self.client
            .as_ref()
            .map(|(client, _)| client)
            .ok_or_else(|| StackError("no MCP client".into()))
    }

    /// Call one tool through the local Gateway, print it, and check the outcome.
    fn call<C: ToolContract>(
        &mut self,
        title: &str,
        args: Value,
        bearer: Option<&str>,
        expect: impl Fn(&Value) -> bool,
    ) -> Result<Value, StackError> {
        self.step += 1;
        let name = format!("{}___{}", C::FUNCTION, C::NAME);
        let stack = self.stack;
        let client = self.client(bearer)?;
        let started = Instant::now();
        let answer = stack.block_on(client.call(&name, args.clone()))?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let out = answer.body;
        let ok = !answer.is_error && expect(&out);
        println!(
            "\n{} {}. {title}  [{}, {ms:.0} ms]",
            if ok { "✔" } else { "✘" },
            self.step,
            name
        );
        println!("   arguments: {}", shorten(&args));
        if bearer.is_some() {
            println!("   header set by the agent's code: X-Guest-Authorization: Bearer …");
        }
        let pretty = serde_json::to_string_pretty(&shorten(&out)).unwrap_or_default();
        for line in pretty.lines() {
            println!("   {line}");
        }
        if ok {
            Ok(out)
        } else {
            Err(StackError(format!(
                "step {} ({title}) answered unexpectedly",
                self.step
            )))
        }
    }
}

fn run(stack: &Stack) -> Result<(), StackError> {
    let guest = stack.seed_demo()?;
    println!(
        "Seeded demo guest {} ({}) with 3 reservations.",
        guest.email, guest.guest_id
    );
    let url = stack
        .mcp_url(false)
        .ok_or_else(|| StackError("the local Gateway is not running".into()))?;
    let listing = stack.block_on(async {
        let client = GatewayClient::connect(&url, None).await?;
        let listed = (client.protocol_version(), client.tool_names().await);
        client.close().await;
        Ok::<_, StackError>(listed)
    })?;
    let (version, tools) = (listing.0, listing.1?);
    println!("MCP session with the local Gateway at {url} (protocol {version}):");
    println!("  tools/list: {}", tools.join(", "));
    let mut j = Journey {
        stack,
        url,
        step: 0,
        client: None,
    };

    let started = j.call::<InitiateLoginContract>(
        "The guest gives an email; a code is sent",
        json!({"email": DEMO_EMAIL}),
        None,
        |o| o["success"] == true,
    )?;
    let code = stack.latest_code(DEMO_EMAIL)?;
    println!("\n  ✉  The local inbox has the code for {DEMO_EMAIL}: {code}");

    let tokens = j.call::<VerifyOtpContract>(
        "The guest types the code; the auth_tokens event is delivered",
        json!({"email": DEMO_EMAIL, "otp_code": code, "session_token": started["session_token"]}),
        None,
        |o| o["event_type"] == "auth_tokens",
    )?;
    let access = tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let count = |o: &Value| o["reservations"].as_array().map(Vec::len).unwrap_or(0);
    j.call::<GetMyReservationsContract>(
        "Signed in: the guest's reservations",
        json!({}),
        Some(&access),
        |o| o["success"] == true && count(o) == 3,
    )?;

    let refreshed = j.call::<RefreshContract>(
        "The session is refreshed",
        json!({"refresh_token": tokens["refresh_token"]}),
        None,
        |o| o["event_type"] == "auth_tokens",
    )?;
    let new_access = refreshed["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    j.call::<GetMyReservationsContract>(
        "Reservations with the new access token",
        json!({}),
        Some(&new_access),
        |o| count(o) == 3,
    )?;

    // Flip one character of the signature: the verifier must refuse it.
    let mut tampered = new_access.clone();
    let last = tampered
        .pop()
        .map(|c| if c == 'A' { 'B' } else { 'A' })
        .unwrap_or('A');
    tampered.push(last);
    j.call::<GetMyReservationsContract>(
        "The same call with a tampered token is refused",
        json!({}),
        Some(&tampered),
        |o| o["error_code"] == "INVALID_TOKEN",
    )?;
    if let Some((client, _)) = j.client.take() {
        stack.block_on(client.close());
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let keep_running = std::env::args().any(|a| a == "--keep-running");
    println!(
        "Starting the local stack (Cognito stand-in, moto DynamoDB, cargo lambda watch, local AgentCore Gateway)…"
    );
    let started = Instant::now();
    let mut stack = match Stack::start() {
        Ok(stack) => stack,
        Err(e) => {
            eprintln!("the local stack did not start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!(
        "Ready in {:.1} s. Logs: {}",
        started.elapsed().as_secs_f64(),
        stack.logs_dir().display()
    );
    let result = run(&stack);
    match &result {
        Ok(()) => println!("\nThe whole journey passed."),
        Err(e) => eprintln!("\n{e}\n{}", stack.watch_log_tail()),
    }
    if keep_running {
        let port = stack.invoke_port();
        println!("\nThe stack keeps running.");
        if let (Some(plain), Some(intercepted)) = (stack.mcp_url(false), stack.mcp_url(true)) {
            println!("  MCP endpoint (local AgentCore Gateway, Streamable HTTP): {plain}");
            println!("  the same with the guest-token REQUEST interceptor: {intercepted}");
            println!(
                "  point your agent or the MCP Inspector at it; after sign-in send X-Guest-Authorization: Bearer <access_token>"
            );
        }
        println!("Or invoke a function directly, from the repository root:");
        println!(
            "  .local/venv/bin/cargo-lambda lambda invoke initiate-login -A 127.0.0.1 -P {port} --data-file events/initiate-login/gateway.json --client-context-file events/initiate-login/gateway.context.json"
        );
        println!(
            "  (codes arrive in the stand-in's inbox; the functions' environment is in {}/functions.env)",
            stack.logs_dir().display()
        );
        println!("Press Ctrl-C to stop everything.");
        stack.block_on(async {
            let _ = tokio::signal::ctrl_c().await;
        });
    }
    stack.stop();
    if result.is_ok() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
