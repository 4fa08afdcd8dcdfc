"""Negative controls for agent_runtime.py: a change AWS or agent-runtime.json would refuse fails."""

import json
import tempfile
import unittest
from pathlib import Path

import agent_runtime as ar

CDK = ar.ROOT / "infra/cdk/cdk.out/BookingAuth.template.json"


def runtime_of(template: dict) -> dict:
    [props] = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::BedrockAgentCore::Runtime"]
    return props


class AgentRuntimeCheck(unittest.TestCase):
    def problems(self, change) -> list[str]:
        template = json.loads(CDK.read_text())
        change(template)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "template.json"
            path.write_text(json.dumps(template))
            return ar.template_problems(path)

    def test_both_templates_pass(self):
        for path in ar.DEFAULTS:
            self.assertEqual(ar.template_problems(path), [], path)

    def test_a_runtime_aws_does_not_offer_is_refused(self):
        def change(t):
            runtime_of(t)["AgentRuntimeArtifact"]["CodeConfiguration"]["Runtime"] = "PYTHON_2_7"
        found = self.problems(change)
        self.assertTrue(any("'PYTHON_2_7' is not one of" in p for p in found), found)
        self.assertTrue(any("agent-runtime.json says" in p for p in found), found)

    def test_an_empty_entry_point_fails_the_service_model(self):
        def change(t):
            runtime_of(t)["AgentRuntimeArtifact"]["CodeConfiguration"]["EntryPoint"] = []
        self.assertTrue(any(p.startswith("CreateAgentRuntime: Invalid length") for p in self.problems(change)))

    def test_reserved_and_jwt_only_headers_are_refused(self):
        self.assertEqual(ar.header_problems(["X-Guest-Authorization"]), [])
        self.assertEqual(ar.header_problems(["X-Amzn-Bedrock-AgentCore-Runtime-Custom-Guest"]), [])
        self.assertEqual(len(ar.header_problems(["X-Amz-Date"])), 1)
        self.assertEqual(len(ar.header_problems(["X-Amzn-Trace-Id"])), 1)
        self.assertEqual(len(ar.header_problems(["Authorization"])), 1)
        self.assertEqual(len(ar.header_problems(["x-guest", "X-Guest"])), 1)
        self.assertEqual(len(ar.header_problems([f"X-H{i}" for i in range(21)])), 1)
        self.assertEqual(len(ar.header_problems([])), 1)

    def test_a_role_attachment_without_roles_fails_the_service_model(self):
        def change(t):
            [attachment] = [r for r in t["Resources"].values() if r["Type"] == "AWS::Cognito::IdentityPoolRoleAttachment"]
            del attachment["Properties"]["IdentityPoolId"]
        self.assertTrue(any("SetIdentityPoolRoles: Missing required parameter" in p for p in self.problems(change)))

    def test_an_identity_pool_flag_of_the_wrong_type_fails_the_service_model(self):
        def change(t):
            [pool] = [r for r in t["Resources"].values() if r["Type"] == "AWS::Cognito::IdentityPool"]
            pool["Properties"]["AllowClassicFlow"] = "yes"
        self.assertTrue(any(p.startswith("CreateIdentityPool: Invalid type") for p in self.problems(change)))


if __name__ == "__main__":
    unittest.main()
