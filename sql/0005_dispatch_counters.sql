-- 0005_dispatch_counters: how many jobs each workspace has ever been given, so dispatch can bound the workspace's
-- unfinished jobs without counting them. Written only under the workspace's dispatch lock, in the transaction that
-- adds the jobs. Forward-only; safe to re-run.
create table if not exists nexus.dispatch_counters (
    workspace_id  bigint primary key,
    dispatched    bigint not null
);
