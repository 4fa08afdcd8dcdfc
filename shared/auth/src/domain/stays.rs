//! Pages of a guest's stays: which stays (`StayFilter`), how many (`page_size`) and where the next
//! page starts (`next_token` / `resume_after`).
//!
//! A page token is opaque to callers and bound to the guest and the filter that made it. It is not
//! secret and not signed, and needs neither: the store keys every read by the verified `sub`, so a
//! crafted token can only move the start within the caller's own rows. The binding turns another
//! guest's token, or one from another filter, into a clear error instead of a quietly wrong page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::error::AuthError;
use super::ids::hex_digest;

/// Which stays a page lists. Dates are compared as UTC calendar dates (`YYYY-MM-DD`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StayFilter {
    /// Stays that have not ended (check-out today or later), the soonest first.
    Upcoming,
    /// Stays that have ended (check-out before today), the most recent first.
    Past,
}

/// Rows in a page when the caller names no `limit`: a chat shows a handful, and the model
/// reads every row it is given.
pub const DEFAULT_PAGE_SIZE: u32 = 10;
/// The largest `limit` a caller may ask for.
pub const MAX_PAGE_SIZE: u32 = 50;

/// The page size a request asks for, checked.
pub fn page_size(limit: Option<u32>) -> Result<usize, AuthError> {
    match limit.unwrap_or(DEFAULT_PAGE_SIZE) {
        n @ 1..=MAX_PAGE_SIZE => Ok(n as usize),
        _ => Err(AuthError::InvalidInput(format!(
            "limit must be 1 to {MAX_PAGE_SIZE}"
        ))),
    }
}

/// A sort key can be at most 1,024 bytes (DynamoDB); a token is that, base64, plus a little.
const MAX_TOKEN_CHARS: usize = 1_500;
const TOKEN_VERSION: u8 = 1;

#[derive(Serialize, Deserialize)]
struct Cursor {
    v: u8,
    /// The guest, as a digest of the `sub` (the token is shown to the model).
    g: String,
    /// The filter, `all` for none.
    f: String,
    /// The sort key of the last row returned.
    a: String,
}

fn guest_tag(sub: &str) -> String {
    hex_digest(sub.as_bytes())[..16].to_owned()
}

fn filter_tag(filter: Option<StayFilter>) -> &'static str {
    match filter {
        None => "all",
        Some(StayFilter::Upcoming) => "upcoming",
        Some(StayFilter::Past) => "past",
    }
}

/// The token that resumes `sub`'s listing under `filter` after the row with sort key `after`.
pub fn next_token(sub: &str, filter: Option<StayFilter>, after: &str) -> String {
    let cursor = Cursor {
        v: TOKEN_VERSION,
        g: guest_tag(sub),
        f: filter_tag(filter).to_owned(),
        a: after.to_owned(),
    };
    // A struct of strings always serializes.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).unwrap_or_default())
}

/// The sort key to resume after, when `token` was made for this guest and this filter; checked
/// before any read. `today` bounds a `past` listing, whose key range ends before today.
pub fn resume_after(
    token: &str,
    sub: &str,
    filter: Option<StayFilter>,
    today: &str,
) -> Result<String, AuthError> {
    let invalid = || AuthError::InvalidInput("next_token is not a token this tool gave".into());
    if token.len() > MAX_TOKEN_CHARS {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if cursor.v != TOKEN_VERSION || cursor.a.is_empty() || cursor.a.len() > 1_024 {
        return Err(invalid());
    }
    if cursor.g != guest_tag(sub) || cursor.f != filter_tag(filter) {
        return Err(AuthError::InvalidInput(
            "next_token belongs to another listing: use it with the same guest and filter".into(),
        ));
    }
    // Past rows all sort before today; a start at or after it is outside the range DynamoDB
    // would refuse, so it is refused here as bad input.
    if filter == Some(StayFilter::Past) && cursor.a.as_str() >= today {
        return Err(invalid());
    }
    Ok(cursor.a)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANN: &str = "0b5e1c2a-7d3f-4e8a-9c6b-1f2e3d4c5b6a";
    const BOB: &str = "99999999-0000-4000-8000-000000000000";
    const TODAY: &str = "2026-12-03";

    #[test]
    fn a_token_resumes_the_same_guest_and_filter() {
        for filter in [None, Some(StayFilter::Upcoming), Some(StayFilter::Past)] {
            let token = next_token(ANN, filter, "2026-08-01#RES-1");
            assert_eq!(
                resume_after(&token, ANN, filter, TODAY).unwrap(),
                "2026-08-01#RES-1"
            );
            assert!(
                token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "URL-safe: {token}"
            );
        }
    }

    #[test]
    fn another_guests_or_another_filters_token_is_refused() {
        let token = next_token(ANN, Some(StayFilter::Upcoming), "2027-01-01#RES-1");
        for (sub, filter) in [
            (BOB, Some(StayFilter::Upcoming)),
            (ANN, None),
            (ANN, Some(StayFilter::Past)),
        ] {
            let err = resume_after(&token, sub, filter, TODAY).unwrap_err();
            assert!(
                matches!(&err, AuthError::InvalidInput(m) if m.contains("another listing")),
                "{err}"
            );
        }
    }

    #[test]
    fn garbage_and_out_of_range_tokens_are_invalid_input() {
        let oversized = "A".repeat(MAX_TOKEN_CHARS + 1);
        let wrong_version = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&Cursor {
                v: 2,
                g: guest_tag(ANN),
                f: "all".into(),
                a: "x".into(),
            })
            .unwrap(),
        );
        let future_past = next_token(ANN, Some(StayFilter::Past), "2027-01-01#RES-1");
        let empty_start = next_token(ANN, None, "");
        for token in [
            "",
            "not base64!",
            "e30",
            &oversized,
            &wrong_version,
            &future_past,
            &empty_start,
        ] {
            let filter = (token == future_past).then_some(StayFilter::Past);
            assert!(
                matches!(
                    resume_after(token, ANN, filter, TODAY),
                    Err(AuthError::InvalidInput(_))
                ),
                "{token}"
            );
        }
    }

    #[test]
    fn the_page_size_is_small_by_default_and_bounded() {
        assert_eq!(page_size(None).unwrap(), 10);
        assert_eq!(page_size(Some(1)).unwrap(), 1);
        assert_eq!(page_size(Some(50)).unwrap(), 50);
        for bad in [0, 51, u32::MAX] {
            assert!(matches!(
                page_size(Some(bad)),
                Err(AuthError::InvalidInput(_))
            ));
        }
    }
}
