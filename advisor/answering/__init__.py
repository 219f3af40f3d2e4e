"""Answerers (extractive by default, LLMs as options), the scope guard and follow-up condensing."""
