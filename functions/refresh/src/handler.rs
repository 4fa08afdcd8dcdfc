use booking_auth::AuthError;
use booking_auth::clock::{Clock, year};
use booking_auth::cognito::Cognito;
use booking_auth::config::RefreshConfig;
use booking_auth::contracts::{RefreshArgs, TokenDeliveryEvent};
use booking_auth::envelope::{CallContext, Tool};
use booking_auth::guests::GuestStore;
use booking_auth::jwt::claims_from_trusted_response;

/// Longer than any token Cognito issues; anything bigger is not worth a network call.
const MAX_REFRESH_TOKEN_LEN: usize = 8 * 1024;

pub struct Refresh {
    pub cognito: Cognito,
    pub guests: GuestStore,
    pub refresh: RefreshConfig,
    pub clock: Clock,
}

impl Tool for Refresh {
    const NAME: &'static str = "refresh";
    type Args = RefreshArgs;
    type Output = TokenDeliveryEvent;

    async fn call(
        &self,
        args: RefreshArgs,
        _ctx: &CallContext,
    ) -> Result<TokenDeliveryEvent, AuthError> {
        let given = args.refresh_token.trim();
        if given.is_empty() || given.len() > MAX_REFRESH_TOKEN_LEN {
            return Err(AuthError::RefreshFailed("malformed refresh token".into()));
        }
        let tokens = self
            .cognito
            .refresh(given, self.refresh.fallback_to_initiate_auth)
            .await?;
        let claims = claims_from_trusted_response(&tokens.id_token)?;
        let email = claims.email.clone().unwrap_or_default();
        let now = (self.clock)();
        // Normally found; recreated if the guest table lost it, so the event is always complete.
        let guest = self
            .guests
            .get_or_create(&claims.sub, &email, now, year(now))
            .await?;
        Ok(TokenDeliveryEvent {
            event_type: TokenDeliveryEvent::EVENT_TYPE,
            success: true,
            id_token: tokens.id_token,
            access_token: tokens.access_token,
            // Rotation on: the new one (the old one is now invalid). Off: the one given stays valid.
            refresh_token: tokens.refresh_token.unwrap_or_else(|| given.to_owned()),
            expires_in: tokens.expires_in,
            guest_id: guest.guest_id,
            email,
            cognito_sub: claims.sub,
        })
    }
}
