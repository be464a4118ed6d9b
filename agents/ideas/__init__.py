"""agents/ideas"""
