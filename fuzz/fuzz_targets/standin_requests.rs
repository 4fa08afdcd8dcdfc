//! The Cognito stand-in's JSON protocol on arbitrary requests: one byte picks the operation
//! (every one it serves, and an unknown one), the rest is the body. Nothing may panic, and every
//! error carries Cognito's `__type`.
#![no_main]

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU32, Ordering};

use cognito_stand_in::{Settings, StandIn};
use libfuzzer_sys::fuzz_target;

const OPERATIONS: [&str; 14] = [
    "AdminGetUser",
    "AdminCreateUser",
    "AdminInitiateAuth",
    "InitiateAuth",
    "AdminRespondToAuthChallenge",
    "RespondToAuthChallenge",
    "GetTokensFromRefreshToken",
    "RevokeToken",
    "GlobalSignOut",
    "AdminUserGlobalSignOut",
    "GetUser",
    "ListDevices",
    "DeleteUser",
    "",
];

static STANDIN: LazyLock<StandIn> =
    LazyLock::new(|| StandIn::new(Settings::default(), "http://127.0.0.1:9").expect("a stand-in"));

/// Calls since the pool was last emptied: it is emptied every 10,000, so millions of runs do not
/// fill it with made-up users.
static CALLS: AtomicU32 = AtomicU32::new(0);

fuzz_target!(|data: &[u8]| {
    if CALLS.fetch_add(1, Ordering::Relaxed) % 10_000 == 0 {
        STANDIN.reset();
    }
    let [pick, body @ ..] = data else { return };
    let operation = OPERATIONS[usize::from(*pick) % OPERATIONS.len()];
    let target = format!("AWSCognitoIdentityProviderService.{operation}");
    let (status, answer) = STANDIN.answer(Some(&target), body);
    if status != 200 {
        assert!(answer["__type"].is_string(), "{answer}");
    }
});
