use booking_auth::AuthError;
use booking_auth::clock::{Clock, rfc3339};
use booking_auth::cognito::Cognito;
use booking_auth::contracts::{InitiateLoginArgs, LoginStarted};
use booking_auth::email::Email;
use booking_auth::envelope::{CallContext, Tool};
use booking_auth::ids::SessionToken;
use booking_auth::login::LoginStore;

pub struct InitiateLogin {
    pub cognito: Cognito,
    pub logins: LoginStore,
    pub clock: Clock,
}

impl Tool for InitiateLogin {
    const NAME: &'static str = "initiate_login";
    type Args = InitiateLoginArgs;
    type Output = LoginStarted;

    async fn call(
        &self,
        args: InitiateLoginArgs,
        _ctx: &CallContext,
    ) -> Result<LoginStarted, AuthError> {
        let email = Email::parse(&args.email)?;
        let now = (self.clock)();
        let slot = self.logins.admit_send(&email, now).await?;

        let started = async {
            // Known and unknown addresses take the same path: the answer reveals nothing.
            self.cognito.ensure_user(&email).await?;
            let challenge = self.cognito.start_email_otp(&email).await?;
            let token = SessionToken::generate()?;
            let login = self
                .logins
                .create_login(&token, &email, challenge.session, now)
                .await?;
            Ok::<_, AuthError>((token, login))
        }
        .await;
        let (token, login) = match started {
            Ok(done) => done,
            Err(err) => {
                // Nothing usable reached the guest: the attempt must not count against them.
                self.logins.release_send(slot).await;
                return Err(err);
            }
        };

        let validity = self.logins.policy().session_validity.as_secs();
        tracing::info!(email = %email, "sign-in code sent");
        Ok(LoginStarted {
            success: true,
            session_token: token.as_str().to_owned(),
            otp_sent_at: rfc3339(login.otp_sent_at),
            expires_in: validity,
            delivery: email.masked(),
            message: format!(
                "We sent a sign-in code to {}. It expires in {} minutes.",
                email.masked(),
                validity / 60
            ),
        })
    }
}
