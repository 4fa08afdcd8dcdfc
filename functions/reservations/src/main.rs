//! `get_my_reservations`: verify the access token and list that guest's reservations only.

mod handler;

use std::sync::Arc;

use booking_auth::config::{CognitoConfig, JwtConfig, Tables, revocation_check};
use booking_auth::guests::GuestStore;
use booking_auth::jwt::{JwtVerifier, http_source::HttpJwksSource};
use booking_auth::lambda;
use booking_auth::reservations::ReservationStore;
use booking_auth::revocation::RevocationStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), booking_auth::runtime::Error> {
    lambda::start(|env, aws| {
        let cognito = CognitoConfig::from_env(env)?;
        let jwt = JwtConfig::from_env(env)?;
        let jwks =
            HttpJwksSource::for_issuer(&cognito.issuer, jwt.jwks_fetch_timeout, aws.trust_store())?;
        let dynamodb = aws.dynamodb();
        let revocations = match revocation_check(env)? {
            true => Some(RevocationStore::new(
                dynamodb.clone(),
                Tables::auth_state(env)?,
            )),
            false => None,
        };
        Ok(handler::GetMyReservations {
            revocations,
            verifier: JwtVerifier::new(&cognito, &jwt, Arc::new(jwks)),
            guests: GuestStore::new(dynamodb.clone(), Tables::guests(env)?),
            reservations: ReservationStore::new(dynamodb, Tables::reservations(env)?),
        })
    })
    .await
}
