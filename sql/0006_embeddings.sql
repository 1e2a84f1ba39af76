-- 0006_embeddings: sentence embeddings, computed once per text and model and kept here, so no pipeline or handler
-- runs the model twice for the same words. Keyed by content (sha256 of the UTF-8 text), so an insight, a review and a
-- return reason with the same words share one vector, and a changed text simply has another key. Keyed by model too:
-- switching models (or to a hosted endpoint) computes new vectors instead of mixing two spaces.
-- Forward-only; safe to re-run.
create table if not exists nexus.embeddings (
    model        text        not null,   -- e.g. sentence-transformers/all-MiniLM-L6-v2
    text_sha256  bytea       not null,
    dimensions   int         not null,
    vector       bytea       not null,   -- dimensions x little-endian float32, unit length
    created_at   timestamptz not null default now(),
    primary key (model, text_sha256)
);
