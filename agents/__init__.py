"""aisci: an AI scientist built as a LangGraph workflow of cooperating agents."""

__version__ = "0.1.0"
