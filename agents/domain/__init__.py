"""Domain records: what flows through the graph and lands in the run folder (pydantic models).

The lowest layer: it imports nothing else of aisci, and everything else may import it.
"""
