"""A sign-in by email code, made as our functions make it (AdminInitiateAuth with USER_AUTH and
EMAIL_OTP), with boto3 and the caller's credentials, and the claims of the tokens it returns."""

from __future__ import annotations

import base64
import json
import time

from botocore.exceptions import ClientError

from .mailbox import Mailbox


def error_code(err: ClientError) -> str:
    return err.response.get("Error", {}).get("Code", "")


def claims(token: str) -> dict:
    """A JWT's claims, unverified: the token came straight from Cognito over TLS to this
    process, and only what it says about itself is reported."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class Pool:
    def __init__(self, idp, pool_id: str, client_id: str, mailbox: Mailbox):
        self.idp, self.pool_id, self.client_id, self.mailbox = idp, pool_id, client_id, mailbox

    def create_user(self, address: str) -> bool:
        """A user for the probes; False when the address already has one (never deleted then)."""
        try:
            self.idp.admin_create_user(
                UserPoolId=self.pool_id, Username=address, MessageAction="SUPPRESS",
                UserAttributes=[{"Name": "email", "Value": address},
                                {"Name": "email_verified", "Value": "true"}])
            return True
        except ClientError as err:
            if error_code(err) == "UsernameExistsException":
                return False
            raise

    def delete_user(self, address: str) -> None:
        self.idp.admin_delete_user(UserPoolId=self.pool_id, Username=address)

    def start(self, address: str) -> tuple[str, str]:
        """Ask for a code: the session to answer it with, and the code from the mailbox."""
        mark = self.mailbox.mark(address)
        started = self.idp.admin_initiate_auth(
            UserPoolId=self.pool_id, ClientId=self.client_id, AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": address, "PREFERRED_CHALLENGE": "EMAIL_OTP"})
        if started.get("ChallengeName") == "SELECT_CHALLENGE":
            started = self.idp.admin_respond_to_auth_challenge(
                UserPoolId=self.pool_id, ClientId=self.client_id, ChallengeName="SELECT_CHALLENGE",
                Session=started["Session"],
                ChallengeResponses={"USERNAME": address, "ANSWER": "EMAIL_OTP"})
        if started.get("ChallengeName") != "EMAIL_OTP":
            raise RuntimeError(f"expected the EMAIL_OTP challenge, got {started.get('ChallengeName')}")
        return started["Session"], self.mailbox.code(address, mark)

    def answer(self, address: str, session: str, code: str) -> dict:
        """The AuthenticationResult for a code (raises ClientError when refused)."""
        out = self.idp.admin_respond_to_auth_challenge(
            UserPoolId=self.pool_id, ClientId=self.client_id, ChallengeName="EMAIL_OTP",
            Session=session, ChallengeResponses={"USERNAME": address, "EMAIL_OTP_CODE": code})
        return out["AuthenticationResult"]

    def sign_in(self, address: str) -> dict:
        session, code = self.start(address)
        return self.answer(address, session, code)

    def refresh(self, refresh_token: str) -> dict:
        return self.idp.get_tokens_from_refresh_token(
            ClientId=self.client_id, RefreshToken=refresh_token)["AuthenticationResult"]

    def revoke(self, refresh_token: str) -> None:
        self.idp.revoke_token(ClientId=self.client_id, Token=refresh_token)

    def clean_up(self, refresh_token: str) -> None:
        """Revoke a probe's sign-in; a token already dead is fine (the user goes at the end)."""
        try:
            self.revoke(refresh_token)
        except ClientError as err:
            if error_code(err) != "NotAuthorizedException":
                raise

    def global_sign_out(self, access_token: str) -> int:
        """Sign out everywhere; the service's own second (its `Date` header) when it did."""
        out = self.idp.global_sign_out(AccessToken=access_token)
        date = out["ResponseMetadata"]["HTTPHeaders"].get("date")
        if date:
            from email.utils import parsedate_to_datetime
            return int(parsedate_to_datetime(date).timestamp())
        return int(time.time())

    def accepts(self, access_token: str) -> tuple[bool, str]:
        """Whether Cognito's token-authorized `GetUser` takes the token, and its error if not."""
        try:
            self.idp.get_user(AccessToken=access_token)
            return True, ""
        except ClientError as err:
            return False, f"{error_code(err)}: {err.response.get('Error', {}).get('Message', '')}"
