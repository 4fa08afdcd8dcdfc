use booking_auth::AuthError;
use booking_auth::contracts::{ReservationsArgs, ReservationsResult};
use booking_auth::envelope::{CallContext, Tool, bearer_token};
use booking_auth::guests::GuestStore;
use booking_auth::jwt::{JwtVerifier, TokenUse};
use booking_auth::reservations::ReservationStore;

pub struct GetMyReservations {
    pub verifier: JwtVerifier,
    pub guests: GuestStore,
    pub reservations: ReservationStore,
}

impl Tool for GetMyReservations {
    const NAME: &'static str = "get_my_reservations";
    const HTTP_GET: bool = true;
    type Args = ReservationsArgs;
    type Output = ReservationsResult;

    async fn call(
        &self,
        args: ReservationsArgs,
        ctx: &CallContext,
    ) -> Result<ReservationsResult, AuthError> {
        // Header first (HTTP or Gateway-propagated), then the argument; never a default identity.
        let token = ctx
            .bearer
            .clone()
            .or_else(|| args.auth_token.as_deref().map(argument_token))
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::AuthRequired)?;
        let claims = self.verifier.verify(&token, TokenUse::Access).await?;

        let Some(guest) = self.guests.find(&claims.sub).await? else {
            return Ok(ReservationsResult {
                success: true,
                guest_id: None,
                reservations: Vec::new(),
            });
        };
        // Keyed by the verified sub: no argument can widen this query.
        let reservations = self.reservations.for_guest(&claims.sub).await?;
        Ok(ReservationsResult {
            success: true,
            guest_id: Some(guest.guest_id),
            reservations,
        })
    }
}

/// Models sometimes pass the header value (`Bearer eyJ…`) as the argument.
fn argument_token(raw: &str) -> String {
    bearer_token(raw).unwrap_or_else(|| raw.trim().to_owned())
}
