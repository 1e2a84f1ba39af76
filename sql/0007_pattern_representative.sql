-- 0007_pattern_representative: a pattern is a cluster of insights that mean the same thing (no longer a shared word),
-- and it names the insight that says it best: the supporting insight nearest the cluster's centroid. Null on patterns
-- found before this migration until pattern_detection runs again. Forward-only; safe to re-run.
alter table nexus.patterns add column if not exists representative_insight_id uuid;
