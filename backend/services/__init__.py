"""Services: plain arguments in (including who acts), plain data out, domain errors raised.

They only flush; the entry point that called them commits.
"""
