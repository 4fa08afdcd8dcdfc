//! End-to-end tests: the unchanged function binaries behind `cargo lambda watch`'s Lambda APIs, the real AWS SDK
//! over real HTTP, the Cognito stand-in and moto's DynamoDB. One stack is started for the whole run
//! (the functions are built once); every scenario begins from clean state and they run one at a time.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing scenario should panic with its message

use booking_auth::aws::observe::{Call, wave_of_each};
use booking_auth::domain::agentcore::CONVERSATION_HEADER;
use booking_auth::domain::agentcore::DEFAULT_GUEST_TOKEN_HEADER;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};
use local_stack::{DEMO_EMAIL, ORIGIN, Stack};
use serde_json::{Value, json};

type Scenario = fn(&mut Stack);

const SCENARIOS: &[(&str, Scenario)] = &[
    ("the_sign_in_journey_as_gateway_calls", journey),
    (
        "three_wrong_codes_lock_the_login_even_when_the_client_lies_about_attempts",
        three_wrong_codes,
    ),
    ("an_expired_session_is_otp_expired", expired_session),
    (
        "a_code_typed_late_signs_in_or_is_otp_expired_whichever_cognito_does",
        late_code,
    ),
    (
        "a_sign_out_refuses_every_generation_of_the_sign_in_whether_or_not_rotation_keeps_origin_jti",
        sign_out_covers_every_generation,
    ),
    (
        "a_right_code_after_a_wrong_one_signs_in_or_asks_for_a_new_code_whichever_cognito_does",
        right_code_after_a_wrong_one,
    ),
    ("a_resend_too_soon_is_rate_limited", resend_too_soon),
    ("two_guests_never_see_each_others_reservations", two_guests),
    (
        "a_guest_pages_through_every_stay_by_filter_and_never_sees_another_guests",
        paging,
    ),
    (
        "twenty_concurrent_verifications_make_one_success_and_one_guest",
        concurrent_verifications,
    ),
    (
        "refresh_rotates_and_a_revoked_refresh_token_fails",
        refresh_rotation_and_revocation,
    ),
    (
        "a_cognito_throttle_is_retryable_and_leaves_no_records",
        cognito_throttle,
    ),
    (
        "a_dynamodb_outage_is_retryable_and_leaves_no_partial_records",
        dynamodb_outage,
    ),
    ("the_http_path_through_a_function_url", http_path),
    (
        "a_gateway_call_with_nested_propagated_headers_carries_the_bearer_token",
        nested_propagated_headers,
    ),
    (
        "sign_out_ends_refreshes_and_revokes_the_access_token",
        sign_out,
    ),
    (
        "an_expired_access_token_is_token_expired_and_a_refresh_recovers",
        expired_access_token,
    ),
    (
        "a_sign_in_finishes_only_in_the_conversation_that_started_it",
        conversation_bound,
    ),
    (
        "a_thousand_addresses_from_one_source_then_another_stay_within_every_budget",
        simulation,
    ),
    (
        "every_tool_makes_its_aws_calls_in_the_fewest_waves_with_the_trace_header",
        round_trips,
    ),
    (
        "a_journey_emits_the_metrics_it_should_and_no_personal_data",
        metrics,
    ),
    // Last: it searches the logs of everything above.
    ("no_secret_reaches_a_log", no_secret_in_logs),
];

