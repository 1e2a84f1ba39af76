-- 0003_catalog: the commerce data the built-in AI job handlers work on, and what they write back.
-- Forward-only; every statement is safe to re-run.

create table if not exists nexus.products (
    workspace_id  bigint        not null,
    sku           text          not null,
    marketplace   text          not null,
    title         text          not null,
    description   text,
    bullet_points text[]        not null default '{}',
    brand         text,
    category      text,
    price         numeric(12,2) not null check (price >= 0),
    cost          numeric(12,2) check (cost >= 0),
    currency      text          not null,
    updated_at    timestamptz   not null,
    primary key (workspace_id, sku, marketplace)
);

create table if not exists nexus.daily_sales (
    workspace_id bigint        not null,
    sku          text          not null,
    date         date          not null,
    units        int           not null check (units >= 0),
    price        numeric(12,2) not null check (price >= 0),
    primary key (workspace_id, sku, date)
);

create table if not exists nexus.competitor_offers (
    workspace_id bigint        not null,
    sku          text          not null,
    competitor   text          not null,
    price        numeric(12,2) not null check (price >= 0),
    observed_at  timestamptz   not null,
    title        text,
    primary key (workspace_id, sku, competitor, observed_at)
);

create table if not exists nexus.reviews (
    workspace_id    bigint           not null,
    review_id       text             not null,
    sku             text             not null,
    rating          int              not null check (rating between 1 and 5),
    text            text             not null,
    created_at      timestamptz      not null,
    -- written by review_sentiment, so the next run reads only reviews without a score
    sentiment_score double precision,
    sentiment_label text,
    scored_at       timestamptz,
    primary key (workspace_id, review_id)
);
create index if not exists reviews_unscored on nexus.reviews (workspace_id, sku) where scored_at is null;

create table if not exists nexus.returns (
    workspace_id        bigint           not null,
    sku                 text             not null,
    order_ref           text             not null,
    reason              text             not null,
    units               int              not null check (units > 0),
    created_at          timestamptz      not null,
    category            text,            -- written by return_classify
    category_confidence double precision,
    primary key (workspace_id, order_ref, sku)
);
create index if not exists returns_sku_created on nexus.returns (workspace_id, sku, created_at);

-- Every price change made by pricing_recalculate with apply: true.
create table if not exists nexus.price_history (
    workspace_id bigint        not null,
    sku          text          not null,
    marketplace  text          not null,
    job_id       text          not null,
    old_price    numeric(12,2) not null,
    new_price    numeric(12,2) not null,
    changed_at   timestamptz   not null,
    primary key (workspace_id, sku, marketplace, job_id)  -- one change per job: a job run twice changes once
);

-- Every listing replaced by listing_optimize with apply: true.
create table if not exists nexus.listing_history (
    workspace_id bigint      not null,
    sku          text        not null,
    marketplace  text        not null,
    job_id       text        not null,
    old_listing  jsonb       not null,
    new_listing  jsonb       not null,
    changed_at   timestamptz not null,
    primary key (workspace_id, sku, marketplace, job_id)
);
