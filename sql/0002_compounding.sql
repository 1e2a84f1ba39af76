-- 0002_compounding: insights, compounding runs, and what the pipelines produce (patterns, playbook rules,
-- metrics snapshots). Forward-only; every statement is safe to re-run.

-- What the workspace knows. Re-ingesting the same fact (same fingerprint) reinforces the row instead of adding one.
create table if not exists nexus.insights (
    id                  uuid             primary key,   -- UUIDv7: sorts by creation
    workspace_id        bigint           not null,
    content             text             not null,
    type                text             not null,
    entities            jsonb            not null default '[]',  -- [{id, name, type}]
    confidence          double precision not null check (confidence >= 0 and confidence <= 1),
    -- confidence at the last reinforcement: decay is computed from it, so a sweep is deterministic
    base_confidence     double precision not null check (base_confidence >= 0 and base_confidence <= 1),
    reinforcement_count int              not null default 1,
    created_at          timestamptz      not null,
    last_reinforced_at  timestamptz      not null,
    status              text             not null default 'active' check (status in ('active', 'merged', 'stale')),
    merged_into         uuid             references nexus.insights (id),
    fingerprint         bytea            not null      -- sha256 of normalised content and sorted entity ids
);
create index if not exists insights_workspace_created on nexus.insights (workspace_id, created_at desc, id desc);
create index if not exists insights_workspace_status on nexus.insights (workspace_id, status);
create index if not exists insights_workspace_fingerprint on nexus.insights (workspace_id, fingerprint);

-- One row per compounding run, on demand ('api') or from the cron schedule ('schedule'). Written in the same
-- transaction as its Hangfire job; counts are written in the same transaction as the pipeline's changes.
create table if not exists nexus.compounding_runs (
    id                  uuid        primary key,
    workspace_id        bigint      not null,
    job_type            text        not null,
    dry_run             boolean     not null,
    trigger             text        not null check (trigger in ('api', 'schedule')),
    hangfire_job_id     bigint      not null,
    created_at          timestamptz not null,          -- the contract's started_at: when the run entered the system
    outcome             text        check (outcome in ('completed', 'failed', 'cancelled')),
    executed_at         timestamptz,                   -- when a worker began the run that completed it
    completed_at        timestamptz,
    duration_ms         bigint,
    insights_scanned    int,
    insights_affected   int,
    candidates_created  int,
    errors              int,
    error_details       jsonb                          -- {code, message, exception_type, attempt}
);
create index if not exists compounding_runs_workspace_created on nexus.compounding_runs (workspace_id, created_at desc, id desc);
create index if not exists compounding_runs_live on nexus.compounding_runs (workspace_id, job_type) where outcome is null;
create index if not exists compounding_runs_hangfire on nexus.compounding_runs (hangfire_job_id);

-- Recurring themes found by pattern_detection; re-runs update them, never duplicate them.
create table if not exists nexus.patterns (
    id                   uuid        primary key,
    workspace_id         bigint      not null,
    theme                text        not null,
    support              int         not null,
    distinct_entities    int         not null,
    entity_type          text,
    example_insight_ids  uuid[]      not null,
    supporting_insight_ids uuid[]    not null,          -- what playbook synthesis reads the advice from
    first_seen           timestamptz not null,
    last_seen            timestamptz not null,
    status               text        not null check (status in ('active', 'inactive')),
    created_at           timestamptz not null,
    updated_at           timestamptz not null,
    unique (workspace_id, theme)
);

-- If/then rules from patterns; a rule whose pattern vanished is retired, not deleted.
create table if not exists nexus.playbook_rules (
    id           uuid             primary key,
    workspace_id bigint           not null,
    pattern_id   uuid             not null unique references nexus.patterns (id),
    condition    text             not null,
    action       text             not null,
    confidence   double precision not null,
    support      int              not null,
    agreement    double precision not null,
    status       text             not null check (status in ('active', 'retired')),
    created_at   timestamptz      not null,
    updated_at   timestamptz      not null
);
create index if not exists playbook_rules_workspace on nexus.playbook_rules (workspace_id, status);

-- What the metrics pipeline saw; one row per run (the run id), so a run executed twice writes one snapshot.
create table if not exists nexus.metrics_snapshots (
    run_id       uuid        primary key,
    workspace_id bigint      not null,
    taken_at     timestamptz not null,
    metrics      jsonb       not null
);
create index if not exists metrics_snapshots_workspace on nexus.metrics_snapshots (workspace_id, taken_at desc);
