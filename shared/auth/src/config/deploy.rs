//! What one function needs from the stack that deploys it, declared next to the function (its
//! crate's `DEPLOY`): the settings it reads, its HTTP route and the AWS actions it may call.
//! Start-up lets the function read only these settings, and `infra/generate` writes from them each
//! function's resource in the SAM template (environment, route, policy, log group) and the data
//! the CDK app builds the same from.

use super::settings::{AT_START_UP, Setting};

#[derive(Debug)]
pub struct Deploy {
    /// The function's crate and binary, `functions/<function>`.
    pub function: &'static str,
    /// The settings it reads besides those every function reads at start-up, in groups.
    pub settings: &'static [&'static [&'static Setting]],
    /// Its path on the stack's HTTP API (the method follows from the tool's contract), if any.
    pub route: Option<&'static str>,
    /// Every AWS action it calls, on which resource: its role allows these and nothing else.
    pub grants: &'static [Grant],
}

/// AWS actions on one of the stack's resources.
#[derive(Debug)]
pub struct Grant {
    pub on: Resource,
    pub actions: &'static [&'static str],
}

/// A resource of the stack a function may act on.
#[derive(Debug)]
pub enum Resource {
    UserPool,
    /// The table the setting names (its variable, e.g. `GUESTS_TABLE`).
    Table(&'static Setting),
}

impl Deploy {
    /// Every setting the function may read: start-up's, then its own, each once.
    pub fn reads(&self) -> Vec<&'static Setting> {
        let mut all: Vec<&'static Setting> = Vec::new();
        for setting in AT_START_UP
            .iter()
            .chain(self.settings.iter().flat_map(|group| group.iter()))
        {
            if !all.iter().any(|s| s.variable == setting.variable) {
                all.push(setting);
            }
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::settings::{COGNITO, GUESTS_TABLE, USER_POOL_ID};

    #[test]
    fn reads_start_up_then_its_own_once_each() {
        let deploy = Deploy {
            function: "f",
            settings: &[COGNITO, &[&USER_POOL_ID, &GUESTS_TABLE]],
            route: None,
            grants: &[],
        };
        let reads = deploy.reads();
        let names: Vec<&str> = reads.iter().map(|s| s.variable).collect();
        assert_eq!(
            names[..AT_START_UP.len()],
            AT_START_UP.iter().map(|s| s.variable).collect::<Vec<_>>()[..]
        );
        assert_eq!(names.iter().filter(|n| **n == "USER_POOL_ID").count(), 1);
        assert_eq!(names.last(), Some(&"GUESTS_TABLE"));
    }
}
