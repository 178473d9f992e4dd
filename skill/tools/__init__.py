"""What testers run: replay, say (the NLU stand-in) and model check."""
