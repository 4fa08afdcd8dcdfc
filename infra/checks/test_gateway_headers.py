"""Negative controls for gateway_headers.py: each rule refuses what AWS refuses."""

import json
import tempfile
import unittest
from pathlib import Path

import gateway_headers as gh


def template(headers: list) -> dict:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "ReservationsTarget": {
                "Type": "AWS::BedrockAgentCore::GatewayTarget",
                "Properties": {"MetadataConfiguration": {"AllowedRequestHeaders": headers}},
            }
        },
    }


class GatewayHeaderRules(unittest.TestCase):
    def problems(self, headers: list) -> list[str]:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "template.json"
            path.write_text(json.dumps(template(headers)))
            return gh.check(path)

    def test_the_guest_token_header_passes(self):
        self.assertEqual(self.problems(["X-Guest-Authorization"]), [])

    def test_authorization_is_refused_in_any_case(self):
        for name in ["Authorization", "authorization"]:
            [problem] = self.problems([name])
            self.assertIn("restricted", problem)
            self.assertIn("interceptor", problem)

    def test_other_restricted_headers_and_prefixes_are_refused(self):
        for name in ["Cookie", "Host", "Content-Type", "X-Amz-Security-Token", "x-amzn-trace-id"]:
            self.assertEqual(len(self.problems([name])), 1, name)

    def test_names_and_counts_follow_metadata_configuration(self):
        self.assertEqual(len(self.problems(["X Guest"])), 1)
        self.assertEqual(len(self.problems(["x" * 101])), 1)
        self.assertEqual(self.problems([f"X-H{i}" for i in range(10)]), [])
        self.assertEqual(len(self.problems([f"X-H{i}" for i in range(11)])), 1)
        self.assertEqual(len(self.problems(["X-A", "x-a"])), 1)

    def test_a_parameter_reference_is_not_taken_on_trust(self):
        self.assertEqual(len(self.problems([{"Ref": "GuestTokenHeader"}])), 1)

    def test_the_shipped_templates_pass(self):
        self.assertEqual(gh.check(gh.ROOT / "infra/template.yaml"), [])
        self.assertEqual(gh.check(gh.ROOT / "infra/agentcore/gateway-targets.json"), [])


if __name__ == "__main__":
    unittest.main()
