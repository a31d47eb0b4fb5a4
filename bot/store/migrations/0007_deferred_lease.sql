-- core 0007: a held message taken for sending ('sending') carries a lease, as a started job
-- occurrence does (0005): several workers share one PostgreSQL database, so a worker starting up
-- must not mark a live peer's send dropped; only a send whose lease has run out is (never
-- resent). On SQLite one process owns the file, and recovery at startup still takes every row.
ALTER TABLE deferred ADD COLUMN lease_until TEXT;
