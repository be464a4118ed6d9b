"""agents/workflow"""
