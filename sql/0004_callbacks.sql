-- 0004_callbacks: push. An optional callback URL on jobs, batches and compounding runs; a signing secret per
-- workspace; one delivery per terminal event and every attempt at it. Forward-only; every statement is safe to re-run.

-- Where to POST the terminal state. Null (the common case) means no callback: the outcome writes insert nothing then.
alter table nexus.ai_jobs add column if not exists callback_url text;
alter table nexus.ai_batches add column if not exists callback_url text;
-- True from dispatch until the batch's own delivery exists; the outbox sweeper looks only at these rows.
alter table nexus.ai_batches add column if not exists callback_pending boolean not null default false;
alter table nexus.compounding_runs add column if not exists callback_url text;
create index if not exists ai_batches_callback_pending on nexus.ai_batches (created_at) where callback_pending;

-- The HMAC-SHA256 key callbacks are signed with. Kept retrievable (the platform must sign with it), shown to the
-- client only when created or rotated, never logged.
create table if not exists nexus.callback_secrets (
    workspace_id  bigint      primary key,
    secret        text        not null,
    created_at    timestamptz not null
);

-- One row per terminal event of a subject with a callback URL: the outbox. Inserted by the same statement that writes
-- the terminal outcome, so neither exists without the other. hangfire_job_id is set when the delivery job is created.
create table if not exists nexus.callback_deliveries (
    id               uuid        primary key,           -- the delivery id receivers dedupe on (X-Nexus-Delivery)
    workspace_id     bigint      not null,
    subject_kind     text        not null check (subject_kind in ('ai_job', 'ai_job_batch', 'compounding_run')),
    subject_id       text        not null,              -- job_..., batch_... or the run's uuid
    event            text        not null,
    url              text        not null,
    occurred_at      timestamptz not null,              -- when the subject reached the terminal state
    created_at       timestamptz not null default now(),
    status           text        not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
    next_attempt_at  timestamptz,
    hangfire_job_id  bigint,
    body             text,                              -- frozen at the first attempt: every attempt sends the same bytes
    -- A subject reaches each terminal event at most once; also the batch's "send once" guard.
    unique (subject_id, event)
);
create index if not exists callback_deliveries_unqueued on nexus.callback_deliveries (created_at) where hangfire_job_id is null;

-- Every attempt at a delivery, in order (the attempt number is the row's rank within its delivery).
create table if not exists nexus.callback_attempts (
    id               bigint      generated always as identity primary key,
    delivery_id      uuid        not null references nexus.callback_deliveries (id),
    attempted_at     timestamptz not null,
    response_status  int,                               -- null when no HTTP answer came (timeout, refused, DNS)
    error            text,                              -- null when delivered
    duration_ms      int         not null
);
create index if not exists callback_attempts_delivery on nexus.callback_attempts (delivery_id, id);
