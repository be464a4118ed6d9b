"""agents/llm/offline"""
