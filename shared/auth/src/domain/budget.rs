//! Budgets on sending sign-in codes, beside the per-address limits (`otp`): per source (the HTTP
//! caller's IP, the agent's conversation or the MCP session on AgentCore Gateway, the Bedrock
//! Agents session) and across the pool
//! (codes per minute and per hour, new Cognito users per hour). Each code sent costs Cognito's or
//! SES's email quota and sender reputation, and each new address a billed monthly active user, so a
//! caller with a list of addresses must run out of budget long before the pool does.
//!
//! A budget is a counter per fixed window; a send takes one unit of each budget that applies and
//! is refused with `RATE_LIMITED` when any is spent. Counters are keyed by a digest of the source,
//! never the raw IP address or session id.

use crate::domain::ids::hex_digest;

/// Who is asking for codes, as the protocol tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// An HTTP caller's source IP address (API Gateway or a function URL).
    Ip,
    /// An AgentCore Gateway session (`bedrockAgentCoreSessionId`).
    GatewaySession,
    /// The conversation the agent's code names on its Gateway requests (`X-Conversation-Id`,
    /// propagated to the target).
    GatewayConversation,
    /// A Bedrock Agents session (`sessionId`).
    AgentSession,
}

impl SourceKind {
    fn tag(self) -> &'static str {
        match self {
            Self::Ip => "ip",
            Self::GatewaySession => "gateway",
            Self::GatewayConversation => "conversation",
            Self::AgentSession => "agent",
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct Source {
    pub kind: SourceKind,
    id: String,
}

impl Source {
    /// A source, or `None` for a blank id (a protocol that names none).
    pub fn new(kind: SourceKind, id: &str) -> Option<Self> {
        let id = id.trim();
        (!id.is_empty()).then(|| Self {
            kind,
            id: id.to_owned(),
        })
    }
}

/// Sources are personal data (an IP address, a conversation): `Debug` names the kind only.
impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// What a login record keeps of the conversation that started it: a digest of the protocol and
/// its conversation id (the Gateway or Bedrock Agents session, an HTTP `X-Conversation-Id`), or
/// `None` for a blank id.
pub fn conversation_key(protocol: &str, id: &str) -> Option<String> {
    let id = id.trim();
    (!id.is_empty()).then(|| hex_digest(format!("{protocol}#{id}").as_bytes()))
}

const MINUTE: u64 = 60;
const HOUR: u64 = 3600;

/// How much may be spent per window (docs/security.md: abuse budgets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetPolicy {
    /// Codes one source may have sent per hour.
    pub per_source_per_hour: u32,
    /// Codes the whole pool may send per minute and per hour.
    pub codes_per_minute: u32,
    pub codes_per_hour: u32,
    /// New Cognito users per hour, across the pool.
    pub new_users_per_hour: u32,
}

impl BudgetPolicy {
    pub const DEFAULT: Self = Self {
        per_source_per_hour: 20,
        codes_per_minute: 30,
        codes_per_hour: 600,
        new_users_per_hour: 120,
    };
}

impl Default for BudgetPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Which budget a counter is, for logs and metrics (no personal data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetKind {
    Source(SourceKind),
    CodesPerMinute,
    CodesPerHour,
    NewUsersPerHour,
}

impl BudgetKind {
    /// Whether the budget is the whole pool's, not one source's.
    pub fn is_pool(self) -> bool {
        !matches!(self, Self::Source(_))
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Source(SourceKind::Ip) => "source_ip",
            Self::Source(SourceKind::GatewaySession) => "source_gateway_session",
            Self::Source(SourceKind::GatewayConversation) => "source_gateway_conversation",
            Self::Source(SourceKind::AgentSession) => "source_agent_session",
            Self::CodesPerMinute => "codes_per_minute",
            Self::CodesPerHour => "codes_per_hour",
            Self::NewUsersPerHour => "new_users_per_hour",
        }
    }
}

/// One counter in one window.
#[derive(Clone, PartialEq, Eq)]
pub struct Budget {
    pub kind: BudgetKind,
    scope: String,
    pub limit: u32,
    pub window: u64,
}

impl std::fmt::Debug for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Budget")
            .field("kind", &self.kind)
            .field("limit", &self.limit)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl Budget {
    fn window_start(&self, now: i64) -> i64 {
        now - now.rem_euclid(self.window as i64)
    }

    /// The counter's key for the window `now` falls in.
    pub fn key(&self, now: i64) -> String {
        format!("BUDGET#{}#{}", self.scope, self.window_start(now))
    }

    /// When the counter may go: its window's end (the table's TTL attribute).
    pub fn expires_at(&self, now: i64) -> i64 {
        self.window_start(now) + self.window as i64
    }

    /// Seconds until the window refills, at least one.
    pub fn retry_after(&self, now: i64) -> u64 {
        (self.expires_at(now) - now).max(1) as u64
    }
}

impl BudgetPolicy {
    /// The budgets one code costs: its source's, when the protocol names one, and the pool's.
    pub fn for_code(&self, source: Option<&Source>) -> Vec<Budget> {
        source
            .map(|s| self.for_source(s))
            .into_iter()
            .chain(self.for_pool())
            .collect()
    }

