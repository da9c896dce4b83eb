"""Decision worker that asks an LLM behind an OpenAI-compatible endpoint for each action."""
