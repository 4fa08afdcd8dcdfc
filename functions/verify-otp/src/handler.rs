use booking_auth::AuthError;
use booking_auth::clock::{Clock, year};
use booking_auth::cognito::{CodeRefusal, Cognito};
use booking_auth::contracts::{TokenDeliveryEvent, VerifyOtpArgs};
use booking_auth::email::Email;
use booking_auth::envelope::{CallContext, Tool};
use booking_auth::guests::GuestStore;
use booking_auth::ids::SessionToken;
use booking_auth::jwt::claims_from_trusted_response;
use booking_auth::login::LoginStore;
use booking_auth::otp::{OtpCode, wrong_code};

pub struct VerifyOtp {
    pub cognito: Cognito,
    pub logins: LoginStore,
    pub guests: GuestStore,
    pub clock: Clock,
}

impl Tool for VerifyOtp {
    const NAME: &'static str = "verify_otp";
    type Args = VerifyOtpArgs;
    type Output = TokenDeliveryEvent;

    async fn call(
        &self,
        args: VerifyOtpArgs,
        _ctx: &CallContext,
    ) -> Result<TokenDeliveryEvent, AuthError> {
        // Shape checks first: a typo in the code must not spend an attempt.
        let email = Email::parse(&args.email)?;
        let code = OtpCode::parse(&args.otp_code)?;
        let token = SessionToken::parse(&args.session_token)?;
        // `args.attempts` and `args.otp_sent_at` are deliberately ignored: the record decides.
        let now = (self.clock)();
        let login = self.logins.claim_attempt(&token, &email, now).await?;

        let tokens = match self
            .cognito
            .answer_email_otp(&email, &login.cognito_session, code.as_str())
            .await
        {
            Ok(tokens) => tokens,
            Err(Ok(CodeRefusal::Mismatch)) => {
                return Err(wrong_code(login.attempts, self.logins.policy()));
            }
            Err(Ok(refusal)) => {
                // Cognito will not take this session again: close the login so it cannot be retried.
                self.logins.finish_login(&token).await;
                return Err(match refusal {
                    CodeRefusal::Expired => AuthError::OtpExpired,
                    _ => AuthError::LoginNotFound,
                });
            }
            Err(Err(err)) => {
                if err.retryable() {
                    // No verdict on the code: the guest keeps the attempt.
                    self.logins.refund_attempt(&token).await;
                }
                return Err(err);
            }
        };
        self.logins.finish_login(&token).await;

        let refresh_token = tokens
            .refresh_token
            .clone()
            .ok_or_else(|| AuthError::Internal("sign-in without a refresh token".into()))?;
        let claims = claims_from_trusted_response(&tokens.id_token)?;
        let guest = self
            .guests
            .get_or_create(&claims.sub, email.as_str(), now, year(now))
            .await?;
        tracing::info!(guest_id = %guest.guest_id, "guest signed in");
        Ok(TokenDeliveryEvent {
            event_type: TokenDeliveryEvent::EVENT_TYPE,
            success: true,
            id_token: tokens.id_token,
            access_token: tokens.access_token,
            refresh_token,
            expires_in: tokens.expires_in,
            guest_id: guest.guest_id,
            email: email.as_str().to_owned(),
            cognito_sub: claims.sub,
        })
    }
}