    /// The budget of one source's codes.
    pub fn for_source(&self, source: &Source) -> Budget {
        Budget {
            kind: BudgetKind::Source(source.kind),
            scope: format!(
                "source#{}#{}",
                source.kind.tag(),
                hex_digest(source.id.as_bytes())
            ),
            limit: self.per_source_per_hour,
            window: HOUR,
        }
    }

    /// The pool's budgets of codes: per minute and per hour.
    pub fn for_pool(&self) -> [Budget; 2] {
        [
            Budget {
                kind: BudgetKind::CodesPerMinute,
                scope: "codes-minute".into(),
                limit: self.codes_per_minute,
                window: MINUTE,
            },
            Budget {
                kind: BudgetKind::CodesPerHour,
                scope: "codes-hour".into(),
                limit: self.codes_per_hour,
                window: HOUR,
            },
        ]
    }

    /// The budget a new Cognito user costs.
    pub fn new_user(&self) -> Budget {
        Budget {
            kind: BudgetKind::NewUsersPerHour,
            scope: "new-users".into(),
            limit: self.new_users_per_hour,
            window: HOUR,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_fixed_and_keyed_by_their_start() {
        let minute = &BudgetPolicy::default().for_code(None)[0];
        assert_eq!(minute.kind, BudgetKind::CodesPerMinute);
        assert_eq!(minute.key(120), "BUDGET#codes-minute#120");
        assert_eq!(minute.key(179), "BUDGET#codes-minute#120");
        assert_eq!(minute.key(180), "BUDGET#codes-minute#180");
        assert_eq!(minute.expires_at(150), 180);
        assert_eq!(minute.retry_after(150), 30);
        assert_eq!(minute.retry_after(179), 1);
    }

    #[test]
    fn a_source_adds_its_own_budget_keyed_by_a_digest() {
        let policy = BudgetPolicy::default();
        let ip = Source::new(SourceKind::Ip, "203.0.113.7").unwrap();
        let budgets = policy.for_code(Some(&ip));
        assert_eq!(budgets.len(), 3);
        assert_eq!(budgets[0].kind, BudgetKind::Source(SourceKind::Ip));
        assert_eq!(budgets[0].limit, policy.per_source_per_hour);
        let key = budgets[0].key(0);
        assert!(key.starts_with("BUDGET#source#ip#") && !key.contains("203.0.113.7"));
        // The same id through another protocol is another source.
        let session = Source::new(SourceKind::GatewaySession, "203.0.113.7").unwrap();
        assert_ne!(policy.for_code(Some(&session))[0].key(0), key);
        assert!(!format!("{ip:?}").contains("203.0.113.7"));
        assert_eq!(Source::new(SourceKind::AgentSession, "  "), None);
    }

    #[test]
    fn minute_and_hour_budgets_of_the_pool_are_distinct_counters() {
        let budgets = BudgetPolicy::default().for_code(None);
        // Both windows start at 3600 here: still two counters.
        assert_ne!(budgets[0].key(3600), budgets[1].key(3600));
        assert_eq!(budgets[1].window, 3600);
        assert_eq!(
            BudgetPolicy::default().new_user().key(7200),
            "BUDGET#new-users#7200"
        );
    }
}
