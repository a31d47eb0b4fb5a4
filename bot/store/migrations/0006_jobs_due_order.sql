-- core 0006: the claim reads due jobs in (next_run, id) order. With an index on next_run alone,
-- PostgreSQL read every job due at the same instant and sorted them by id on each claim (a
-- fan-out of 100,000 members due at 09:00: every claim of 100 read all that were left). This
-- index gives the order directly on both engines (in SQLite the rowid already followed next_run).
CREATE INDEX jobs_due ON jobs (next_run, id) WHERE next_run IS NOT NULL;
DROP INDEX jobs_next_run;
