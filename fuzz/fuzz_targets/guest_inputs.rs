//! What guests and models type: email addresses, codes, session tokens, bearer header values,
//! Gateway tool names and conversation ids. Nothing may panic; an accepted address is masked to
//! the first character of each part and its top-level domain.
#![no_main]

use booking_auth::domain::agentcore::tool_name;
use booking_auth::domain::budget::conversation_key;
use booking_auth::domain::email::Email;
use booking_auth::domain::ids::SessionToken;
use booking_auth::domain::otp::OtpCode;
use booking_auth::invoke::bearer_token;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(email) = Email::parse(&text) {
        // The masked form shows the first character of each part and the top-level domain only.
        let masked = email.masked();
        let (local, domain) = email
            .as_str()
            .rsplit_once('@')
            .expect("an address has an @");
        let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
        let tld = domain.rsplit_once('.').map(|(_, t)| t).unwrap_or_default();
        assert_eq!(
            masked,
            format!("{}***@{}***.{tld}", first(local), first(domain))
        );
        assert_eq!(email.canonical(), email.canonical().to_lowercase());
    }
    if let Ok(code) = OtpCode::parse(&text) {
        assert!(code.as_str().bytes().all(|b| b.is_ascii_digit()));
        assert!((6..=8).contains(&code.as_str().len()));
    }
    if let Ok(token) = SessionToken::parse(&text) {
        let _ = token.record_key();
    }
    let _ = bearer_token(&text);
    let _ = tool_name(&text);
    let _ = conversation_key("gateway", &text);
});
