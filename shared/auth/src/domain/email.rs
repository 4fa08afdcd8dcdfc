//! Email addresses: validation, normalisation, masking for display and logs.

use std::fmt;

use crate::domain::error::AuthError;

/// A validated, normalised email address: trimmed, domain lower-cased.
///
/// `Debug` and `Display` print the masked form, so an address cannot reach a log line by accident;
/// use [`Email::as_str`] where the full address is really needed (Cognito calls, the guest record).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;

impl Email {
    pub fn parse(raw: &str) -> Result<Self, AuthError> {
        let trimmed = raw.trim();
        let (local, domain) = trimmed.rsplit_once('@').ok_or(AuthError::InvalidEmail)?;
        let domain = domain.to_ascii_lowercase();
        if trimmed.len() > MAX_LEN || !valid_local(local) || !valid_domain(&domain) {
            return Err(AuthError::InvalidEmail);
        }
        Ok(Self(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The whole address lower-cased: the identity for server-side limits and login matching, so
    /// `John@…` and `john@…` (one Cognito user in a case-insensitive pool) share one send limit.
    pub fn canonical(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// `j***@e***.com`: enough for a guest to recognise their address, not enough to read it.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// An address as [`Email::masked`] prints it, for a string not (yet) parsed.
pub fn mask(address: &str) -> String {
    let (local, domain) = address.rsplit_once('@').unwrap_or(("", address));
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    let tld = domain.rsplit_once('.').map(|(_, t)| t).unwrap_or("");
    format!("{}***@{}***.{tld}", first(local), first(domain))
}

fn valid_local(local: &str) -> bool {
    // RFC 5322 dot-atom: printable ASCII without specials; no leading, trailing or double dots.
    const SPECIALS: &str = "!#$%&'*+/=?^_`{|}~-";
    !local.is_empty()
        && local.len() <= MAX_LOCAL_LEN
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || SPECIALS.contains(c))
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.masked())
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_lowercases_only_the_domain() {
        let email = Email::parse("  John.Doe+trip@Example.COM \n").unwrap();
        assert_eq!(email.as_str(), "John.Doe+trip@example.com");
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "   ",
            "no-at-sign",
            "@example.com",
            "john@",
            "john@localhost",
            "john@example",
            "john@exa mple.com",
            "jo hn@example.com",
            ".john@example.com",
            "john.@example.com",
            "jo..hn@example.com",
            "john@-example.com",
            "john@example..com",
            "john@example.c0m",
            "jöhn@example.com",
            "john@example.com\u{0}",
        ] {
            assert!(
                matches!(Email::parse(bad), Err(AuthError::InvalidEmail)),
                "{bad:?}"
            );
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(Email::parse(&long_local).is_err());
        let long_domain = format!("a@{}.com", "b".repeat(250));
        assert!(Email::parse(&long_domain).is_err());
    }

    #[test]
    fn canonical_form_ignores_case_everywhere() {
        let a = Email::parse("John.Doe@Example.com").unwrap();
        let b = Email::parse("john.doe@example.COM").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.canonical(), b.canonical());
    }

    #[test]
    fn masks_local_part_and_domain() {
        let email = Email::parse("john@example.com").unwrap();
        assert_eq!(email.masked(), "j***@e***.com");
        let email = Email::parse("a@mail.example.co.uk").unwrap();
        assert_eq!(email.masked(), "a***@m***.uk");
    }

    #[test]
    fn debug_and_display_never_show_the_full_address() {
        let email = Email::parse("secret.person@example.com").unwrap();
        assert!(!format!("{email:?}").contains("secret.person"));
        assert!(!format!("{email}").contains("secret.person"));
    }
}
