//! Users: the admin operations on them and what a signed-in user may read of their own.

use super::*;

impl StandIn {
    pub(super) fn admin_get_user(&self, state: &mut State, body: &Value) -> OpResult {
        self.check_pool(body)?;
        let user = Self::user(state, str_field(body, "Username")?)?;
        Ok(json!({
            "Username": user.sub,
            "UserAttributes": attributes(user),
            "UserCreateDate": user.created,
            "UserLastModifiedDate": user.created,
            "Enabled": user.enabled,
            "UserStatus": user.status,
        }))
    }

    pub(super) fn admin_create_user(&self, state: &mut State, body: &Value) -> OpResult {
        self.check_pool(body)?;
        let username = str_field(body, "Username")?;
        let attrs: Vec<(String, String)> = body
            .get("UserAttributes")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| {
                        Some((
                            x.get("Name")?.as_str()?.to_owned(),
                            x.get("Value")?.as_str()?.to_owned(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let attr = |name: &str| {
            attrs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let email = attr("email").unwrap_or_else(|| username.to_owned());
        if !username.contains('@') || !email.eq_ignore_ascii_case(username) {
            return Err(err(
                "InvalidParameterException",
                "Username should be an email.",
            ));
        }
        if state.find_user(username).is_some() {
            return Err(err(
                "UsernameExistsException",
                "An account with the given email already exists.",
            ));
        }
        let suppress = body.get("MessageAction").and_then(Value::as_str) == Some("SUPPRESS");
        let user = User {
            sub: uuid(),
            email: email.clone(),
            email_verified: attr("email_verified").as_deref() == Some("true"),
            enabled: true,
            // Without a temporary password the user can only sign in passwordless.
            status: if body.get("TemporaryPassword").is_some() {
                "FORCE_CHANGE_PASSWORD"
            } else {
                "CONFIRMED"
            },
            created: now(),
            signed_out_at: None,
        };
        if !suppress {
            state.inbox.push(Message {
                to: email.clone(),
                code: String::new(),
                sent_at: now(),
                kind: "invitation",
            });
        }
        let out = json!({"User": {
            "Username": user.sub, "Attributes": attributes(&user), "UserCreateDate": user.created,
            "UserLastModifiedDate": user.created, "Enabled": true, "UserStatus": user.status
        }});
        state.users.insert(user.sub.clone(), user);
        Ok(out)
    }

    /// `GetUser`: the signed-in user's own attributes, authorized by the access token alone (what
    /// Amplify's `fetchUserAttributes` and `fetchMFAPreference` call).
    pub(super) fn get_user(&self, state: &mut State, body: &Value) -> OpResult {
        let sub = self.authorize_access(state, str_field(body, "AccessToken")?)?;
        let user = Self::user(state, &sub)?;
        Ok(json!({
            "Username": user.sub,
            "UserAttributes": attributes(user),
            "UserMFASettingList": [],
        }))
    }

    /// `ListDevices`: the pool does not remember devices, so the list is empty (what Amplify's
    /// `fetchDevices` calls).
    pub(super) fn list_devices(&self, state: &mut State, body: &Value) -> OpResult {
        self.authorize_access(state, str_field(body, "AccessToken")?)?;
        Ok(json!({"Devices": []}))
    }

    /// `AdminDeleteUser`: the user, its sign-in sessions and its refresh tokens go.
    pub(super) fn admin_delete_user(&self, state: &mut State, body: &Value) -> OpResult {
        self.check_pool(body)?;
        let sub = Self::user(state, str_field(body, "Username")?)?.sub.clone();
        state.users.remove(&sub);
        state.sessions.retain(|_, s| s.sub != sub);
        state.refresh_tokens.retain(|_, r| r.sub != sub);
        Ok(json!({}))
    }

    pub(super) fn admin_user_global_sign_out(&self, state: &mut State, body: &Value) -> OpResult {
        self.check_pool(body)?;
        let sub = Self::user(state, str_field(body, "Username")?)?.sub.clone();
        Self::sign_out_user(state, &sub);
        Ok(json!({}))
    }
}
