//! What the local Identity Pool remembers: identities with their linked logins, and every set of
//! temporary credentials it (or its STS exchange) issued.

use std::collections::HashMap;

/// Which of the pool's roles a set of credentials carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Guest,
    SignedIn,
}

#[derive(Debug, Clone, Default)]
pub struct Identity {
    /// `(provider, sub)` pairs linked to it: empty for a guest.
    pub logins: Vec<(String, String)>,
    /// Merged into another identity: requests for it are answered for that one.
    pub merged_into: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Issued {
    pub secret: String,
    pub session_token: String,
    pub expires_at: i64,
    /// The role's ARN and the session name: the principal AWS names in an access denial.
    pub principal: String,
    /// Issued by the enhanced flow to a guest: AWS scopes those credentials down to
    /// `AmazonCognitoUnAuthedIdentitiesSessionPolicy`, which allows no AgentCore action.
    pub guest_session_policy: bool,
}

#[derive(Debug, Default)]
pub struct State {
    pub identities: HashMap<String, Identity>,
    pub credentials: HashMap<String, Issued>,
}

impl State {
    /// The identity requests for `id` act on: itself, or the one it was merged into.
    pub fn resolve(&self, id: &str) -> Option<String> {
        let mut current = id.to_owned();
        for _ in 0..8 {
            let identity = self.identities.get(&current)?;
            match &identity.merged_into {
                Some(next) => current = next.clone(),
                None => return Some(current),
            }
        }
        None
    }

    pub fn linked(&self, login: &(String, String)) -> Option<String> {
        self.identities
            .iter()
            .find(|(_, i)| i.merged_into.is_none() && i.logins.contains(login))
            .map(|(id, _)| id.clone())
    }
}
