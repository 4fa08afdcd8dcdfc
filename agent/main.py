"""AgentCore Runtime's entry point for the code package (infra/agentcore/agent-runtime.json):
the runtime runs this file from the package's root, where `booking_agent` is a package beside it,
so the agent's relative imports work as they do under `python -m booking_agent`."""

import sys

from booking_agent.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
