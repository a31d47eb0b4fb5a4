"""Helpers the tests import: harnesses, builders, shared constants.

Why not ``conftest.py``: a conftest is pytest's to load (fixtures and hooks), not a module to
import; importing from one runs it twice under two names and ties a test to another folder's
fixtures. Fixtures stay in ``conftest.py`` files and may build on what lives here.
"""
