"""`python -m booking_agent`: serve the agent on AGENT_HOST:AGENT_PORT (127.0.0.1:8080 by default;
AgentCore Runtime's container sets 0.0.0.0). Prints `agent listening on http://HOST:PORT` when ready."""

from __future__ import annotations

import logging
import os
import socket
import sys

import uvicorn

from .app import create_app
from .config import ConfigError, Settings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # The frameworks' own debug logs would show tool arguments and results: keep them at warnings.
    for name in ("strands", "mcp", "httpx", "httpx2", "bedrock_agentcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        settings = Settings.from_env()
        port = int(os.environ.get("AGENT_PORT", "8080"))
    except (ConfigError, ValueError) as e:
        print(f"booking_agent: {e}", file=sys.stderr)
        return 2
    host = os.environ.get("AGENT_HOST", "127.0.0.1")
    app = create_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    print(f"agent listening on http://{host}:{sock.getsockname()[1]}", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    server.run(sockets=[sock])
    app.state.conversations.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
