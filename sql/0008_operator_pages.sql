-- 0008_operator_pages: the dashboard's operator pages ask "what ended in the last 24 hours" across every workspace,
-- and every index of ai_jobs starts with workspace_id (the API always knows it), so without this one the Workspaces
-- and AI job failures pages read all the rows. The bench's "dashboard" scenario times every page with and without it
-- at 1,000,000 jobs: Workspaces 1,192 -> 187 ms, AI job failures 1,492 -> 207 ms (p50). Partial (live jobs have no
-- completed_at) and covering workspace and outcome, so the Workspaces page's 24-hour counts read the index only.
-- The other pages need nothing new: unfinished jobs come through ai_jobs_live, batch jobs through ai_jobs_batch, and
-- ai_batches (one row per batch) read whole took no longer than through a created_at index in the same benchmark.
-- Forward-only; safe to re-run.
create index if not exists ai_jobs_ended on nexus.ai_jobs (completed_at) include (workspace_id, outcome) where outcome is not null;
