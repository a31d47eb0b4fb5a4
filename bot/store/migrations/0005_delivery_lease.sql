-- core 0005: a started ('sending') occurrence carries a lease: the instant until which its worker
-- is presumed alive. Several workers share one PostgreSQL database, so a worker starting up must
-- not mark a live peer's send 'unknown'; only a send whose lease has run out is (never resent).
-- On SQLite one process owns the file, and recovery at startup still marks every 'sending' row.
ALTER TABLE deliveries ADD COLUMN lease_until TEXT;
