"""Persistence behind one small interface (:class:`bot.store.base.Store`).

Features talk to the repositories on ``Store``; only ``bot/store/sqlite*`` (and later
``postgres``) know SQL. Opening a store is ``await open_store(url)``.
"""
