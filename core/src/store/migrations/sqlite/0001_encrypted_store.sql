-- The encrypted store: data keys wrapped under the master key, secrets, and the token cache.
-- Times are milliseconds since the Unix epoch (INTEGER here, BIGINT on PostgreSQL).
-- Ids are TEXT chosen by the application, so no backend-specific auto-increment is needed.

CREATE TABLE data_keys (
    id          TEXT    NOT NULL PRIMARY KEY,
    -- nonce (24 bytes) || XChaCha20-Poly1305 ciphertext of the 32-byte key under the master key
    wrapped_key BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    -- set when a newer key replaces this one; the row is deleted once no record uses it
    retired_at  INTEGER
);

-- At most one key is active (not retired): new records are always sealed under it.
CREATE UNIQUE INDEX data_keys_single_active ON data_keys ((retired_at IS NULL))
    WHERE retired_at IS NULL;

CREATE TABLE secrets (
    name       TEXT    NOT NULL PRIMARY KEY,
    key_id     TEXT    NOT NULL REFERENCES data_keys (id),
    nonce      BLOB    NOT NULL,
    ciphertext BLOB    NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE INDEX secrets_key_id ON secrets (key_id);

CREATE TABLE token_cache (
    credential TEXT    NOT NULL PRIMARY KEY,
    key_id     TEXT    NOT NULL REFERENCES data_keys (id),
    nonce      BLOB    NOT NULL,
    ciphertext BLOB    NOT NULL,
    expires_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE INDEX token_cache_key_id ON token_cache (key_id);
