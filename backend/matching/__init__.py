"""Matching students to posts: the pure engine (engine.py) and, on top, the Django app."""
