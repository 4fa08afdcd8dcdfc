//! `get_my_reservations`: verify the access token and list that guest's reservations only.

use booking_auth::aws::guests::GuestStore;
use booking_auth::aws::reservations::ReservationStore;
use booking_auth::aws::revocation::RevocationStore;
use booking_auth::config::{CognitoConfig, Table, revocation_check};
use booking_auth::domain::clock::system_clock;
use booking_auth::invoke::lambda;
use booking_auth::jwt;
use reservations::GetMyReservations;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), booking_auth::invoke::runtime::Error> {
    lambda::start(&reservations::DEPLOY, |env, aws| {
        let dynamodb = aws.dynamodb();
        let revocations = match revocation_check(env)? {
            true => Some(RevocationStore::new(
                dynamodb.clone(),
                Table::AuthState.name(env)?,
            )),
            false => None,
        };
        Ok(GetMyReservations {
            revocations,
            verifier: jwt::from_env(env, &CognitoConfig::from_env(env)?, aws.trust_store())?,
            guests: GuestStore::new(dynamodb.clone(), Table::Guests.name(env)?),
            reservations: ReservationStore::new(dynamodb, Table::Reservations.name(env)?),
            clock: system_clock,
        })
    })
    .await
}
