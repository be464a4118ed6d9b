"""agents/paper"""
