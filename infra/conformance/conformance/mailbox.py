"""Where the probes read the one-time codes Cognito emails: the stand-in's inbox (local), an S3
prefix an SES receipt rule writes to, or the operator typing the code in."""

from __future__ import annotations

import email
import email.policy
import json
import re
import time
import urllib.parse
import urllib.request
from typing import Protocol

# Cognito's EMAIL_OTP codes are digits (eight by default); the first such run in the message.
CODE = re.compile(r"\b(\d{6,8})\b")


class Mailbox(Protocol):
    def mark(self, address: str) -> object:
        """A point in the mailbox: `code` returns only a code that arrived after it."""

    def code(self, address: str, after: object) -> str: ...


class StandInInbox:
    """The Cognito stand-in's `/_inbox`: every code it "emailed", in order."""

    def __init__(self, standin_url: str):
        self.url = standin_url.rstrip("/") + "/_inbox?email="

    def _messages(self, address: str) -> list[dict]:
        with urllib.request.urlopen(self.url + urllib.parse.quote(address), timeout=10) as reply:
            return json.load(reply)["messages"]

    def mark(self, address: str) -> object:
        return len(self._messages(address))

    def code(self, address: str, after: object) -> str:
        messages = self._messages(address)[int(after):]  # type: ignore[call-overload]
        codes = [m["code"] for m in messages if m.get("code")]
        if not codes:
            raise TimeoutError(f"no code arrived for {redact(address)}")
        return codes[-1]


class Prompt:
    """The operator reads the email and types the code."""

    def mark(self, address: str) -> object:
        return None

    def code(self, address: str, after: object) -> str:
        typed = input(f"  the code just emailed to {redact(address)}: ").strip()
        if not CODE.fullmatch(typed):
            raise ValueError("a code is six to eight digits")
        return typed


class S3Mailbox:
    """An SES receipt rule that stores incoming mail under `s3://bucket/prefix`
    (https://docs.aws.amazon.com/ses/latest/dg/receiving-email-action-s3.html): the newest message
    to the address after the mark."""

    def __init__(self, s3, uri: str, wait_seconds: float = 90):
        parsed = urllib.parse.urlparse(uri)
        self.s3, self.bucket, self.prefix = s3, parsed.netloc, parsed.path.lstrip("/")
        self.wait_seconds = wait_seconds

    def _keys(self) -> list[dict]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        return [o for page in pages for o in page.get("Contents", [])]

    def mark(self, address: str) -> object:
        # The messages already there, by key: no clock (ours or S3's) decides what is new.
        return {o["Key"] for o in self._keys()}

    def code(self, address: str, after: object) -> str:
        seen = after if isinstance(after, set) else set()
        deadline = time.time() + self.wait_seconds
        while time.time() < deadline:
            new = sorted((o for o in self._keys() if o["Key"] not in seen),
                         key=lambda o: o["LastModified"], reverse=True)
            for obj in new:
                raw = self.s3.get_object(Bucket=self.bucket, Key=obj["Key"])["Body"].read()
                message = email.message_from_bytes(raw, policy=email.policy.default)
                if address.lower() not in str(message.get("To", "")).lower():
                    continue
                body = message.get_body(preferencelist=("plain", "html"))
                found = CODE.search(body.get_content() if body else "")
                if found:
                    return found.group(1)
            time.sleep(min(3, self.wait_seconds))
        raise TimeoutError(f"no code for {redact(address)} under s3://{self.bucket}/{self.prefix}")


def redact(address: str) -> str:
    """Never a full address in output: the first letter and the domain."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"