fn main() -> std::process::ExitCode {
    let mut args = Arguments::from_args();
    // Scenarios share one stack and its state.
    args.test_threads = Some(1);
    let wanted = SCENARIOS.iter().any(|(name, _)| {
        args.filter.as_deref().is_none_or(|f| {
            if args.exact {
                *name == f
            } else {
                name.contains(f)
            }
        })
    });
    let stack = if args.list || !wanted {
        None
    } else {
        match Stack::start() {
            Ok(mut stack) => {
                stack.record_secrets();
                Some(Arc::new(Mutex::new(stack)))
            }
            Err(e) => {
                eprintln!("the local stack did not start: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    };
    let trials = SCENARIOS
        .iter()
        .map(|(name, scenario)| {
            let (stack, scenario) = (stack.clone(), *scenario);
            Trial::test(*name, move || {
                let stack = stack.ok_or_else(|| Failed::from("no stack"))?;
                let mut stack = stack.lock().unwrap_or_else(|p| p.into_inner());
                stack.reset().map_err(|e| Failed::from(e.to_string()))?;
                scenario(&mut stack);
                Ok(())
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    // Stop moto, cargo lambda watch and the functions before reporting.
    drop(stack);
    conclusion.exit_code()
}

// ---- helpers -------------------------------------------------------------------------------

fn initiate(stack: &Stack, email: &str) -> Value {
    stack
        .gateway_call(
            "initiate-login",
            "initiate_login",
            json!({"email": email}),
            None,
        )
        .unwrap()
}

fn verify(stack: &Stack, email: &str, code: &str, session_token: &Value, attempts: u32) -> Value {
    let args = json!({"email": email, "otp_code": code, "session_token": session_token, "attempts": attempts, "otp_sent_at": "2020-01-01T00:00:00Z"});
    stack
        .gateway_call("verify-otp", "verify_otp", args, None)
        .unwrap()
}

/// A full sign-in; the TokenDeliveryEvent.
fn sign_in(stack: &Stack, email: &str) -> Value {
    let started = initiate(stack, email);
    assert_eq!(started["success"], true, "{started}");
    let code = stack.latest_code(email).unwrap();
    let tokens = verify(stack, email, &code, &started["session_token"], 0);
    assert_eq!(tokens["event_type"], "auth_tokens", "{tokens}");
    tokens
}

/// sign_out through the Gateway with the session of an `auth_tokens` event: its refresh token as
/// the argument, its access token in the guest-token header.
fn sign_out_through_gateway(stack: &Stack, tokens: &Value) -> Value {
    let access = tokens["access_token"].as_str().unwrap();
    let headers = json!({DEFAULT_GUEST_TOKEN_HEADER: format!("Bearer {access}")});
    stack
        .gateway_call(
            "sign-out",
            "sign_out",
            json!({"refresh_token": tokens["refresh_token"]}),
            Some(headers),
        )
        .unwrap()
}

fn reservations(stack: &Stack, access_token: &str) -> Value {
    let headers = json!({DEFAULT_GUEST_TOKEN_HEADER: format!("Bearer {access_token}")});
    stack
        .gateway_call(
            "reservations",
            "get_my_reservations",
            json!({}),
            Some(headers),
        )
        .unwrap()
}

fn ids(result: &Value) -> Vec<String> {
    result["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reservation_id"].as_str().unwrap().to_owned())
        .collect()
}

/// The auth-state table split: the budget counters (key and count), and every other record.
fn budget_counters(stack: &Stack) -> (Vec<(String, u64)>, Vec<Value>) {
    let (counters, records): (Vec<Value>, Vec<Value>) = stack
        .scan("AUTH_STATE_TABLE")
        .unwrap()
        .into_iter()
        .partition(|i| i["pk"].as_str().unwrap_or_default().starts_with("BUDGET#"));
    let counters = counters
        .iter()
        .map(|c| {
            (
                c["pk"].as_str().unwrap().to_owned(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    (counters, records)
}

fn wrong(code: &str) -> String {
    if code == "00000000" {
        "11111111".into()
    } else {
        "00000000".into()
    }
}

fn header<'a>(reply: &'a local_stack::HttpReply, name: &str) -> &'a str {
    reply
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

// ---- scenarios -----------------------------------------------------------------------------

fn journey(stack: &mut Stack) {
    let demo = stack.seed_demo().unwrap();
    let started = initiate(stack, DEMO_EMAIL);
    stack.capture("login-started", &started).unwrap();
    assert_eq!(started["delivery"], "d***@e***.com");
    assert_eq!(started["expires_in"], 180);
    assert_eq!(started["session_token"].as_str().unwrap().len(), 43);
    let code = stack.latest_code(DEMO_EMAIL).unwrap();
    assert_eq!(code.len(), 8);

    let tokens = verify(stack, DEMO_EMAIL, &code, &started["session_token"], 0);
    stack.capture("token-delivery-event", &tokens).unwrap();
    let keys: Vec<&String> = tokens.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 9, "{keys:?}");
    assert_eq!(tokens["guest_id"], demo.guest_id.as_str());
    assert_eq!(tokens["cognito_sub"], demo.sub.as_str());

    let first = reservations(stack, tokens["access_token"].as_str().unwrap());
    stack.capture("reservations-result", &first).unwrap();
    assert_eq!(
        ids(&first),
        ["RES-2027-0315", "RES-2026-1224", "RES-2026-0419"],
        "newest stay first"
    );

    let refreshed = stack
        .gateway_call(
            "refresh",
            "refresh",
            json!({"refresh_token": tokens["refresh_token"]}),
            None,
        )
        .unwrap();
    assert_eq!(refreshed["event_type"], "auth_tokens");
    stack
        .capture("token-delivery-event-refresh", &refreshed)
        .unwrap();
    assert_eq!(
        refreshed["refresh_token"], tokens["refresh_token"],
        "rotation off: the same refresh token"
    );
    assert_ne!(refreshed["access_token"], tokens["access_token"]);
    let again = reservations(stack, refreshed["access_token"].as_str().unwrap());
    assert_eq!(ids(&again), ids(&first));

    // Direct invoke with the token as an argument works too.
    let direct = stack
        .invoke(
            "reservations",
            json!({"auth_token": refreshed["access_token"]}),
            None,
        )
        .unwrap();
    assert_eq!(ids(&direct), ids(&first));

    let mut tampered = refreshed["access_token"].as_str().unwrap().to_owned();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(
        reservations(stack, &tampered)["error_code"],
        "INVALID_TOKEN"
    );
    // Verifying the same login again: used once.
    assert_eq!(
        verify(stack, DEMO_EMAIL, &code, &started["session_token"], 0)["error_code"],
        "LOGIN_NOT_FOUND"
    );
}

fn three_wrong_codes(stack: &mut Stack) {
    let email = "liar@example.com";
    let started = initiate(stack, email);
    let code = stack.latest_code(email).unwrap();
    let first = verify(stack, email, &wrong(&code), &started["session_token"], 0);
    stack.capture("failure-invalid-otp", &first).unwrap();
    assert_eq!(
        (
            first["error_code"].as_str(),
            first["attempts"].as_u64(),
            first["attempts_remaining"].as_u64()
        ),
        (Some("INVALID_OTP"), Some(1), Some(2))
    );
    let second = verify(stack, email, &wrong(&code), &started["session_token"], 0);
    assert_eq!(
        (
            second["attempts"].as_u64(),
            second["attempts_remaining"].as_u64()
        ),
        (Some(2), Some(1))
    );
    let third = verify(stack, email, &wrong(&code), &started["session_token"], 0);
    stack.capture("failure-max-attempts", &third).unwrap();
    assert_eq!(third["error_code"], "MAX_ATTEMPTS", "{third}");
    // The right code no longer helps, whatever the client claims.
    let fourth = verify(stack, email, &code, &started["session_token"], 0);
    assert_eq!(fourth["error_code"], "MAX_ATTEMPTS", "{fourth}");
    assert_eq!(fourth["retryable"], false);
    // A malformed code never spent an attempt along the way.
    assert_eq!(
        verify(stack, email, "12", &started["session_token"], 0)["error_code"],
        "INVALID_OTP_FORMAT"
    );
}

/// Whether Cognito's session survives a wrong code is not documented (scripts/conformance's
/// `wrong-code`). Both ways, the right code that follows either signs in or is answered with a
/// request for a new code, never with a count of attempts the session does not have.
fn right_code_after_a_wrong_one(stack: &mut Stack) {
    for (attempts, email) in [(3, "survives@example.com"), (1, "dies@example.com")] {
        stack
            .configure_pool(json!({"max_code_attempts": attempts}))
            .unwrap();
        let started = initiate(stack, email);
        let code = stack.latest_code(email).unwrap();
        let wrong = verify(stack, email, &wrong(&code), &started["session_token"], 0);
        assert_eq!(wrong["error_code"], "INVALID_OTP", "{wrong}");
        let right = verify(stack, email, &code, &started["session_token"], 0);
        if attempts > 1 {
            assert_eq!(right["event_type"], "auth_tokens", "{right}");
            continue;
        }
        assert_eq!(right["error_code"], "LOGIN_NOT_FOUND", "{right}");
        assert_eq!(right["retryable"], false);
        assert!(right["message"].as_str().unwrap().contains("new code"));
        for count in ["attempts", "attempts_remaining"] {
            assert!(right.get(count).is_none(), "{right}");
        }
    }
}

/// Whether a refresh with rotation keeps `origin_jti` is not documented (scripts/conformance's
/// `origin-jti`). Both ways, signing out with the newest access token refuses the older
/// generation's too.
fn sign_out_covers_every_generation(stack: &mut Stack) {
    for keeps in [true, false] {
        stack
            .configure_pool(
                json!({"refresh_rotation": true, "refresh_retry_grace_seconds": 10,
                                   "undocumented": {"rotation_keeps_origin_jti": keeps}}),
            )
            .unwrap();
        let email = if keeps {
            "kept@example.com"
        } else {
            "renamed@example.com"
        };
        let older = sign_in(stack, email);
        let newer = stack
            .gateway_call(
                "refresh",
                "refresh",
                json!({"refresh_token": older["refresh_token"]}),
                None,
            )
            .unwrap();
        assert_eq!(newer["event_type"], "auth_tokens", "{newer}");
        let origin = |t: &Value| claims(t["access_token"].as_str().unwrap())["origin_jti"].clone();
        assert_eq!(origin(&older) == origin(&newer), keeps);
        let out = sign_out_through_gateway(stack, &newer);
        assert_eq!(out["success"], true, "{out}");
        for tokens in [&older, &newer] {
            let refused = reservations(stack, tokens["access_token"].as_str().unwrap());
            assert_eq!(
                refused["error_code"], "INVALID_TOKEN",
                "keeps {keeps}: {refused}"
            );
        }
    }
}

/// Whether the emailed code lives as long as its sign-in session is not documented
/// (scripts/conformance's `code-lifetime`). Both ways, a code typed late either signs in or is
/// answered OTP_EXPIRED, which asks for a new code.
fn late_code(stack: &mut Stack) {
    for (validity, email) in [
        (None, "in.time@example.com"),
        (Some(1), "too.late@example.com"),
    ] {
        stack
            .configure_pool(json!({"undocumented": {"code_validity_seconds": validity}}))
            .unwrap();
        let started = initiate(stack, email);
        let code = stack.latest_code(email).unwrap();
        std::thread::sleep(Duration::from_millis(1_500));
        let out = verify(stack, email, &code, &started["session_token"], 0);
        if validity.is_none() {
            assert_eq!(out["event_type"], "auth_tokens", "{out}");
            continue;
        }
        assert_eq!(out["error_code"], "OTP_EXPIRED", "{out}");
        assert_eq!(out["retryable"], false);
        assert!(
            out["message"].as_str().unwrap().contains("new one"),
            "{out}"
        );
    }
}

fn expired_session(stack: &mut Stack) {
    stack
        .configure_pool(json!({"session_validity_seconds": 1}))
        .unwrap();
    let email = "slow@example.com";
    let started = initiate(stack, email);
    let code = stack.latest_code(email).unwrap();
    std::thread::sleep(Duration::from_millis(1_500));
    let out = verify(stack, email, &code, &started["session_token"], 0);
    stack.capture("failure-otp-expired", &out).unwrap();
    assert_eq!(out["error_code"], "OTP_EXPIRED", "{out}");
    assert_eq!(out["retryable"], false);
    // The login is closed: a second try is not found.
    assert_eq!(
        verify(stack, email, &code, &started["session_token"], 0)["error_code"],
        "LOGIN_NOT_FOUND"
    );
}

fn resend_too_soon(stack: &mut Stack) {
    let email = "eager@example.com";
    assert_eq!(initiate(stack, email)["success"], true);
    let again = initiate(stack, "EAGER@example.com");
    stack.capture("failure-rate-limited", &again).unwrap();
    assert_eq!(again["error_code"], "RATE_LIMITED", "{again}");
    let wait = again["retry_after"].as_u64().unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    assert_eq!(again["retryable"], true);
    assert_eq!(stack.inbox_len(email), 1, "no second code was sent");
}

fn two_guests(stack: &mut Stack) {
    let stay = |id: &str, date: &str| json!({"reservation_id": id, "property_name": "Harbour View Hotel", "check_in": date, "check_out": date, "status": "confirmed"});
    stack
        .seed_guest(
            "ann@example.com",
            "GST-2026-ANN222",
            &[
                stay("RES-ANN-1", "2027-01-01"),
                stay("RES-ANN-2", "2027-02-01"),
            ],
        )
        .unwrap();
    stack
        .seed_guest(
            "bob@example.com",
            "GST-2026-BQB333",
            &[stay("RES-BOB-1", "2027-01-15")],
        )
        .unwrap();
    let ann = sign_in(stack, "ann@example.com");
    let bob = sign_in(stack, "bob@example.com");
    let ann_view = reservations(stack, ann["access_token"].as_str().unwrap());
    let bob_view = reservations(stack, bob["access_token"].as_str().unwrap());
    assert_eq!(ids(&ann_view), ["RES-ANN-2", "RES-ANN-1"]);
    assert_eq!(ids(&bob_view), ["RES-BOB-1"]);
    assert_eq!(ann_view["guest_id"], "GST-2026-ANN222");
    // An argument cannot point at someone else: the header (Ann's) decides.
    let mixed = stack
        .gateway_call(
            "reservations",
            "get_my_reservations",
            json!({"auth_token": bob["access_token"]}),
            Some(json!({DEFAULT_GUEST_TOKEN_HEADER: format!("Bearer {}", ann["access_token"].as_str().unwrap())})),
        )
        .unwrap();
    assert_eq!(ids(&mixed), ["RES-ANN-2", "RES-ANN-1"]);
    // A signed-in user without a guest record of their own sees nothing.
    let carol = sign_in(stack, "carol@example.com");
    let carol_view = reservations(stack, carol["access_token"].as_str().unwrap());
    assert_eq!(carol_view["reservations"], json!([]));
}

/// One page of `get_my_reservations` through the Gateway.
fn reservations_page(stack: &Stack, access_token: &str, args: Value) -> Value {
    let headers = json!({DEFAULT_GUEST_TOKEN_HEADER: format!("Bearer {access_token}")});
    stack
        .gateway_call("reservations", "get_my_reservations", args, Some(headers))
        .unwrap()
}

/// Every page of one listing, following `next_token` until it is null.
fn every_page(stack: &Stack, access_token: &str, mut args: Value) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    loop {
        let page = reservations_page(stack, access_token, args.clone());
        assert_eq!(page["success"], true, "{page}");
        pages.push(ids(&page));
        match page["next_token"].as_str() {
            Some(token) => args["next_token"] = json!(token),
            None => return pages,
        }
        assert!(pages.len() <= 50, "paging does not end");
    }
}

fn paging(stack: &mut Stack) {
    use booking_auth::domain::clock::{date, system_clock};
    let day = |offset: i64| date(system_clock() + offset * 86_400);
    let stay = |id: String, check_in: String, check_out: String| json!({"reservation_id": id, "property_name": "Harbour View Hotel", "check_in": check_in, "check_out": check_out, "status": "confirmed"});
    // Ann: twelve stays that ended, one under way (in on day -2, out on day +1), ten to come.
    let mut ann_rows = Vec::new();
    for i in 0..12 {
        let start = -400 + i * 30;
        ann_rows.push(stay(format!("RES-ANN-P{i:02}"), day(start), day(start + 3)));
    }
    ann_rows.push(stay("RES-ANN-NOW".into(), day(-2), day(1)));
    for i in 0..10 {
        let start = 5 + i * 20;
        ann_rows.push(stay(format!("RES-ANN-U{i:02}"), day(start), day(start + 2)));
    }
    stack
        .seed_guest("ann@example.com", "GST-2026-ANN222", &ann_rows)
        .unwrap();
    // Bob's stays fall between Ann's, so any leak across the partition would show up in a page.
    let bob_rows: Vec<Value> = [-395, -100, 0, 6, 90]
        .iter()
        .enumerate()
        .map(|(i, d)| stay(format!("RES-BOB-{i}"), day(*d), day(d + 1)))
        .collect();
    stack
        .seed_guest("bob@example.com", "GST-2026-BQB333", &bob_rows)
        .unwrap();
    let ann = sign_in(stack, "ann@example.com");
    let bob = sign_in(stack, "bob@example.com");
    let ann_access = ann["access_token"].as_str().unwrap();
    let bob_access = bob["access_token"].as_str().unwrap();
    let by_check_in = |rows: &[Value], keep: &dyn Fn(&Value) -> bool, newest_first: bool| {
        let mut kept: Vec<(String, String)> = rows
            .iter()
            .filter(|r| keep(r))
            .map(|r| {
                (
                    r["check_in"].as_str().unwrap().to_owned(),
                    r["reservation_id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        kept.sort();
        if newest_first {
            kept.reverse();
        }
        kept.into_iter().map(|(_, id)| id).collect::<Vec<_>>()
    };
    let today = day(0);
    let ended = |r: &Value| r["check_out"].as_str().unwrap() < today.as_str();

    // The default page is small: ten of Ann's twenty-three, newest first, and a token.
    let first = reservations_page(stack, ann_access, json!({}));
    assert_eq!(ids(&first).len(), 10);
    assert!(first["next_token"].is_string(), "{first}");
    stack.capture("reservations-page", &first).unwrap();

    for (args, expected, pages) in [
        (
            json!({"limit": 5}),
            by_check_in(&ann_rows, &|_| true, true),
            5,
        ),
        (
            json!({"limit": 4, "filter": "upcoming"}),
            by_check_in(&ann_rows, &|r| !ended(r), false),
            3,
        ),
        (
            json!({"limit": 5, "filter": "past"}),
            by_check_in(&ann_rows, &ended, true),
            3,
        ),
        // A page exactly as long as what is left ends the listing: no token to an empty page.
        (
            json!({"limit": 23}),
            by_check_in(&ann_rows, &|_| true, true),
            1,
        ),
    ] {
        let listed = every_page(stack, ann_access, args.clone());
        assert_eq!(listed.len(), pages, "{args}: {listed:?}");
        assert_eq!(listed.concat(), expected, "{args}");
    }
    assert!(
        by_check_in(&ann_rows, &|r| !ended(r), false).contains(&"RES-ANN-NOW".to_owned()),
        "a stay under way is upcoming"
    );
    let bob_all = every_page(stack, bob_access, json!({"limit": 2})).concat();
    assert_eq!(bob_all, by_check_in(&bob_rows, &|_| true, true));

    // Ann's token is Ann's, for her listing under that filter only.
    let token = first["next_token"].clone();
    for (access, args) in [
        (bob_access, json!({"next_token": token})),
        (ann_access, json!({"next_token": token, "filter": "past"})),
        (ann_access, json!({"next_token": "not-a-token"})),
        (ann_access, json!({"limit": 0})),
        (ann_access, json!({"filter": "soon"})),
    ] {
        let refused = reservations_page(stack, access, args.clone());
        assert_eq!(refused["error_code"], "INVALID_INPUT", "{args}: {refused}");
        assert!(refused.get("reservations").is_none());
    }

    // Over HTTP a GET takes the same arguments as query parameters, and never a token.
    let bearer = [("authorization", format!("Bearer {ann_access}"))];
    let got = stack
        .get_with_query("reservations", "filter=upcoming&limit=2", &bearer)
        .unwrap();
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(
        ids(&got.body),
        by_check_in(&ann_rows, &|r| !ended(r), false)[..2]
    );
    let in_url = stack
        .get_with_query("reservations", &format!("auth_token={ann_access}"), &[])
        .unwrap();
    assert_eq!(in_url.status, 400);
    assert_eq!(in_url.body["error_code"], "INVALID_INPUT");
}

fn concurrent_verifications(stack: &mut Stack) {
    let email = "burst@example.com";
    let started = initiate(stack, email);
    let code = stack.latest_code(email).unwrap();
    let outcomes: Vec<Value> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..20)
            .map(|_| scope.spawn(|| verify(stack, email, &code, &started["session_token"], 0)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let successes: Vec<&Value> = outcomes
        .iter()
        .filter(|o| o["event_type"] == "auth_tokens")
        .collect();
    assert_eq!(successes.len(), 1, "{outcomes:?}");
    for failure in outcomes.iter().filter(|o| o["success"] == false) {
        let code = failure["error_code"].as_str().unwrap();
        assert!(
            ["LOGIN_NOT_FOUND", "MAX_ATTEMPTS"].contains(&code),
            "{failure}"
        );
    }
    let sub = successes[0]["cognito_sub"].as_str().unwrap();
    let guests = stack.scan("GUESTS_TABLE").unwrap();
    let profiles: Vec<&Value> = guests
        .iter()
        .filter(|g| g["pk"] == format!("SUB#{sub}"))
        .collect();
    assert_eq!(profiles.len(), 1);
    assert_eq!(guests.len(), 2, "one profile and one id claim: {guests:?}");
}

fn refresh_rotation_and_revocation(stack: &mut Stack) {
    stack
        .configure_pool(json!({"refresh_rotation": true}))
        .unwrap();
    let tokens = sign_in(stack, "rotor@example.com");
    let refresh = |token: &Value| {
        stack
            .gateway_call("refresh", "refresh", json!({"refresh_token": token}), None)
            .unwrap()
    };
    let first = refresh(&tokens["refresh_token"]);
    assert_eq!(first["event_type"], "auth_tokens");
    assert_ne!(first["refresh_token"], tokens["refresh_token"], "rotated");
    assert_eq!(first["guest_id"], tokens["guest_id"]);
    let stale = refresh(&tokens["refresh_token"]);
    stack.capture("failure-refresh-failed", &stale).unwrap();
    assert_eq!(stale["error_code"], "REFRESH_FAILED", "{stale}");
    let second = refresh(&first["refresh_token"]);
    assert_eq!(second["event_type"], "auth_tokens");

    stack
        .revoke(second["refresh_token"].as_str().unwrap())
        .unwrap();
    let revoked = refresh(&second["refresh_token"]);
    assert_eq!(revoked["error_code"], "REFRESH_FAILED");
    assert_eq!(revoked["retryable"], false);
    assert_eq!(refresh(&json!("garbage"))["error_code"], "REFRESH_FAILED");
}

fn cognito_throttle(stack: &mut Stack) {
    let email = "busy@example.com";
    stack
        .inject_fault(json!({"operation": "AdminInitiateAuth", "fault": "throttle"}))
        .unwrap();
    let out = initiate(stack, email);
    assert_eq!(out["error_code"], "RATE_LIMITED", "{out}");
    assert_eq!(out["retryable"], true);
    let (counters, records) = budget_counters(stack);
    assert_eq!(records, Vec::<Value>::new(), "no login and no send counted");
    // The budgets got their units back, but for the new user, who exists now.
    for (key, count) in counters {
        let expected = u64::from(key.starts_with("BUDGET#new-users#"));
        assert_eq!(count, expected, "{key}");
    }
    assert_eq!(stack.inbox_len(email), 0);
    stack.clear_faults().unwrap();
    let started = initiate(stack, email);
    assert_eq!(
        started["success"], true,
        "the throttled attempt did not count against the guest"
    );

    // While answering the code: the attempt is given back and the session stays usable.
    let code = stack.latest_code(email).unwrap();
    stack
        .inject_fault(
            json!({"operation": "AdminRespondToAuthChallenge", "fault": "limit_exceeded"}),
        )
        .unwrap();
    let throttled = verify(stack, email, &code, &started["session_token"], 0);
    assert_eq!(throttled["error_code"], "RATE_LIMITED", "{throttled}");
    stack.clear_faults().unwrap();
    stack
        .inject_fault(json!({"operation": "AdminRespondToAuthChallenge", "fault": "server_error"}))
        .unwrap();
    let failing = verify(stack, email, &code, &started["session_token"], 0);
    assert_eq!(failing["error_code"], "UPSTREAM_UNAVAILABLE", "{failing}");
    assert_eq!(failing["retryable"], true);
    stack.clear_faults().unwrap();
    let login = stack
        .scan("AUTH_STATE_TABLE")
        .unwrap()
        .into_iter()
        .find(|i| i["pk"].as_str().unwrap().starts_with("LOGIN#"))
        .unwrap();
    assert_eq!(
        login["attempts"], 0,
        "attempts without a verdict were refunded"
    );
    assert_eq!(
        verify(stack, email, &code, &started["session_token"], 0)["event_type"],
        "auth_tokens"
    );
}

fn dynamodb_outage(stack: &mut Stack) {
    let tokens = sign_in(stack, "outage@example.com");
    stack.stop_dynamodb();
    let email = "during-outage@example.com";
    let out = initiate(stack, email);
    assert_eq!(out["error_code"], "UPSTREAM_UNAVAILABLE", "{out}");
    assert_eq!(out["retryable"], true);
    assert_eq!(
        stack.inbox_len(email),
        0,
        "no code was sent without a place to keep the login"
    );
    let read = reservations(stack, tokens["access_token"].as_str().unwrap());
    assert_eq!(read["error_code"], "UPSTREAM_UNAVAILABLE", "{read}");
    stack.restart_dynamodb().unwrap();
    assert_eq!(initiate(stack, email)["success"], true);
    let (_, items) = budget_counters(stack);
    assert_eq!(items.len(), 2, "one send history and one login: {items:?}");
}

fn http_path(stack: &mut Stack) {
    let origin = ("origin", ORIGIN.to_owned());
    let from_origin = [origin.clone()];
    let email = "browser@example.com";
    let preflight = stack
        .url(
            "initiate-login",
            "OPTIONS",
            &[
                origin.clone(),
                ("access-control-request-method", "POST".into()),
                ("access-control-request-headers", "content-type".into()),
            ],
            None,
        )
        .unwrap();
    assert_eq!(preflight.status, 204);
    assert_eq!(header(&preflight, "access-control-allow-origin"), ORIGIN);
    assert!(header(&preflight, "access-control-allow-headers").contains("authorization"));

    let started = stack
        .url(
            "initiate-login",
            "POST",
            &from_origin,
            Some(json!({"email": email})),
        )
        .unwrap();
    assert_eq!(started.status, 200, "{:?}", started.body);
    assert_eq!(header(&started, "access-control-allow-origin"), ORIGIN);
    assert_eq!(header(&started, "cache-control"), "no-store");
    let again = stack
        .url(
            "initiate-login",
            "POST",
            &from_origin,
            Some(json!({"email": email})),
        )
        .unwrap();
    assert_eq!(again.status, 429);
    assert!(!header(&again, "retry-after").is_empty());

    let bad = stack
        .url(
            "verify-otp",
            "POST",
            &from_origin,
            Some(json!({"email": email})),
        )
        .unwrap();
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["error_code"], "INVALID_INPUT");
    let code = stack.latest_code(email).unwrap();
    let wrong_code = stack
        .url("verify-otp", "POST", &from_origin, Some(json!({"email": email, "otp_code": wrong(&code), "session_token": started.body["session_token"]})))
        .unwrap();
    assert_eq!(wrong_code.status, 401);
    let tokens = stack
        .url("verify-otp", "POST", &from_origin, Some(json!({"email": email, "otp_code": code, "session_token": started.body["session_token"]})))
        .unwrap();
    assert_eq!(tokens.status, 200);
    assert_eq!(tokens.body["event_type"], "auth_tokens");

    let bearer = (
        "authorization",
        format!("Bearer {}", tokens.body["access_token"].as_str().unwrap()),
    );
    let listed = stack
        .url(
            "reservations",
            "GET",
            &[origin.clone(), bearer.clone()],
            None,
        )
        .unwrap();
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    assert_eq!(listed.body["success"], true);
    let anonymous = stack
        .url("reservations", "GET", &from_origin, None)
        .unwrap();
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.body["error_code"], "AUTH_REQUIRED");
    let elsewhere = stack
        .url(
            "reservations",
            "GET",
            &[("origin", "https://evil.example.net".into()), bearer],
            None,
        )
        .unwrap();
    assert_eq!(
        header(&elsewhere, "access-control-allow-origin"),
        "",
        "other origins get no CORS grant"
    );

    let refreshed = stack
        .url(
            "refresh",
            "POST",
            &[origin],
            Some(json!({"refresh_token": tokens.body["refresh_token"]})),
        )
        .unwrap();
    assert_eq!(refreshed.status, 200);
    assert_eq!(refreshed.body["event_type"], "auth_tokens");
}

fn nested_propagated_headers(stack: &mut Stack) {
    let demo = stack.seed_demo().unwrap();
    let tokens = sign_in(stack, &demo.email);
    let token = tokens["access_token"].as_str().unwrap();
    for name in ["x-guest-authorization", DEFAULT_GUEST_TOKEN_HEADER] {
        let headers = json!({name: format!("Bearer {token}"), "x-amzn-trace-id": "Root=1-abc"});
        let out = stack
            .gateway_call(
                "reservations",
                "get_my_reservations",
                json!({}),
                Some(headers),
            )
            .unwrap();
        assert_eq!(out["guest_id"], demo.guest_id.as_str(), "{out}");
        assert_eq!(out["reservations"].as_array().unwrap().len(), 3);
    }
    // Authorization is restricted on a real Gateway, and with AWS_IAM inbound auth it is the
    // agent's SigV4 signature: not a channel for the guest's token, even when it says Bearer.
    let authorization = stack
        .gateway_call(
            "reservations",
            "get_my_reservations",
            json!({}),
            Some(json!({"Authorization": format!("Bearer {token}")})),
        )
        .unwrap();
    assert_eq!(
        authorization["error_code"], "AUTH_REQUIRED",
        "{authorization}"
    );
    let none = stack
        .gateway_call(
            "reservations",
            "get_my_reservations",
            json!({}),
            Some(json!({})),
        )
        .unwrap();
    stack.capture("failure-auth-required", &none).unwrap();
    assert_eq!(none["error_code"], "AUTH_REQUIRED");
}

fn sign_out(stack: &mut Stack) {
    let email = "leaving@example.com";
    let phone = sign_in(stack, email);
    // The same guest signed in on another device, a second later: a sign-in's deny-list marks
    // include its guest and `auth_time`, which two sign-ins in one second share.
    std::thread::sleep(Duration::from_millis(1100));
    let laptop = stack.cognito_session(email).unwrap();
    let access = phone["access_token"].as_str().unwrap();
    assert_eq!(reservations(stack, access)["success"], true);

    let out = sign_out_through_gateway(stack, &phone);
    assert_eq!(out["success"], true, "{out}");
    stack.capture("signed-out", &out).unwrap();
    assert_eq!(out["access_token_revoked"], true);
    let refresh = |tokens: &Value| {
        stack
            .gateway_call(
                "refresh",
                "refresh",
                json!({"refresh_token": tokens["refresh_token"]}),
                None,
            )
            .unwrap()
    };
    assert_eq!(refresh(&phone)["error_code"], "REFRESH_FAILED");
    let refused = reservations(stack, access);
    stack.capture("failure-invalid-token", &refused).unwrap();
    assert_eq!(
        refused["error_code"], "INVALID_TOKEN",
        "the deny-list refuses the signed-out access token: {refused}"
    );
    // The other device's session is untouched by a plain sign-out…
    assert_eq!(refresh(&laptop)["event_type"], "auth_tokens");
    assert_eq!(
        reservations(stack, laptop["access_token"].as_str().unwrap())["success"],
        true
    );

    // …and ended by a global one, over HTTP this time, which also ends a third device's sign-in
    // for our functions: its access token names another sign-in, so only the guest's "signed out
    // everywhere" mark refuses it (GlobalSignOut stops Cognito's own calls and refreshes only).
    let tablet = stack.cognito_session(email).unwrap();
    let tablet_access = tablet["access_token"].as_str().unwrap();
    assert_eq!(reservations(stack, tablet_access)["success"], true);
    let bearer = (
        "authorization",
        format!("Bearer {}", laptop["access_token"].as_str().unwrap()),
    );
    let global = stack
        .url(
            "sign-out",
            "POST",
            &[("origin", ORIGIN.to_owned()), bearer],
            Some(json!({"refresh_token": laptop["refresh_token"], "global": true})),
        )
        .unwrap();
    assert_eq!(global.status, 200, "{:?}", global.body);
    assert_eq!(global.body["global"], true);
    assert_eq!(refresh(&laptop)["error_code"], "REFRESH_FAILED");
    assert_eq!(
        reservations(stack, laptop["access_token"].as_str().unwrap())["error_code"],
        "INVALID_TOKEN"
    );
    assert_eq!(
        reservations(stack, tablet_access)["error_code"],
        "INVALID_TOKEN",
        "every device's token is refused after a global sign-out"
    );
    // A sign-in after it is served (the mark is kept to the second: wait for the next one).
    std::thread::sleep(Duration::from_millis(1100));
    let later = stack.cognito_session(email).unwrap();
    assert_eq!(
        reservations(stack, later["access_token"].as_str().unwrap())["success"],
        true
    );
}

/// A JWT's claims, unverified.
fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

/// How long until a token counts as expired for a verifier with one second of leeway that
/// compares whole seconds: `exp < now - 1` first holds at `exp + 2`.
fn until_expired(token: &str) -> Duration {
    let claims = claims(token);
    let expired_at = Duration::from_secs(claims["exp"].as_u64().unwrap() + 2);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    expired_at.saturating_sub(now) + Duration::from_millis(200)
}

fn expired_access_token(stack: &mut Stack) {
    stack
        .configure_pool(json!({"access_token_validity_seconds": 1}))
        .unwrap();
    let demo = stack.seed_demo().unwrap();
    let tokens = sign_in(stack, &demo.email);
    // Past `exp` and the functions' one-second leeway, in the whole seconds the verifier compares.
    std::thread::sleep(until_expired(tokens["access_token"].as_str().unwrap()));
    let expired = reservations(stack, tokens["access_token"].as_str().unwrap());
    stack.capture("failure-token-expired", &expired).unwrap();
    assert_eq!(expired["error_code"], "TOKEN_EXPIRED", "{expired}");
    assert_eq!(expired["retryable"], false);
    stack
        .configure_pool(json!({"access_token_validity_seconds": 3600}))
        .unwrap();
    let refreshed = stack
        .gateway_call(
            "refresh",
            "refresh",
            json!({"refresh_token": tokens["refresh_token"]}),
            None,
        )
        .unwrap();
    let again = reservations(stack, refreshed["access_token"].as_str().unwrap());
    assert_eq!(again["guest_id"], demo.guest_id.as_str());
}

// ---- abuse budgets and conversation binding ---------------------------------------------------

/// A Gateway call from the MCP session `session`: the source and conversation of the call.
fn from_session(stack: &Stack, session: &str, function: &str, tool: &str, args: Value) -> Value {
    let mut context = local_stack::gateway_context(function, tool, None);
    context["custom"]["bedrockAgentCoreSessionId"] = json!(session);
    stack.invoke(function, args, Some(context)).unwrap()
}

/// A Gateway call in which the agent's code names `conversation` in the conversation header
/// (all of them from one MCP session, `local-session`): the source and conversation of the call.
fn in_conversation(
    stack: &Stack,
    conversation: &str,
    function: &str,
    tool: &str,
    args: Value,
) -> Value {
    let headers = json!({CONVERSATION_HEADER: conversation});
    stack
        .gateway_call(function, tool, args, Some(headers))
        .unwrap()
}

type Caller = fn(&Stack, &str, &str, &str, Value) -> Value;

fn conversation_bound(stack: &mut Stack) {
    let by_session: Caller = from_session;
    let by_header: Caller = in_conversation;
    for (i, from) in [by_session, by_header].into_iter().enumerate() {
        let email = format!("bound-{i}@example.com");
        let started = from(
            stack,
            "conversation-a",
            "initiate-login",
            "initiate_login",
            json!({"email": email}),
        );
        assert_eq!(started["success"], true, "{started}");
        let code = stack.latest_code(&email).unwrap();
        let args =
            json!({"email": email, "otp_code": code, "session_token": started["session_token"]});
        // The right code from another conversation, three times: not found, and no attempt spent.
        for _ in 0..3 {
            let elsewhere = from(
                stack,
                "conversation-b",
                "verify-otp",
                "verify_otp",
                args.clone(),
            );
            assert_eq!(elsewhere["error_code"], "LOGIN_NOT_FOUND", "{elsewhere}");
        }
        // Nor from a call that names no conversation (a direct invoke).
        let unnamed = stack.invoke("verify-otp", args.clone(), None).unwrap();
        assert_eq!(unnamed["error_code"], "LOGIN_NOT_FOUND", "{unnamed}");
        // Nor, for a header-named one, from its MCP session without the header.
        if i == 1 {
            let session = stack
                .gateway_call("verify-otp", "verify_otp", args.clone(), None)
                .unwrap();
            assert_eq!(session["error_code"], "LOGIN_NOT_FOUND", "{session}");
        }
        // The conversation that started it still has every attempt.
        let tokens = from(stack, "conversation-a", "verify-otp", "verify_otp", args);
        assert_eq!(tokens["event_type"], "auth_tokens", "{tokens}");
    }
}

/// `count` initiate_login calls with distinct addresses from one conversation, named by the
/// agent's code in the conversation header, ten at a time (the stack runs eight processes of each
/// function): how many were sent a code.
fn flood(stack: &Stack, conversation: &str, count: usize) -> usize {
    let mut sent = 0;
    let addresses: Vec<String> = (0..count)
        .map(|i| format!("{conversation}-{i}@example.net"))
        .collect();
    for batch in addresses.chunks(10) {
        let answers = stack.block_on(futures_util::future::join_all(batch.iter().map(|email| {
            let headers = json!({CONVERSATION_HEADER: conversation});
            let context =
                local_stack::gateway_context("initiate-login", "initiate_login", Some(headers));
            stack.invoke_async("initiate-login", json!({"email": email}), Some(context))
        })));
        for answer in answers {
            let answer = answer.unwrap();
            if answer["success"] == true {
                sent += 1;
            } else {
                assert_eq!(answer["error_code"], "RATE_LIMITED", "{answer}");
                assert!(answer["retry_after"].as_u64().unwrap() >= 1, "{answer}");
            }
        }
    }
    sent
}

fn simulation(stack: &mut Stack) {
    let budgets = local_stack::LOCAL_BUDGETS;
    let (codes_before, users_before) = stack.pool_counts();
    // One source: cut off at its own budget.
    let first = flood(stack, "flooding-conversation-1", 1000);
    assert_eq!(first, budgets.per_source_per_hour as usize);
    // A second source is served, until the pool's new-user budget holds across both.
    let second = flood(stack, "flooding-conversation-2", 1000);
    assert!(second >= 1, "the second source is served");
    assert_eq!(
        first + second,
        budgets.new_users_per_hour as usize,
        "the global budget holds across both sources"
    );
    // What Cognito did: no more codes and users than the budgets allow.
    let (codes, users) = stack.pool_counts();
    assert_eq!(codes - codes_before, first + second);
    assert_eq!(users - users_before, first + second);
    assert!(codes - codes_before <= budgets.codes_per_hour as usize);
}

// ---- round trips ---------------------------------------------------------------------------

/// The JSON lines of the functions' log (`functions.log`) that contain `marker`. A line still
/// being written does not parse yet and is left for the next read.
fn function_log_lines(stack: &Stack, marker: &str) -> Vec<Value> {
    let log = std::fs::read_to_string(stack.logs_dir().join("functions.log")).unwrap_or_default();
    log.lines()
        .filter(|line| line.starts_with('{') && line.contains(marker))
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// The `aws_calls` records the functions have logged so far (docs/operations.md).
fn call_records(stack: &Stack) -> Vec<Value> {
    function_log_lines(stack, r#""message":"aws calls""#)
}

/// Run one tool call and return its answer with the AWS calls its invocation made.
fn with_calls(stack: &Stack, call: impl FnOnce() -> Value) -> (Value, Vec<Call>) {
    let before = call_records(stack).len();
    let answer = call();
    // The line is written before the answer is sent; its copy in the log may lag a little.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let records = call_records(stack);
        if records.len() > before {
            assert_eq!(records.len(), before + 1, "one record per invocation");
            let calls = records[before]["calls"].as_str().unwrap();
            return (answer, serde_json::from_str(calls).unwrap());
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no aws_calls record for {answer}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The calls wave by wave, each wave's operations sorted: `[["DynamoDB.GetItem"], …]`.
fn by_wave(calls: &[Call]) -> Vec<Vec<String>> {
    let waves = wave_of_each(calls);
    let mut out = vec![Vec::new(); waves.iter().copied().max().unwrap_or(0)];
    for (call, wave) in calls.iter().zip(waves) {
        out[wave - 1].push(call.operation.clone());
    }
    for wave in &mut out {
        wave.sort();
    }
    out
}

fn round_trips(stack: &mut Stack) {
    let demo = stack.seed_demo().unwrap();
    // Seeding called Cognito from this process: only the functions' calls after it count.
    let seeded = stack.standin_traces().len();
    let new = "first.visit@example.com";
    let mut table: Vec<(&str, Vec<Vec<String>>)> = Vec::new();

    let (started_new, unknown) = with_calls(stack, || initiate(stack, new));
    assert_eq!(started_new["success"], true, "{started_new}");
    let (started_known, known) = with_calls(stack, || initiate(stack, &demo.email));
    assert_eq!(started_known["success"], true, "{started_known}");
    let code = stack.latest_code(new).unwrap();
    let (first, first_calls) = with_calls(stack, || {
        verify(stack, new, &code, &started_new["session_token"], 0)
    });
    assert_eq!(first["event_type"], "auth_tokens", "{first}");
    let code = stack.latest_code(&demo.email).unwrap();
    let (returning, returning_calls) = with_calls(stack, || {
        verify(
            stack,
            &demo.email,
            &code,
            &started_known["session_token"],
            0,
        )
    });
    assert_eq!(returning["event_type"], "auth_tokens", "{returning}");
    let access = returning["access_token"].as_str().unwrap().to_owned();
    let (listed, listed_calls) = with_calls(stack, || reservations(stack, &access));
    assert_eq!(
        listed["reservations"].as_array().unwrap().len(),
        3,
        "{listed}"
    );
    let (refreshed, refresh_calls) = with_calls(stack, || {
        stack
            .gateway_call(
                "refresh",
                "refresh",
                json!({"refresh_token": returning["refresh_token"]}),
                None,
            )
            .unwrap()
    });
    assert_eq!(refreshed["event_type"], "auth_tokens", "{refreshed}");
    let (out, out_calls) = with_calls(stack, || sign_out_through_gateway(stack, &refreshed));
    assert_eq!(out["success"], true, "{out}");

    for (path, calls) in [
        ("initiate_login, new address", &unknown),
        ("initiate_login, known address", &known),
        ("verify_otp, first sign-in", &first_calls),
        ("verify_otp, returning guest", &returning_calls),
        ("get_my_reservations", &listed_calls),
        ("refresh", &refresh_calls),
        ("sign_out", &out_calls),
    ] {
        // A known address's AdminCreateUser answers UsernameExistsException, as planned.
        let expected_failure =
            |c: &Call| path.ends_with("known address") && c.operation.ends_with(".AdminCreateUser");
        assert!(
            calls.iter().all(|c| c.ok || expected_failure(c)),
            "{path}: {calls:?}"
        );
        table.push((path, by_wave(calls)));
    }
    println!("\n| tool and path | waves | calls, wave by wave |\n|---|---|---|");
    for (path, waves) in &table {
        let shown: Vec<String> = waves.iter().map(|w| w.join(" ∥ ")).collect();
        println!("| {path} | {} | {} |", waves.len(), shown.join(" → "));
    }

    // The round-trip targets (BENCHMARKS.md): the reservations' lookups in one wave, a code in
    // at most four, a returning guest's sign-in in at most three.
    let waves_of = |path: &str| table.iter().find(|(p, _)| *p == path).unwrap().1.len();
    assert_eq!(waves_of("get_my_reservations"), 1, "{table:?}");
    assert!(waves_of("initiate_login, new address") <= 4, "{table:?}");
    assert!(waves_of("initiate_login, known address") <= 4, "{table:?}");
    assert!(waves_of("verify_otp, returning guest") <= 3, "{table:?}");
    // Known and unknown addresses cost the same Cognito calls in the same waves.
    let cognito = |waves: &Vec<Vec<String>>| -> Vec<Vec<String>> {
        waves
            .iter()
            .map(|w| {
                w.iter()
                    .filter(|op| op.starts_with("Cognito"))
                    .cloned()
                    .collect()
            })
            .collect()
    };
    assert_eq!(table[0].1.len(), table[1].1.len(), "{table:?}");
    assert_eq!(cognito(&table[0].1), cognito(&table[1].1), "{table:?}");

    // Every Cognito call of a function carried an X-Ray trace header, one trace per invocation.
    let traces = stack.standin_traces().split_off(seeded);
    assert!(!traces.is_empty());
    let mut roots = std::collections::BTreeSet::new();
    for (operation, trace) in &traces {
        let trace = trace
            .as_deref()
            .unwrap_or_else(|| panic!("{operation} came without a trace header"));
        assert!(trace.starts_with("Root=1-"), "{operation}: {trace}");
        roots.insert(trace.split(';').next().unwrap().to_owned());
    }
    let invocations_calling_cognito = table
        .iter()
        .filter(|(_, waves)| waves.iter().flatten().any(|op| op.starts_with("Cognito")))
        .count();
    assert_eq!(roots.len(), invocations_calling_cognito, "{traces:?}");
}

// ---- metrics -------------------------------------------------------------------------------

/// The CloudWatch embedded-metric-format documents the functions have written so far.
fn metric_documents(stack: &Stack) -> Vec<Value> {
    function_log_lines(stack, r#""_aws""#)
}

fn metrics(stack: &mut Stack) {
    let before = metric_documents(stack).len();
    let demo = stack.seed_demo().unwrap();

    // A code, a second one too soon, two wrong codes, then the right one.
    let started = initiate(stack, &demo.email);
    let too_soon = initiate(stack, &demo.email);
    assert_eq!(too_soon["error_code"], "RATE_LIMITED", "{too_soon}");
    let code = stack.latest_code(&demo.email).unwrap();
    for _ in 0..2 {
        let out = verify(
            stack,
            &demo.email,
            &wrong(&code),
            &started["session_token"],
            0,
        );
        assert_eq!(out["error_code"], "INVALID_OTP", "{out}");
    }
    let tokens = verify(stack, &demo.email, &code, &started["session_token"], 0);
    assert_eq!(tokens["event_type"], "auth_tokens", "{tokens}");
    // Another login, locked by three wrong codes.
    let locked = "locked.out@example.com";
    let started = initiate(stack, locked);
    let code = stack.latest_code(locked).unwrap();
    for _ in 0..3 {
        verify(stack, locked, &wrong(&code), &started["session_token"], 0);
    }
    // A token that is no JWT, a refresh, a refused refresh, a sign-out, then the revoked token.
    let malformed = reservations(stack, "not-a-jwt");
    assert_eq!(malformed["error_code"], "INVALID_TOKEN", "{malformed}");
    let refresh = |token: &Value| {
        stack
            .gateway_call("refresh", "refresh", json!({"refresh_token": token}), None)
            .unwrap()
    };
    let refreshed = refresh(&tokens["refresh_token"]);
    assert_eq!(refreshed["event_type"], "auth_tokens", "{refreshed}");
    assert_eq!(refresh(&json!("x"))["error_code"], "REFRESH_FAILED");
    assert_eq!(sign_out_through_gateway(stack, &refreshed)["success"], true);
    let revoked = reservations(stack, refreshed["access_token"].as_str().unwrap());
    assert_eq!(revoked["error_code"], "INVALID_TOKEN", "{revoked}");
    // Cognito throttles once.
    stack
        .inject_fault(json!({"operation": "AdminInitiateAuth", "fault": "throttle"}))
        .unwrap();
    assert_eq!(
        initiate(stack, "throttled@example.com")["error_code"],
        "RATE_LIMITED"
    );
    stack.clear_faults().unwrap();
    // Cognito's default sender has spent its daily cap: a failure of its own, not retryable.
    stack
        .configure_pool(json!({"daily_email_limit": 0}))
        .unwrap();
    let capped = initiate(stack, "capped@example.com");
    stack
        .configure_pool(json!({"daily_email_limit": null}))
        .unwrap();
    stack
        .capture("failure-email-quota-exceeded", &capped)
        .unwrap();
    assert_eq!(capped["error_code"], "EMAIL_QUOTA_EXCEEDED", "{capped}");
    assert_eq!(capped["retryable"], false, "{capped}");

    // Each function writes its documents before it answers; give the log a moment to catch up.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let mut counted: std::collections::BTreeMap<String, u64> = Default::default();
    let expected: std::collections::BTreeMap<String, u64> = [
        ("initiate_login CodesSent", 2),
        ("initiate_login Refusals Budget=address", 1),
        ("initiate_login UpstreamErrors Service=Cognito", 2),
        ("initiate_login EmailQuotaExhausted", 1),
        ("verify_otp WrongCodes", 4),
        ("verify_otp Lockouts", 1),
        ("verify_otp SignIns", 1),
        ("get_my_reservations JwtRejections Class=malformed", 1),
        ("get_my_reservations JwtRejections Class=revoked", 1),
        ("refresh Refreshes", 1),
        ("refresh RefreshFailures", 1),
        ("sign_out SignOuts", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    while counted != expected && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        counted.clear();
        for doc in metric_documents(stack).split_off(before) {
            let directive = &doc["_aws"]["CloudWatchMetrics"][0];
            assert_eq!(directive["Namespace"], "BookingAuth");
            let dimensions = directive["Dimensions"].as_array().unwrap();
            // Each metric also goes to the aggregate without dimensions, which the alarms watch.
            assert_eq!(dimensions.last(), Some(&json!([])), "{doc}");
            let name = directive["Metrics"][0]["Name"].as_str().unwrap();
            // Dimension values are fixed names: no address, no token, no id.
            for key in dimensions[0].as_array().unwrap() {
                let value = doc[key.as_str().unwrap()].as_str().unwrap();
                assert!(
                    value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                    "{doc}"
                );
            }
            if name == "PoolBudgetUse" {
                assert!(doc[name].as_u64().unwrap() <= 100, "{doc}");
                continue;
            }
            let extra = dimensions[0]
                .as_array()
                .unwrap()
                .iter()
                .skip(1)
                .map(|k| {
                    format!(
                        " {}={}",
                        k.as_str().unwrap(),
                        doc[k.as_str().unwrap()].as_str().unwrap()
                    )
                })
                .collect::<String>();
            let key = format!("{} {name}{extra}", doc["Function"].as_str().unwrap());
            *counted.entry(key).or_default() += doc[name].as_u64().unwrap();
        }
    }
    assert_eq!(counted, expected);
    // Every call that took the pool's budgets (the five initiate_login calls, refused ones too:
    // their units went back after) left the level of the fullest beside it.
    let levels = metric_documents(stack)
        .split_off(before)
        .into_iter()
        .filter(|d| d.get("PoolBudgetUse").is_some())
        .count();
    assert_eq!(levels, 5);
}

// ---- logs ----------------------------------------------------------------------------------

/// Which of `secrets` occur in `logs` (addresses case-insensitively).
fn leaked<'a>(logs: &str, secrets: &'a [String]) -> Vec<&'a str> {
    let lower = logs.to_ascii_lowercase();
    secrets
        .iter()
        .filter(|s| {
            logs.contains(s.as_str())
                || (s.contains('@') && lower.contains(&s.to_ascii_lowercase()))
        })
        .map(String::as_str)
        .collect()
}

fn no_secret_in_logs(stack: &mut Stack) {
    // A journey of its own, so the search has secrets even when this scenario runs alone: sign
    // in through the Gateway and over HTTP, read, refresh, sign out.
    let email = "careful@example.com";
    let tokens = sign_in(stack, email);
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(reservations(stack, access)["success"], true);
    let refreshed = stack
        .gateway_call(
            "refresh",
            "refresh",
            json!({"refresh_token": tokens["refresh_token"]}),
            None,
        )
        .unwrap();
    assert_eq!(refreshed["event_type"], "auth_tokens", "{refreshed}");
    let out = sign_out_through_gateway(stack, &refreshed);
    assert_eq!(out["success"], true, "{out}");
    let http = stack
        .url(
            "initiate-login",
            "POST",
            &[],
            Some(json!({"email": "careful.http@example.com"})),
        )
        .unwrap();
    assert_eq!(http.body["success"], true, "{}", http.body);

    // Every log of the functions, of `cargo lambda watch` and of the local Gateways.
    let mut logs = String::new();
    for entry in std::fs::read_dir(stack.logs_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".log") && name != "moto.log" {
            logs.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
    // The logs hold the functions' lines (the masked address of the sign-in above) ...
    assert!(
        logs.contains("sign-in code sent"),
        "the functions' log lines are there"
    );
    assert!(
        logs.contains("c***@e***.com"),
        "addresses are logged masked"
    );
    // ... and none of the tokens, session tokens, codes, Cognito sessions or full addresses
    // that the whole suite handled (the stand-in's inbox lines, printed by this test process,
    // are the one place codes and addresses are written, by design).
    let secrets = stack.secrets();
    assert!(secrets.len() >= 10, "{} secrets recorded", secrets.len());
    eprintln!("searched the logs for {} secrets", secrets.len());
    assert!(
        secrets.iter().any(|s| s == email),
        "addresses are among them"
    );
    assert_eq!(leaked(&logs, &secrets), Vec::<&str>::new());
    // The search finds what it looks for: the negative control.
    let planted = format!("{logs}\n{{\"token\":\"{access}\",\"to\":\"CAREFUL@example.com\"}}");
    assert_eq!(leaked(&planted, &secrets).len(), 2);
}
