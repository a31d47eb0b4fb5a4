"""Warmline: a platform-neutral peer-support core.

Nothing in this package may import a chat platform library; adapters live in ``adapters/``.
"""

__version__ = "0.1.0"
