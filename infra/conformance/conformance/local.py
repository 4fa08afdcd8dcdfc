"""The local stack for `--local`: local-stack's `stack` binary (the Cognito stand-in, moto, the
functions, the local Gateways) and local-runtime's front door, set up as the deployed stack is, or
with every alternative."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path

import boto3
from botocore.credentials import Credentials

from . import probes
from .cognito import Pool
from .gateway import Gateway, SigV4
from .mailbox import StandInInbox

# As both stacks deploy the app client: rotation with a 10 s retry grace (infra/template.yaml).
# The sign-in session is short so that --slow waits seconds, not minutes.
AS_DEPLOYED = {"refresh_rotation": True, "refresh_retry_grace_seconds": 10,
               "session_validity_seconds": 6}
# The local stack runs verify-otp with the default OTP_MAX_ATTEMPTS.
LOCAL_OTP_MAX_ATTEMPTS = 3
# The alternative of every assumption the stand-in can play.
ALTERNATIVES = {"max_code_attempts": 1, "undocumented": {
    "revoke_accepts_dead_token": False, "sign_out_to_the_instant": False,
    "rotation_keeps_origin_jti": False, "code_validity_seconds": 2,
    "email_cap_names_the_daily_limit": False}}


class LocalStack:
    def __init__(self, root: Path, alternatives: bool):
        command = [str(root / "scripts/local-bin"), "stack"]
        if alternatives:
            command.append("--gateway-headers-arrive-empty")
        self.runtime = None
        self.process = subprocess.Popen(command, cwd=root, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        self.endpoints = self.ready(self.process, "the local stack")
        self.alternatives = alternatives
        self.configure(AS_DEPLOYED | (ALTERNATIVES if alternatives else {}))
        env = self.endpoints["agent_env"]
        # The Runtime front door; no agent behind it: the probe only asks what a browser asks first.
        command = [str(root / "scripts/local-bin"), "local-runtime",
                   "--user-pool-url", self.endpoints["standin"], "--user-pool", env["USER_POOL_ID"],
                   "--client-id", env["USER_POOL_CLIENT_ID"], "--agent-url", "http://127.0.0.1:9"]
        if alternatives:
            command.append("--no-runtime-cors")
        self.runtime = subprocess.Popen(command, cwd=root, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, text=True)
        self.front_door = self.ready(self.runtime, "local-runtime")

    def ready(self, process: subprocess.Popen, name: str) -> dict:
        """The JSON line a server prints once it listens; everything is stopped when none comes."""
        line = process.stdout.readline() if process.stdout else ""
        if not line:
            self.stop()
            raise RuntimeError(f"{name} did not start (exit {process.poll()})")
        return json.loads(line)

    def configure(self, patch: dict) -> None:
        request = urllib.request.Request(self.endpoints["standin"] + "/_config", method="POST",
                                         data=json.dumps(patch).encode(),
                                         headers={"content-type": "application/json"})
        urllib.request.urlopen(request, timeout=10).close()

    def spend_email_quota(self):
        self.configure({"daily_email_limit": 0})
        return lambda: self.configure({"daily_email_limit": None})

    def context(self, versions: list[str], header: str, agent_version: str) -> probes.Context:
        env = self.endpoints["agent_env"]
        # The stand-in and the local Gateway take any credentials; these are still signed with.
        auth = SigV4(_Static(Credentials("local", "local")), env["AWS_REGION"])
        idp = boto3.client("cognito-idp", region_name=env["AWS_REGION"],
                           endpoint_url=self.endpoints["standin"],
                           aws_access_key_id="local", aws_secret_access_key="local")
        return probes.Context(
            pool=Pool(idp, env["USER_POOL_ID"], env["USER_POOL_CLIENT_ID"],
                      StandInInbox(self.endpoints["standin"])),
            address="conformance.probe@example.com",
            gateway=Gateway(self.endpoints["gateway"], auth),
            gateway_intercepted=Gateway(self.endpoints["gateway_intercepted"], auth),
            intercepted=False, otp_max_attempts=LOCAL_OTP_MAX_ATTEMPTS, guest_header=header, versions=versions,
            agent_version=agent_version, session_validity_seconds=AS_DEPLOYED["session_validity_seconds"],
            slow=True, spend_email_quota=self.spend_email_quota,
            runtime_url=probes.runtime_invocation_url(self.front_door["endpoint"], self.front_door["runtime_arn"]),
            page_origin="http://127.0.0.1:5173")

    def stop(self) -> None:
        if self.runtime is not None:
            self.runtime.terminate()
            self.runtime.wait(timeout=30)
        # Closing its stdin stops the stack and every process it started.
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()


class _Static:
    """botocore's credential-provider shape for fixed credentials."""

    def __init__(self, credentials: Credentials):
        self.credentials = credentials

    def get_frozen_credentials(self):
        return self.credentials.get_frozen_credentials()
