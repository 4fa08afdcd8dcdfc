"""The booking assistant: a Strands agent in AgentCore Runtime's contract whose tools are the
booking-auth functions behind AgentCore Gateway, with the guest's tokens kept out of the model."""
