"""agents/config"""
