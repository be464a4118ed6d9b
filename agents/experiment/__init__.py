"""agents/experiment"""
