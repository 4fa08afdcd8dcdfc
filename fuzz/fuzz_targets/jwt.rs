//! JWT parsing and verification with a fixed key set: arbitrary strings as access and ID tokens,
//! and, for input that starts with `{`, arbitrary header and claims signed with the pool's key
//! (so the claim checks are reached, not only the parsing). Nothing may panic, and nothing but a
//! token this key signed with valid claims may pass.
#![no_main]

use std::sync::LazyLock;

use booking_auth::jwt::{JwtVerifier, TokenUse};
use booking_auth_testing::{StaticJwks, TestKey, verifier};
use libfuzzer_sys::fuzz_target;

static KEY: LazyLock<TestKey> = LazyLock::new(|| TestKey::generate("fuzz-key"));
static VERIFIER: LazyLock<JwtVerifier> = LazyLock::new(|| verifier(StaticJwks::new(&[&KEY])));
static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let token = if text.starts_with('{') {
        // `{header}\n{claims}`: signed with the pool's key, whatever they say.
        let (header, claims) = text.split_once('\n').unwrap_or((&text, "{}"));
        let (Ok(header), Ok(claims)) = (
            serde_json::from_str::<serde_json::Value>(header),
            serde_json::from_str::<serde_json::Value>(claims),
        ) else {
            return;
        };
        KEY.sign_with_header(&header, &claims)
    } else {
        text.into_owned()
    };
    for expected in [TokenUse::Access, TokenUse::Id] {
        if let Ok(claims) = RT.block_on(VERIFIER.verify(&token, expected)) {
            // Only a token of this pool's issuer, for its client, of the asked use, passes.
            assert!(!claims.sub.is_empty(), "a verified token without a subject");
        }
    }
});
