"""boto3 (pinned in scripts/requirements-local.txt) against the local Identity Pool, its STS
exchange and the Runtime front door, as AWS's SDK for Python would talk to the real services.
Run by local-runtime/tests/aws_clients.rs, which starts everything and passes the endpoints:

  STANDIN_URL, USER_POOL_ID, CLIENT_ID   the Cognito stand-in's user pool
  RUNTIME_URL                             the one endpoint of cognito-identity, sts and bedrock-agentcore
  IDENTITY_POOL_ID, PROVIDER, GUEST_ROLE, SIGNED_IN_ROLE, RUNTIME_ARN, REGION
  CREDENTIAL_SECONDS                      how long the issued credentials live
"""

import json
import os
import time
import unittest
import urllib.parse
import urllib.request

import http.client

import boto3
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.config import Config

ENV = os.environ
REGION = ENV["REGION"]
SESSION_ID = "conversation-" + "0" * 24  # 37 characters: within 33..256


def client(service, credentials=None, **config):
    extra = {"signature_version": UNSIGNED} if credentials is None else {}
    keys = credentials or {"aws_access_key_id": "unused", "aws_secret_access_key": "unused"}
    return boto3.client(service, region_name=REGION, endpoint_url=ENV["RUNTIME_URL"],
                        config=Config(retries={"max_attempts": 1}, **extra, **config), **keys)


IDENTITY = client("cognito-identity")
STS = client("sts")
IDP = boto3.client("cognito-idp", region_name=REGION, endpoint_url=ENV["STANDIN_URL"],
                   aws_access_key_id="local", aws_secret_access_key="local")


def from_sts(out):
    c = out["Credentials"]
    return {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
            "aws_session_token": c["SessionToken"]}


def from_identity_pool(out):
    c = out["Credentials"]
    return {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretKey"],
            "aws_session_token": c["SessionToken"]}


def guest_credentials(identity_id):
    """The basic flow: an OpenID token for the guest identity, exchanged for the guest role."""
    token = IDENTITY.get_open_id_token(IdentityId=identity_id)["Token"]
    return from_sts(STS.assume_role_with_web_identity(
        RoleArn=ENV["GUEST_ROLE"], RoleSessionName="guest", WebIdentityToken=token))


