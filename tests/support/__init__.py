"""Helpers that tests in more than one file share: setting up a situation or reading what came of it.

Test modules import from here (or take a fixture from a conftest), never from another test module,
so that a test file can be moved, renamed or run alone without pulling in another file's tests.
"""
