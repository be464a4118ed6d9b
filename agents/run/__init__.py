"""agents/run"""
