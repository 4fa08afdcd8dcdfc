"""boto3 (pinned in scripts/requirements-local.txt) against the Cognito stand-in: every operation
the stand-in serves, its success shape as botocore's model parses it, and the modeled exceptions.
Run by cognito-stand-in/tests/aws_clients.rs with STANDIN_URL, POOL_ID and CLIENT_ID set."""

import json
import os
import unittest
import urllib.request

import boto3
import botocore

ENV = os.environ
POOL, CLIENT = ENV["POOL_ID"], ENV["CLIENT_ID"]
idp = boto3.client(
    "cognito-idp",
    endpoint_url=ENV["STANDIN_URL"],
    region_name=POOL.split("_")[0],
    aws_access_key_id="local",
    aws_secret_access_key="local",
    config=botocore.config.Config(retries={"max_attempts": 1}),
)


def latest_code(email: str) -> str:
    with urllib.request.urlopen(f"{ENV['STANDIN_URL']}/_inbox?email={email}", timeout=10) as r:
        return json.load(r)["messages"][-1]["code"]


def configure(settings: dict) -> None:
    request = urllib.request.Request(f"{ENV['STANDIN_URL']}/_config", data=json.dumps(settings).encode(), method="POST")
    urllib.request.urlopen(request, timeout=10).close()


def create(email: str) -> str:
    user = idp.admin_create_user(
        UserPoolId=POOL,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
    )["User"]
    return user["Username"]


def sign_in(email: str, admin: bool = False) -> dict:
    try:
        create(email)
    except idp.exceptions.UsernameExistsException:
        pass
    if admin:
        started = idp.admin_initiate_auth(
            UserPoolId=POOL, ClientId=CLIENT, AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": email, "PREFERRED_CHALLENGE": "EMAIL_OTP"},
        )
        answered = idp.admin_respond_to_auth_challenge(
            UserPoolId=POOL, ClientId=CLIENT, ChallengeName="EMAIL_OTP", Session=started["Session"],
            ChallengeResponses={"USERNAME": email, "EMAIL_OTP_CODE": latest_code(email)},
        )
    else:
        started = idp.initiate_auth(
            ClientId=CLIENT, AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": email, "PREFERRED_CHALLENGE": "EMAIL_OTP"},
        )
        answered = idp.respond_to_auth_challenge(
            ClientId=CLIENT, ChallengeName="EMAIL_OTP", Session=started["Session"],
            ChallengeResponses={"USERNAME": email, "EMAIL_OTP_CODE": latest_code(email)},
        )
    return answered["AuthenticationResult"]


