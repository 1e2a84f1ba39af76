-- 0001_platform: API keys, AI job records, batches and idempotency keys.
-- Forward-only; every statement is safe to re-run (the runner also records the version).

create schema if not exists nexus;

-- Operator-issued API keys. Only a SHA-256 of the 32-byte random secret is kept: the secret has
-- 256 bits of entropy, so a slow password hash would add latency to every request and no safety.
create table if not exists nexus.api_keys (
    id            text        primary key,            -- key_<ULID>, the public half of the key
    workspace_id  bigint      not null,
    secret_hash   bytea       not null,
    scopes        text[]      not null,
    created_at    timestamptz not null default now(),
    revoked_at    timestamptz
);
create index if not exists api_keys_workspace on nexus.api_keys (workspace_id, created_at);

-- One row per batch; its jobs point back at it with their position.
create table if not exists nexus.ai_batches (
    id            text        primary key,            -- batch_<ULID>
    workspace_id  bigint      not null,
    sequential    boolean     not null,
    job_count     int         not null,
    created_at    timestamptz not null
);

-- The public record of an AI job. Written in the same transaction as the Hangfire job, and
-- given its terminal outcome when the job ends, so the public status outlives Hangfire's expiry.
create table if not exists nexus.ai_jobs (
    id                       text        primary key,  -- job_<ULID>
    workspace_id             bigint      not null,
    type                     text        not null,
    priority                 text        not null check (priority in ('high', 'normal', 'low')),
    params                   json        not null,  -- json, not jsonb: clients get their keys back in their order
    batch_id                 text        references nexus.ai_batches (id),
    batch_position           int,
    hangfire_job_id          bigint      not null,
    created_at               timestamptz not null,
    estimated_completion_at  timestamptz not null,
    -- terminal outcome: null while the job is live; Hangfire's state says queued or running then
    outcome                  text        check (outcome in ('completed', 'failed', 'cancelled')),
    started_at               timestamptz,
    completed_at             timestamptz,
    result                   json,
    error                    jsonb,                    -- {code, message, retry_count} or the cancel reason
    retry_count              int         not null default 0
);
create index if not exists ai_jobs_workspace_created on nexus.ai_jobs (workspace_id, created_at desc, id desc);
create index if not exists ai_jobs_workspace_type_created on nexus.ai_jobs (workspace_id, type, created_at desc, id desc);
create index if not exists ai_jobs_live on nexus.ai_jobs (workspace_id) where outcome is null;
create index if not exists ai_jobs_hangfire on nexus.ai_jobs (hangfire_job_id);
create index if not exists ai_jobs_batch on nexus.ai_jobs (batch_id, batch_position) where batch_id is not null;
create index if not exists ai_jobs_durations on nexus.ai_jobs (workspace_id, type, completed_at desc) where outcome = 'completed';

-- Idempotency-Key bookkeeping for every POST: the first response is replayed for 24 hours.
create table if not exists nexus.idempotency_keys (
    workspace_id     bigint      not null,
    key              text        not null,
    request_hash     bytea       not null,
    response_status  int,                              -- null while the first request is in flight
    response_body    text,
    created_at       timestamptz not null default now(),
    primary key (workspace_id, key)
);
create index if not exists idempotency_keys_created on nexus.idempotency_keys (created_at);
