"""agents/templates"""