class Boto3AgainstTheStandIn(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        request = urllib.request.Request(f"{ENV['STANDIN_URL']}/_reset", data=b"{}", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def test_admin_create_and_get_user(self):
        sub = create("boto.create@example.com")
        user = idp.admin_get_user(UserPoolId=POOL, Username="boto.create@example.com")
        attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        self.assertEqual((user["Username"], attributes["email"], attributes["sub"]), (sub, "boto.create@example.com", sub))
        self.assertTrue(user["Enabled"])
        self.assertIsInstance(user["UserCreateDate"].year, int)  # parsed as a timestamp
        with self.assertRaises(idp.exceptions.UsernameExistsException):
            create("boto.create@example.com")
        with self.assertRaises(idp.exceptions.UserNotFoundException):
            idp.admin_get_user(UserPoolId=POOL, Username="nobody@example.com")
        with self.assertRaises(idp.exceptions.ResourceNotFoundException):
            idp.admin_get_user(UserPoolId="eu-west-1_NoSuchPool", Username="boto.create@example.com")

    def test_user_auth_offers_a_choice_and_sends_a_code(self):
        create("boto.choice@example.com")
        started = idp.initiate_auth(ClientId=CLIENT, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "boto.choice@example.com"})
        self.assertEqual(started["ChallengeName"], "SELECT_CHALLENGE")
        self.assertIn("EMAIL_OTP", started["AvailableChallenges"])
        chosen = idp.respond_to_auth_challenge(
            ClientId=CLIENT, ChallengeName="SELECT_CHALLENGE", Session=started["Session"],
            ChallengeResponses={"USERNAME": "boto.choice@example.com", "ANSWER": "EMAIL_OTP"},
        )
        self.assertEqual(chosen["ChallengeName"], "EMAIL_OTP")
        self.assertIn("CODE_DELIVERY_DESTINATION", chosen["ChallengeParameters"])
        with self.assertRaises(idp.exceptions.CodeMismatchException):
            idp.respond_to_auth_challenge(
                ClientId=CLIENT, ChallengeName="EMAIL_OTP", Session=chosen["Session"],
                ChallengeResponses={"USERNAME": "boto.choice@example.com", "EMAIL_OTP_CODE": "00000000"},
            )
        done = idp.respond_to_auth_challenge(
            ClientId=CLIENT, ChallengeName="EMAIL_OTP", Session=chosen["Session"],
            ChallengeResponses={"USERNAME": "boto.choice@example.com", "EMAIL_OTP_CODE": latest_code("boto.choice@example.com")},
        )
        result = done["AuthenticationResult"]
        self.assertEqual((result["TokenType"], result["ExpiresIn"]), ("Bearer", 3600))
        with self.assertRaises(idp.exceptions.NotAuthorizedException):  # a session works once
            idp.respond_to_auth_challenge(
                ClientId=CLIENT, ChallengeName="EMAIL_OTP", Session=chosen["Session"],
                ChallengeResponses={"USERNAME": "boto.choice@example.com", "EMAIL_OTP_CODE": latest_code("boto.choice@example.com")},
            )

    def test_admin_sign_in_and_refresh(self):
        tokens = sign_in("boto.admin@example.com", admin=True)
        refreshed = idp.get_tokens_from_refresh_token(RefreshToken=tokens["RefreshToken"], ClientId=CLIENT)
        self.assertIn("AccessToken", refreshed["AuthenticationResult"])
        legacy = idp.initiate_auth(ClientId=CLIENT, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
        self.assertIn("IdToken", legacy["AuthenticationResult"])
        with self.assertRaises(idp.exceptions.NotAuthorizedException):
            idp.get_tokens_from_refresh_token(RefreshToken="not-a-token", ClientId=CLIENT)
        with self.assertRaises(idp.exceptions.InvalidParameterException):
            idp.initiate_auth(ClientId=CLIENT, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "x", "PASSWORD": "y"})

    def test_token_authorized_calls_and_revocation(self):
        tokens = sign_in("boto.tokens@example.com")
        user = idp.get_user(AccessToken=tokens["AccessToken"])
        self.assertIn("email", {a["Name"] for a in user["UserAttributes"]})
        self.assertEqual(idp.list_devices(AccessToken=tokens["AccessToken"])["Devices"], [])
        with self.assertRaises(idp.exceptions.UnsupportedTokenTypeException):
            idp.revoke_token(Token=tokens["AccessToken"], ClientId=CLIENT)
        idp.revoke_token(Token=tokens["RefreshToken"], ClientId=CLIENT)
        # Cognito revokes the access tokens of a revoked refresh token for its own APIs.
        for call in (lambda: idp.get_user(AccessToken=tokens["AccessToken"]),
                     lambda: idp.global_sign_out(AccessToken=tokens["AccessToken"]),
                     lambda: idp.get_tokens_from_refresh_token(RefreshToken=tokens["RefreshToken"], ClientId=CLIENT)):
            with self.assertRaises(idp.exceptions.NotAuthorizedException):
                call()

    def test_global_sign_outs(self):
        first = sign_in("boto.global@example.com")
        idp.global_sign_out(AccessToken=first["AccessToken"])
        again = sign_in("boto.global@example.com")  # the same second: still valid
        self.assertIn("Username", idp.get_user(AccessToken=again["AccessToken"]))
        with self.assertRaises(idp.exceptions.NotAuthorizedException):
            idp.get_user(AccessToken=first["AccessToken"])
        idp.admin_user_global_sign_out(UserPoolId=POOL, Username="boto.global@example.com")
        with self.assertRaises(idp.exceptions.NotAuthorizedException):
            idp.get_tokens_from_refresh_token(RefreshToken=again["RefreshToken"], ClientId=CLIENT)

    def test_unknown_names_with_and_without_prevent_user_existence_errors(self):
        # ENABLED (a console app client's default): the challenge a user gets, and no code matches.
        started = idp.initiate_auth(
            ClientId=CLIENT, AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": "boto.nobody@example.com", "PREFERRED_CHALLENGE": "EMAIL_OTP"},
        )
        self.assertEqual(started["ChallengeName"], "EMAIL_OTP")
        self.assertEqual(started["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"], "b***@e***.com")
        with self.assertRaises(idp.exceptions.CodeMismatchException):
            idp.respond_to_auth_challenge(
                ClientId=CLIENT, ChallengeName="EMAIL_OTP", Session=started["Session"],
                ChallengeResponses={"USERNAME": "boto.nobody@example.com", "EMAIL_OTP_CODE": "12345678"},
            )
        # LEGACY (the API's default): UserNotFoundException.
        configure({"prevent_user_existence_errors": "LEGACY"})
        try:
            with self.assertRaises(idp.exceptions.UserNotFoundException):
                idp.initiate_auth(
                    ClientId=CLIENT, AuthFlow="USER_AUTH",
                    AuthParameters={"USERNAME": "boto.nobody@example.com", "PREFERRED_CHALLENGE": "EMAIL_OTP"},
                )
        finally:
            configure({"prevent_user_existence_errors": "ENABLED"})


if __name__ == "__main__":
    unittest.main(verbosity=2)
