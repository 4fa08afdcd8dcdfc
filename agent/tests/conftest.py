"""The agent against the real topology on loopback: local-stack's `stack` binary (the Cognito
stand-in, moto's DynamoDB, the functions under `cargo lambda watch`, the local AgentCore Gateway)
and the agent's own server, each on free ports, each stopped after the session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SESSION_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"
GUEST_HEADER = "X-Guest-Authorization"
CAPTURED = ROOT / "target" / "agent" / "captured"
# Codes one source (for the agent: one conversation) may have sent per hour in this suite's stack:
# small, so a test reaches it in a few turns.
PER_SOURCE_BUDGET = 3


@dataclass
class Stack:
    standin: str
    gateway: str
    demo_email: str
    # The refresh function over HTTP, as the guest's page calls it.
    refresh_url: str
    # What the agent needs to run against this stack: its Gateway and the user pool (the stack's
    # own settings, printed with its endpoints).
    agent_env: dict[str, str]

    def latest_code(self, email: str) -> str:
        query = urllib.parse.urlencode({"email": email})
        with urllib.request.urlopen(f"{self.standin}/_inbox?{query}", timeout=10) as r:
            return json.load(r)["messages"][-1]["code"]

    def refresh(self, refresh_token: str) -> dict:
        """What the guest's page does when a turn answered TOKEN_EXPIRED: renew over HTTP."""
        response = httpx.post(self.refresh_url, json={"refresh_token": refresh_token}, timeout=30)
        return response.json()

    def configure(self, settings: dict) -> None:
        request = urllib.request.Request(f"{self.standin}/_config", data=json.dumps(settings).encode(), method="POST")
        urllib.request.urlopen(request, timeout=10).close()


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    # Its stdin stays open while the tests run; closing it stops the stack.
    process = subprocess.Popen(
        [str(ROOT / "scripts/local-bin"), "stack", "--seed-demo",
         "--per-source-budget", str(PER_SOURCE_BUDGET)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    endpoints = None
    for line in process.stdout:
        if line.startswith("{"):
            endpoints = json.loads(line)
            break
    if endpoints is None:
        process.wait(timeout=60)
        pytest.fail(f"the local stack did not start (exit {process.returncode})")
    try:
        yield Stack(
            standin=endpoints["standin"],
            gateway=endpoints["gateway"],
            demo_email=endpoints["demo"]["email"],
            refresh_url=endpoints["refresh_url"],
            agent_env=endpoints["agent_env"],
        )
    finally:
        process.stdin.close()
        process.wait(timeout=60)


@dataclass
class Agent:
    url: str
    log: Path
    model_record: Path

    def say(self, session: str, text: str, token: str | None = None) -> list[dict]:
        """One turn: the UI message chunks the agent streamed."""
        headers = {SESSION_HEADER: session}
        if token:
            headers[GUEST_HEADER] = f"Bearer {token}"
        return self.post({"prompt": text}, headers)

    # The raw SSE of the last turn, for capture().
    last_stream: str = ""

    def post(self, payload: dict, headers: dict[str, str]) -> list[dict]:
        """The chunks of one answer, checked against the UI message stream protocol: the AI SDK's
        content type, and `data: [DONE]` as the last event and nowhere else."""
        raw = []
        data = []
        with httpx.stream("POST", f"{self.url}/invocations", json=payload, headers=headers, timeout=120) as response:
            assert response.status_code == 200, response.read()
            assert response.headers["content-type"] == "text/event-stream"
            assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
            for line in response.iter_lines():
                raw.append(line)
                if line.startswith("data: "):
                    data.append(line[6:])
        assert data and data[-1] == "[DONE]", data[-3:]
        chunks = [json.loads(d) for d in data[:-1]]
        self.last_stream = "\n".join(raw) + "\n"
        return chunks

    def capture(self, name: str) -> None:
        """Keep the last turn's stream as it came (target/agent/captured/<name>.sse): the contract
        package's transport tests feed the real agent's answers to each AI SDK major."""
        CAPTURED.mkdir(parents=True, exist_ok=True)
        (CAPTURED / f"{name}.sse").write_text(self.last_stream, encoding="utf-8")


def start_agent(stack: Stack, workdir: Path, name: str, **env: str) -> Iterator[Agent]:
    log = workdir / f"{name}.log"
    record = workdir / f"{name}.model.jsonl"
    environment = {
        **os.environ,
        **stack.agent_env,
        "AGENT_PORT": "0",
        "AGENT_MODEL": "scripted",
        "SCRIPTED_MODEL_RECORD": str(record),
        **env,
    }
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, "-u", "-m", "booking_agent"],
            cwd=ROOT / "agent",
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            url = None
            while url is None and time.monotonic() < deadline and process.poll() is None:
                for line in log.read_text(encoding="utf-8").splitlines():
                    if line.startswith("agent listening on "):
                        url = line.removeprefix("agent listening on ").strip()
                time.sleep(0.1)
            assert url, f"the agent did not start:\n{log.read_text(encoding='utf-8')}"
            yield Agent(url=url, log=log, model_record=record)
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(scope="session")
def agent(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    yield from start_agent(stack, tmp_path_factory.mktemp("agent"), "agent", AGENT_CORS_ORIGINS="http://127.0.0.1:5173")


@pytest.fixture(scope="session")
def unbound_agent(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    """The negative control of the binding tests: the same agent trusting the session id alone."""
    yield from start_agent(stack, tmp_path_factory.mktemp("unbound"), "unbound", AGENT_BIND_SESSIONS="false")


@pytest.fixture(scope="session")
def careless_agent(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    """The negative control: the same agent with its token guard switched off."""
    yield from start_agent(stack, tmp_path_factory.mktemp("careless"), "careless", AGENT_KEEP_TOKENS_FROM_MODEL="false")
