//! Every caller envelope on arbitrary invocations: the bytes of a Runtime API delivery (a
//! client-context header and a payload) routed to two tools, a POST tool with required arguments
//! and the bearer-token, HTTP-GET tool, as the functions route them. Input layout: one byte picks
//! the tool, two bytes (little-endian) the client context's length, that many bytes of client
//! context, the rest is the payload. Nothing may panic, and every answer must render.
#![no_main]

use std::sync::LazyLock;

use booking_auth::AuthError;
use booking_auth::contract::{
    GetMyReservationsContract, InitiateLoginArgs, InitiateLoginContract, LoginStarted,
    ReservationsArgs, ReservationsResult, Secret,
};
use booking_auth::invoke::{CallContext, EnvelopeConfig, Invocation, Tool, route};
use libfuzzer_sys::fuzz_target;

/// Refuses every call after the envelope decoded it: the envelope is what is fuzzed.
struct Login;
impl Tool for Login {
    type Contract = InitiateLoginContract;
    async fn call(&self, _: InitiateLoginArgs, _: &CallContext) -> Result<LoginStarted, AuthError> {
        Err(AuthError::RateLimited { retry_after: 1 })
    }
}

struct Reservations;
impl Tool for Reservations {
    type Contract = GetMyReservationsContract;
    async fn call(
        &self,
        args: ReservationsArgs,
        ctx: &CallContext,
    ) -> Result<ReservationsResult, AuthError> {
        // The token rules run on fuzzed headers and arguments.
        ctx.token_or(args.auth_token.as_ref().map(Secret::expose))?;
        Err(AuthError::AuthRequired)
    }
}

static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
});
static CONFIG: LazyLock<EnvelopeConfig> =
    LazyLock::new(booking_auth_testing::fixture_envelope_config);

fuzz_target!(|data: &[u8]| {
    let [tool, low, high, rest @ ..] = data else {
        return;
    };
    let split = usize::from(u16::from_le_bytes([*low, *high])).min(rest.len());
    let (context, payload) = rest.split_at(split);
    let context = (!context.is_empty()).then(|| String::from_utf8_lossy(context).into_owned());
    let invocation = Invocation::from_parts("fuzz".into(), context.as_deref(), payload);
    let reply = RT.block_on(async {
        if tool % 2 == 0 {
            route(&Login, &CONFIG, invocation).await
        } else {
            route(&Reservations, &CONFIG, invocation).await
        }
    });
    if let Ok(reply) = reply {
        let _ = serde_json::to_string(&reply.tool_answer());
    }
});
