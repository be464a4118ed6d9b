"""agents/review"""
