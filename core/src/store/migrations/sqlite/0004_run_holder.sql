-- Which process runs a run (`host:pid`), so a starting daemon marks as interrupted only the
-- runs whose process is gone, not those of another daemon sharing the store.
ALTER TABLE runs ADD COLUMN holder TEXT;
