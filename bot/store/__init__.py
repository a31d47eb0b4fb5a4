"""Persistence: the :class:`bot.store.db.Db` seam, the core tables and their migrations.

``db.py`` is the seam (transactions, statements, the time codec); ``sqlite_db.py`` is SQLite behind
it, ``postgres_db.py`` PostgreSQL (its dialect differences in ``postgres_sql.py``). ``repos.py``
and ``jobs.py`` are the core repositories, written once over the seam; ``store.py`` puts them
together as :class:`bot.store.base.Store`. This package names no feature: features keep their
repositories and migrations in their own folders.
Opening a store is ``await open_store(url)``.
"""
