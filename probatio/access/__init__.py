"""Who may see and do what: the one place where access rules are written.

Every view (and, later, every API endpoint) asks these functions through the gates of each
app's ``selectors.py``; nothing else decides access.
"""
