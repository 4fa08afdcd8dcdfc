//! An invocation's signals (`domain::signals`) as CloudWatch metrics: JSON lines in the embedded
//! metric format on stdout, which Lambda sends to CloudWatch Logs and CloudWatch Logs turns into
//! metrics ([EMF with Lambda](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Lambda.html)).
//!
//! Namespace `BookingAuth`. Every metric is published twice: with the dimension `Function` (the
//! tool) plus, for some, one more (`Budget`, `Class`, `Service`); and without dimensions, the
//! aggregate the templates' alarms watch. Dimension values are fixed names, never personal data.

use std::io::Write;

use serde_json::{Map, Value, json};

use crate::domain::error::AuthError;
use crate::domain::signals::Signal;

/// The CloudWatch namespace of every metric (the templates' alarms name it too).
pub const NAMESPACE: &str = "BookingAuth";

/// The metrics the stacks' alarms watch (their aggregates, without dimensions).
pub const LOCKOUTS: &str = "Lockouts";
pub const POOL_BUDGET_USE: &str = "PoolBudgetUse";
pub const JWT_REJECTIONS: &str = "JwtRejections";
pub const UPSTREAM_ERRORS: &str = "UpstreamErrors";
pub const EMAIL_QUOTA_EXHAUSTED: &str = "EmailQuotaExhausted";

/// An alarm on one of these metrics, as both stacks declare it (`infra/generate` writes them):
/// it fires when the statistic over one period reaches the threshold.
pub struct Alarm {
    /// The alarm's logical id.
    pub id: &'static str,
    pub description: &'static str,
    pub metric: &'static str,
    /// `Maximum` or `Sum`.
    pub statistic: &'static str,
    pub period_seconds: u32,
    pub threshold: Threshold,
}

