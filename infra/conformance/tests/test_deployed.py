"""The deployed-stack half of scripts/conformance without an account: what it reads from the
stack (botocore's Stubber, which checks each call against AWS's service models) and the S3
mailbox (boto3 against moto's S3)."""

import argparse
import datetime
import unittest
from email.message import EmailMessage

import boto3
from botocore.stub import Stubber
from moto import mock_aws

from conformance import __main__ as cli
from conformance.mailbox import S3Mailbox, redact

POOL, CLIENT = "eu-west-1_AbCdEf123", "1example23456789abcdefghij"
VERIFY_OTP = "arn:aws:lambda:eu-west-1:123456789012:function:BookingAuth-VerifyOtp"


class Session:
    """A boto3 session whose clients are stubbed with AWS's models."""

    def __init__(self):
        self.real = boto3.session.Session(region_name="eu-west-1", aws_access_key_id="k",
                                          aws_secret_access_key="s")
        self.clients, self.stubs = {}, {}

    def client(self, name):
        if name not in self.clients:
            self.clients[name] = self.real.client(name)
            self.stubs[name] = Stubber(self.clients[name])
            self.stubs[name].activate()
        return self.clients[name]

    def get_credentials(self):
        return self.real.get_credentials()

    @property
    def region_name(self):
        return self.real.region_name


def stack(outputs: dict, parameters: dict) -> dict:
    return {"Stacks": [{
        "StackName": "booking-auth", "CreationTime": datetime.datetime(2026, 12, 1),
        "StackStatus": "CREATE_COMPLETE",
        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()]}]}


class DeployedStack(unittest.TestCase):
    def context(self, outputs: dict, parameters: dict, environment: dict, validity: int):
        session = Session()
        session.client("cloudformation")
        session.stubs["cloudformation"].add_response(
            "describe_stacks", stack(outputs, parameters), {"StackName": "booking-auth"})
        session.client("cognito-idp")
        session.stubs["cognito-idp"].add_response(
            "describe_user_pool_client",
            {"UserPoolClient": {"UserPoolId": POOL, "ClientId": CLIENT, "AuthSessionValidity": validity}},
            {"UserPoolId": POOL, "ClientId": CLIENT})
        session.client("lambda")
        session.stubs["lambda"].add_response(
            "get_function_configuration", {"Environment": {"Variables": environment}},
            {"FunctionName": VERIFY_OTP})
        args = argparse.Namespace(stack="booking-auth", region="eu-west-1", email="probe@example.com",
                                  mailbox="prompt", slow=False, agent_version="2026-07-28")
        ctx = cli.deployed(args, *cli.checked_in(), session=session)
        for stub in session.stubs.values():
            stub.assert_no_pending_responses()
        return ctx

    def test_it_reads_the_pool_the_gateway_and_the_settings_from_the_stack(self):
        ctx = self.context(
            {"UserPoolId": POOL, "UserPoolClientId": CLIENT, "VerifyOtpFunctionArn": VERIFY_OTP,
             "GatewayUrl": "https://gw-1.gateway.bedrock-agentcore.eu-west-1.amazonaws.com/mcp"},
            {"GuestTokenInterceptor": "true"}, {"OTP_MAX_ATTEMPTS": "1"}, 5)
        self.assertEqual((ctx.pool.pool_id, ctx.pool.client_id), (POOL, CLIENT))
        self.assertTrue(ctx.gateway and ctx.gateway.url.endswith("/mcp"))
        self.assertTrue(ctx.intercepted)
        self.assertEqual((ctx.otp_max_attempts, ctx.session_validity_seconds), (1, 300))
        self.assertEqual(ctx.guest_header, "X-Guest-Authorization")
        self.assertIn("2026-07-28", ctx.versions)
        # Never spends the day's emails on a real pool.
        self.assertIsNone(ctx.spend_email_quota)

    def test_without_a_gateway_or_settings_it_takes_the_defaults(self):
        ctx = self.context(
            {"UserPoolId": POOL, "UserPoolClientId": CLIENT, "VerifyOtpFunctionArn": VERIFY_OTP},
            {"GuestTokenInterceptor": "false"}, {}, 3)
        self.assertIsNone(ctx.gateway)
        self.assertFalse(ctx.intercepted)
        self.assertEqual((ctx.otp_max_attempts, ctx.session_validity_seconds), (3, 180))
        self.assertIsNone(ctx.runtime_url)

    def test_with_an_agent_runtime_it_asks_the_regions_data_plane_from_the_pages_origin(self):
        arn = "arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/booking_agent-AbCdEf1234"
        ctx = self.context(
            {"UserPoolId": POOL, "UserPoolClientId": CLIENT, "VerifyOtpFunctionArn": VERIFY_OTP, "AgentRuntimeArn": arn},
            {"GuestTokenInterceptor": "false", "CorsAllowedOrigins": "https://chat.example.com,https://other.example.com"},
            {}, 3)
        self.assertEqual(ctx.runtime_url, "https://bedrock-agentcore.eu-west-1.amazonaws.com/runtimes/"
                         "arn%3Aaws%3Abedrock-agentcore%3Aeu-west-1%3A123456789012%3Aruntime%2Fbooking_agent-AbCdEf1234"
                         "/invocations?qualifier=DEFAULT")
        self.assertEqual(ctx.page_origin, "https://chat.example.com")


def email(to: str, body: str) -> bytes:
    message = EmailMessage()
    message["To"], message["From"], message["Subject"] = to, "no-reply@verificationemail.com", "Your code"
    message.set_content(body)
    return message.as_bytes()


@mock_aws
class Mailbox(unittest.TestCase):
    def setUp(self):
        self.s3 = boto3.client("s3", region_name="us-east-1")
        self.s3.create_bucket(Bucket="inbound")

    def test_the_newest_code_to_the_address_after_the_mark(self):
        box = S3Mailbox(self.s3, "s3://inbound/mail/", wait_seconds=5)
        # A code from before the mark is never taken for the new one.
        self.s3.put_object(Bucket="inbound", Key="mail/0", Body=email("probe@example.com", "Your code is 99999999"))
        mark = box.mark("probe@example.com")
        self.s3.put_object(Bucket="inbound", Key="mail/1", Body=email("other@example.com", "Your code is 11111111"))
        self.s3.put_object(Bucket="inbound", Key="mail/2", Body=email("Probe@Example.com", "Your code is 24681357"))
        self.assertEqual(box.code("probe@example.com", mark), "24681357")

    def test_no_code_for_the_address_times_out_naming_it_redacted(self):
        box = S3Mailbox(self.s3, "s3://inbound/mail/", wait_seconds=0.5)
        # The address's code from before the mark, and another address's after it: neither counts.
        self.s3.put_object(Bucket="inbound", Key="mail/1", Body=email("probe@example.com", "Your code is 11111111"))
        mark = box.mark("probe@example.com")
        self.s3.put_object(Bucket="inbound", Key="mail/0", Body=email("other@example.com", "Your code is 22222222"))
        with self.assertRaises(TimeoutError) as raised:
            box.code("probe@example.com", mark)
        self.assertIn("p***@example.com", str(raised.exception))
        self.assertNotIn("probe@", str(raised.exception))

    def test_redact_keeps_only_the_first_letter_and_the_domain(self):
        self.assertEqual(redact("probe@example.com"), "p***@example.com")


if __name__ == "__main__":
    unittest.main()
