-- core 0003 (0004 before streams): a delivery gains the 'sending' state, so a scheduler can claim occurrences in batches.
-- 'claimed' now means queued, not started (safe to run after a crash); 'sending' means its runner
-- started (after a crash: 'unknown', never resent). SQLite cannot alter a CHECK constraint, so
-- the table is rebuilt (same columns, key and foreign key).
--
-- A row left 'claimed' by the previous version may already have been sent (then 'claimed' meant
-- in flight), so it becomes 'sending': recovery marks it unknown instead of resending it.

CREATE TABLE deliveries_v4 (
    job_id     INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    occurrence TEXT NOT NULL,
    status     TEXT NOT NULL
               CHECK (status IN ('claimed', 'sending', 'sent', 'skipped', 'failed', 'unknown')),
    reason     TEXT,
    claimed_at TEXT NOT NULL,
    done_at    TEXT,
    PRIMARY KEY (job_id, occurrence)
) WITHOUT ROWID;

INSERT INTO deliveries_v4 (job_id, occurrence, status, reason, claimed_at, done_at)
    SELECT job_id, occurrence, CASE status WHEN 'claimed' THEN 'sending' ELSE status END,
           reason, claimed_at, done_at
    FROM deliveries;

DROP TABLE deliveries;
ALTER TABLE deliveries_v4 RENAME TO deliveries;

-- Queued occurrences, oldest first (Scheduler.run_due runs crash leftovers before new claims).
CREATE INDEX deliveries_claimed ON deliveries (occurrence, job_id) WHERE status = 'claimed';
-- Started, not finished: what recovery looks for at startup.
CREATE INDEX deliveries_sending ON deliveries (job_id) WHERE status = 'sending';
