"""`scripts/conformance`: settle, on a deployed stack or the local one, each Cognito and AgentCore
behaviour the product relies on that AWS does not document (README: "Where AWS is silent").

Every probe prints what it observed, whether that is what the product assumes, and whether the
product behaves acceptably in the observed case. Probes talk to the services with AWS's own
clients (boto3, botocore's SigV4 signer, the official MCP SDK), never through our functions'
code, so what they see is the service's answer.
"""