def id_token(email):
    """A sign-in at the user pool with an emailed code: its ID token."""
    try:
        IDP.admin_create_user(UserPoolId=ENV["USER_POOL_ID"], Username=email, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": email},
                                              {"Name": "email_verified", "Value": "true"}])
    except IDP.exceptions.UsernameExistsException:
        pass
    started = IDP.admin_initiate_auth(
        UserPoolId=ENV["USER_POOL_ID"], ClientId=ENV["CLIENT_ID"], AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": email, "PREFERRED_CHALLENGE": "EMAIL_OTP"})
    url = ENV["STANDIN_URL"] + "/_inbox?email=" + urllib.parse.quote(email)
    with urllib.request.urlopen(url, timeout=10) as reply:
        code = json.load(reply)["messages"][-1]["code"]
    done = IDP.admin_respond_to_auth_challenge(
        UserPoolId=ENV["USER_POOL_ID"], ClientId=ENV["CLIENT_ID"], ChallengeName="EMAIL_OTP",
        Session=started["Session"], ChallengeResponses={"USERNAME": email, "EMAIL_OTP_CODE": code})
    return done["AuthenticationResult"]["IdToken"]


def invoke(credentials, session_id=SESSION_ID, headers=None, **config):
    """InvokeAgentRuntime with extra request headers (added before signing, as a page's
    middleware adds them); the answer and its lines."""
    agentcore = client("bedrock-agentcore", credentials, **config)

    def add_headers(request, **_):
        for name, value in (headers or {}).items():
            request.headers[name] = value

    agentcore.meta.events.register("before-sign.bedrock-agentcore.InvokeAgentRuntime", add_headers)
    out = agentcore.invoke_agent_runtime(
        agentRuntimeArn=ENV["RUNTIME_ARN"], runtimeSessionId=session_id, contentType="application/json",
        accept="text/event-stream", payload=json.dumps({"prompt": "Any rooms in May?"}).encode())
    # Line by line, as AWS's own example reads the stream.
    chunks = [line + b"\n" for line in out["response"].iter_lines(chunk_size=10)]
    return out, chunks


def error_code(raised):
    return raised.exception.response["Error"]["Code"]


class IdentityPoolAndFrontDoor(unittest.TestCase):
    def test_1_a_guest_invokes_with_basic_flow_credentials_and_the_stream_comes_through(self):
        guest = IDENTITY.get_id(IdentityPoolId=ENV["IDENTITY_POOL_ID"])["IdentityId"]
        self.assertTrue(guest.startswith(REGION + ":"))
        out, chunks = invoke(guest_credentials(guest), headers={
            "X-Guest-Authorization": "Bearer not-checked-here", "X-Not-Allowlisted": "dropped"})
        self.assertEqual(out["contentType"], "text/event-stream")
        self.assertEqual(out["runtimeSessionId"], SESSION_ID)
        body = b"".join(chunks).decode()
        self.assertTrue(body.rstrip().endswith("data: [DONE]"), body)
        received = json.loads(body.split("\n")[0][len("data: "):])["headers"]
        # The allowlisted header and the session id reach the agent; nothing else of the caller's.
        self.assertEqual(received["x-guest-authorization"], "Bearer not-checked-here")
        self.assertEqual(received["x-amzn-bedrock-agentcore-runtime-session-id"], SESSION_ID)
        for dropped in ["x-not-allowlisted", "authorization", "x-amz-security-token", "x-amz-date"]:
            self.assertNotIn(dropped, received)

    def test_1b_the_answer_streams_through_as_the_agent_writes_it(self):
        """Read with http.client's read1 (urllib3 under boto3 waits to fill its reads), signed by
        botocore's own SigV4 signer: the first event arrives before the agent writes the second."""
        guest = IDENTITY.get_id(IdentityPoolId=ENV["IDENTITY_POOL_ID"])["IdentityId"]
        credentials = guest_credentials(guest)
        path = "/runtimes/" + urllib.parse.quote(ENV["RUNTIME_ARN"], safe="") + "/invocations"
        request = AWSRequest("POST", ENV["RUNTIME_URL"] + path, data=b"{}",
                             headers={"X-Amzn-Bedrock-AgentCore-Runtime-Session-Id": SESSION_ID})
        SigV4Auth(Credentials(*credentials.values()), "bedrock-agentcore", REGION).add_auth(request)
        url = urllib.parse.urlparse(ENV["RUNTIME_URL"])
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        connection.request("POST", path, body=b"{}", headers=dict(request.headers))
        reply = connection.getresponse()
        self.assertEqual(reply.status, 200)
        arrivals = []
        while data := reply.read1(4096):
            arrivals.append((time.monotonic(), data))
        connection.close()
        self.assertTrue(arrivals[-1][1].endswith(b"data: [DONE]\n\n"))
        self.assertGreater(arrivals[-1][0] - arrivals[0][0], 0.2, "the first event waited for the last")

    def test_2_a_guests_enhanced_flow_credentials_may_not_invoke(self):
        guest = IDENTITY.get_id(IdentityPoolId=ENV["IDENTITY_POOL_ID"])["IdentityId"]
        credentials = from_identity_pool(IDENTITY.get_credentials_for_identity(IdentityId=guest))
        with self.assertRaises(Exception) as raised:
            invoke(credentials)
        self.assertEqual(error_code(raised), "AccessDeniedException")
        self.assertIn("session policy", raised.exception.response["Error"]["Message"])

    def test_3_a_guest_token_cannot_assume_the_signed_in_role(self):
        guest = IDENTITY.get_id(IdentityPoolId=ENV["IDENTITY_POOL_ID"])["IdentityId"]
        token = IDENTITY.get_open_id_token(IdentityId=guest)["Token"]
        with self.assertRaises(Exception) as raised:
            STS.assume_role_with_web_identity(RoleArn=ENV["SIGNED_IN_ROLE"], RoleSessionName="guest",
                                              WebIdentityToken=token)
        self.assertEqual(error_code(raised), "AccessDenied")
        with self.assertRaises(Exception) as raised:
            STS.assume_role_with_web_identity(RoleArn=ENV["GUEST_ROLE"], RoleSessionName="guest",
                                              WebIdentityToken=token[:-4] + "AAAA")
        self.assertEqual(error_code(raised), "InvalidIdentityToken")

    def test_4_signing_in_links_the_guests_identity_and_a_second_guest_is_merged_into_it(self):
        email = "identity.guest@example.com"
        logins = {ENV["PROVIDER"]: id_token(email)}
        guest = IDENTITY.get_id(IdentityPoolId=ENV["IDENTITY_POOL_ID"])["IdentityId"]
        signed_in = IDENTITY.get_credentials_for_identity(IdentityId=guest, Logins=logins)
        self.assertEqual(signed_in["IdentityId"], guest, "the same identity, now signed in")
        out, _ = invoke(from_identity_pool(signed_in))
        self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 200)
        # The basic flow works for the signed-in role too.
        token = IDENTITY.get_open_id_token(IdentityId=guest, Logins=logins)["Token"]
        invoke(from_sts(STS.assume_role_with_web_identity(
            RoleArn=ENV["SIGNED_IN_ROLE"], RoleSessionName="signed-in", WebIdentityToken=token)))
        # Without the login the identity is refused, and GetId with it finds it again.
        with self.assertRaises(Exception) as raised:
            IDENTITY.get_credentials_for_identity(IdentityId=guest)
        self.assertEqual(error_code(raised), "NotAuthorizedException")
        self.assertEqual(IDENTITY.get_id(IdentityPoolId=ENV["IDENTITY_POOL_ID"], Logins=logins)["IdentityId"], guest)
        # Another device's guest identity signing in as the same user: merged, the id changes.
        other = IDENTITY.get_id(IdentityPoolId=ENV["IDENTITY_POOL_ID"])["IdentityId"]
        merged = IDENTITY.get_credentials_for_identity(IdentityId=other, Logins=logins)
        self.assertEqual(merged["IdentityId"], guest)
        self.assertNotEqual(other, guest)
        # A token of another pool or a forged one is no login.
        with self.assertRaises(Exception) as raised:
            IDENTITY.get_id(IdentityPoolId=ENV["IDENTITY_POOL_ID"],
                            Logins={"accounts.google.com": logins[ENV["PROVIDER"]]})
        self.assertEqual(error_code(raised), "NotAuthorizedException")
        with self.assertRaises(Exception) as raised:
            IDENTITY.get_id(IdentityPoolId=ENV["IDENTITY_POOL_ID"],
                            Logins={ENV["PROVIDER"]: logins[ENV["PROVIDER"]][:-4] + "AAAA"})
        self.assertEqual(error_code(raised), "NotAuthorizedException")

    def test_5_the_front_door_refuses_what_aws_refuses(self):
        guest = IDENTITY.get_id(IdentityPoolId=ENV["IDENTITY_POOL_ID"])["IdentityId"]
        good = guest_credentials(guest)
        cases = {
            "InvalidSignatureException": dict(good, aws_secret_access_key="wrong" + good["aws_secret_access_key"][5:]),
            "UnrecognizedClientException": dict(good, aws_access_key_id="ASIAUNKNOWN000000000"),
        }
        for code, credentials in cases.items():
            with self.subTest(code), self.assertRaises(Exception) as raised:
                invoke(credentials)
            self.assertEqual(error_code(raised), code)
        # A session id under 33 characters (the SDK would refuse it before sending).
        with self.assertRaises(Exception) as raised:
            invoke(good, session_id="too-short", parameter_validation=False)
        self.assertEqual(error_code(raised), "ValidationException")
        # No signature at all.
        with self.assertRaises(Exception) as raised:
            invoke(None)
        self.assertEqual(error_code(raised), "MissingAuthenticationTokenException")
        # Expired credentials.
        time.sleep(int(ENV["CREDENTIAL_SECONDS"]) + 1)
        with self.assertRaises(Exception) as raised:
            invoke(good)
        self.assertEqual(error_code(raised), "ExpiredTokenException")

    def test_6_an_unknown_pool_or_identity_is_not_found(self):
        with self.assertRaises(Exception) as raised:
            IDENTITY.get_id(IdentityPoolId=REGION + ":00000000-0000-0000-0000-000000000000")
        self.assertEqual(error_code(raised), "ResourceNotFoundException")
        with self.assertRaises(Exception) as raised:
            IDENTITY.get_credentials_for_identity(IdentityId=REGION + ":00000000-0000-0000-0000-000000000000")
        self.assertEqual(error_code(raised), "ResourceNotFoundException")


if __name__ == "__main__":
    unittest.main()
