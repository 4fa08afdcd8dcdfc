//! `get_my_reservations`, the tool core the reservations function serves: verify the access token
//! and list that guest's reservations only. It lives in the shared crate because it is the
//! per-request path the benchmarks measure (`benches/requests.rs`).

use crate::AuthError;
use crate::contracts::{ReservationsArgs, ReservationsResult};
use crate::envelope::{CallContext, Tool, bearer_token};
use crate::guests::GuestStore;
use crate::jwt::{JwtVerifier, TokenUse};
use crate::reservations::ReservationStore;
use crate::revocation::RevocationStore;

pub struct GetMyReservations {
    pub verifier: JwtVerifier,
    /// Set when `REVOCATION_CHECK` is on: tokens of signed-out sessions are refused.
    pub revocations: Option<RevocationStore>,
    pub guests: GuestStore,
    pub reservations: ReservationStore,
}

impl Tool for GetMyReservations {
    const NAME: &'static str = crate::contracts::tool_names::GET_MY_RESERVATIONS;
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
        if let Some(revocations) = &self.revocations {
            revocations.check(&claims).await?;
        }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_argument_may_carry_the_bearer_prefix() {
        assert_eq!(argument_token("Bearer abc"), "abc");
        assert_eq!(argument_token(" abc "), "abc");
    }
}
