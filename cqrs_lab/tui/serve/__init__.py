"""Serving the lab screen to web browsers: one lab per visitor, behind a token.

`server` is the web server, `visitor` one visitor's screen, `starter` and `warm` the warm
process every visitor's lab is forked from.
"""