/// An alarm's threshold: the stack parameter that sets it, or a fixed value.
pub enum Threshold {
    Parameter(&'static str),
    Fixed(u32),
}

pub const ALARMS: [Alarm; 5] = [
    Alarm {
        id: "PoolBudgetAlarm",
        description: "A pool-wide sign-in budget is nearly spent; guests will soon be refused codes.",
        metric: POOL_BUDGET_USE,
        statistic: "Maximum",
        period_seconds: 60,
        threshold: Threshold::Parameter("PoolBudgetAlarmPercent"),
    },
    Alarm {
        id: "UpstreamErrorsAlarm",
        description: "Cognito, DynamoDB or the JWKS endpoint is failing calls.",
        metric: UPSTREAM_ERRORS,
        statistic: "Sum",
        period_seconds: 300,
        threshold: Threshold::Parameter("UpstreamErrorsAlarmThreshold"),
    },
    // Any code refused for the sender's daily cap: no guest can sign in until tomorrow or SES.
    Alarm {
        id: "EmailQuotaAlarm",
        description: "The pool's email sender has spent its daily quota; no sign-in code goes out until it resets. Configure SES (SesIdentityArn).",
        metric: EMAIL_QUOTA_EXHAUSTED,
        statistic: "Sum",
        period_seconds: 300,
        threshold: Threshold::Fixed(1),
    },
    Alarm {
        id: "LockoutsAlarm",
        description: "Many logins are being locked by wrong codes.",
        metric: LOCKOUTS,
        statistic: "Sum",
        period_seconds: 300,
        threshold: Threshold::Parameter("LockoutsAlarmThreshold"),
    },
    Alarm {
        id: "JwtRejectionsAlarm",
        description: "Many guest tokens are being refused.",
        metric: JWT_REJECTIONS,
        statistic: "Sum",
        period_seconds: 300,
        threshold: Threshold::Parameter("JwtRejectionsAlarmThreshold"),
    },
];

/// One metric a signal adds to.
struct Point {
    name: &'static str,
    unit: &'static str,
    dimension: Option<(&'static str, &'static str)>,
    value: u64,
}

fn point(signal: Signal) -> Point {
    let count = |name| Point {
        name,
        unit: "Count",
        dimension: None,
        value: 1,
    };
    let by = |name, key, value| Point {
        dimension: Some((key, value)),
        ..count(name)
    };
    match signal {
        Signal::CodeSent => count("CodesSent"),
        Signal::SignIn => count("SignIns"),
        Signal::WrongCode => count("WrongCodes"),
        Signal::Lockout => count(LOCKOUTS),
        Signal::Refused(budget) => by("Refusals", "Budget", budget),
        Signal::PoolBudgetUse(percent) => Point {
            name: POOL_BUDGET_USE,
            unit: "Percent",
            dimension: None,
            value: u64::from(percent),
        },
        Signal::Refresh => count("Refreshes"),
        Signal::RefreshFailure => count("RefreshFailures"),
        Signal::SignOut => count("SignOuts"),
        Signal::JwtRejected(class) => by(JWT_REJECTIONS, "Class", class),
        Signal::UpstreamError(service) => by(UPSTREAM_ERRORS, "Service", service),
        Signal::EmailQuotaExhausted => count(EMAIL_QUOTA_EXHAUSTED),
    }
}

/// The EMF documents of one invocation of `function`: one per metric and dimension value, counts
/// summed and percentages at their highest.
pub fn documents(function: &str, signals: &[Signal], timestamp_ms: u64) -> Vec<Value> {
    let mut points: Vec<Point> = Vec::new();
    for signal in signals {
        let new = point(*signal);
        match points
            .iter_mut()
            .find(|p| p.name == new.name && p.dimension == new.dimension)
        {
            Some(p) if p.unit == "Percent" => p.value = p.value.max(new.value),
            Some(p) => p.value += new.value,
            None => points.push(new),
        }
    }
    points
        .into_iter()
        .map(|p| {
            let mut dimensions = vec!["Function"];
            let mut doc = Map::new();
            doc.insert("Function".into(), json!(function));
            if let Some((key, value)) = p.dimension {
                dimensions.push(key);
                doc.insert(key.into(), json!(value));
            }
            doc.insert(p.name.into(), json!(p.value));
            doc.insert(
                "_aws".into(),
                json!({
                    "Timestamp": timestamp_ms,
                    "CloudWatchMetrics": [{
                        "Namespace": NAMESPACE,
                        "Dimensions": [dimensions, []],
                        "Metrics": [{"Name": p.name, "Unit": p.unit}],
                    }],
                }),
            );
            Value::Object(doc)
        })
        .collect()
}

/// The signal a failed call gives, where it is one: a refused guest token by class, a refused
/// refresh. (Wrong codes and lockouts are counted where the code is judged, budgets where they
/// are spent, upstream errors where they are classified.)
pub fn failure_signal(err: &AuthError) -> Option<Signal> {
    match err {
        AuthError::TokenExpired => Some(Signal::JwtRejected("expired")),
        AuthError::InvalidToken(rejection) => Some(Signal::JwtRejected(rejection.name())),
        AuthError::RefreshFailed(_) => Some(Signal::RefreshFailure),
        _ => None,
    }
}

/// Write an invocation's metrics to stdout, one line per document.
pub fn emit(function: &str, signals: &[Signal]) {
    if signals.is_empty() {
        return;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default();
    let mut out = std::io::stdout().lock();
    for doc in documents(function, signals, now) {
        // A line that cannot be written is a metric lost, never a failed invocation.
        let _ = writeln!(out, "{doc}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_document_per_metric_and_dimension_value_with_the_aggregate_beside() {
        let docs = documents(
            "initiate_login",
            &[
                Signal::Refused("address"),
                Signal::Refused("codes_per_minute"),
                Signal::Refused("address"),
                Signal::PoolBudgetUse(40),
                Signal::PoolBudgetUse(75),
                Signal::CodeSent,
            ],
            1_795_000_000_000,
        );
        assert_eq!(docs.len(), 4);
        assert_eq!(
            docs[0],
            json!({
                "_aws": {
                    "Timestamp": 1_795_000_000_000_u64,
                    "CloudWatchMetrics": [{
                        "Namespace": "BookingAuth",
                        "Dimensions": [["Function", "Budget"], []],
                        "Metrics": [{"Name": "Refusals", "Unit": "Count"}],
                    }],
                },
                "Function": "initiate_login",
                "Budget": "address",
                "Refusals": 2,
            })
        );
        assert_eq!(docs[1]["Budget"], "codes_per_minute");
        assert_eq!(docs[2]["PoolBudgetUse"], 75);
        assert_eq!(
            docs[2]["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"],
            "Percent"
        );
        assert_eq!(docs[3]["CodesSent"], 1);
        assert_eq!(
            docs[3]["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Function"], []])
        );
    }
}
