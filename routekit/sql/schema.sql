-- The client database: canonical tables every source format stages into, the rejects, and the file manifest.
-- Semantics (shared/DESIGN.md): input_tokens is the TOTAL input including cache reads and writes;
-- cached_input_tokens (cache reads) and cache_write_tokens are subsets. Money is USD DECIMAL. Timestamps are UTC.

CREATE TABLE IF NOT EXISTS calls (
    request_id          VARCHAR,
    ts                  TIMESTAMP,        -- request start, UTC
    provider            VARCHAR,          -- openai, anthropic, aws.bedrock, openrouter, ...
    model               VARCHAR,          -- the model that served the call (response model where known)
    model_requested     VARCHAR,          -- as the caller named it (alias, inference profile, ARN)
    feature             VARCHAR,          -- the client's own name for the workflow, where the source carries one
    project             VARCHAR,          -- project / workspace / team / service
    api_key             VARCHAR,          -- key id or alias, never the secret
    user_id             VARCHAR,
    tags                VARCHAR[],
    status              VARCHAR,          -- success | error
    error               VARCHAR,
    requests            BIGINT,           -- always 1 for a call-log row
    input_tokens        BIGINT,
    cached_input_tokens BIGINT,
    cache_write_tokens  BIGINT,
    output_tokens       BIGINT,
    reasoning_tokens    BIGINT,           -- subset of output_tokens
    reported_cost_usd   DECIMAL(38, 12),  -- cost the source itself computed (LiteLLM spend, OpenRouter cost), if any
    latency_ms          DOUBLE,
    is_batch            BOOLEAN,
    service_tier        VARCHAR,
    operation           VARCHAR,          -- chat, embeddings, InvokeModel, ...
    system_prompt       VARCHAR,          -- client secret: never printed in reports or logs
    user_prompt         VARCHAR,          -- the last user message; client secret
    n_messages          INTEGER,
    has_tools           BOOLEAN,
    json_mode           BOOLEAN,
    attributes          JSON,             -- source-specific extras kept for attribution (tags, metadata)
    _format             VARCHAR NOT NULL,
    _source_file        VARCHAR NOT NULL,
    _source_row         VARCHAR NOT NULL
);

-- The extended-thinking budget the request gave Claude (`thinking: {"type": "enabled", "budget_tokens": N}`), 0 for adaptive
-- thinking (Claude sets its own), NULL for none or where the export keeps no request. Anthropic counts thinking inside
-- the output tokens, so this is how a Claude call that reasons is recognised (routekit/output_limits.py). Added after
-- the table first shipped, hence the ALTER.
ALTER TABLE calls ADD COLUMN IF NOT EXISTS thinking_budget_tokens BIGINT;

-- Audio tokens (voice and realtime models bill them at several times the text price: gpt-realtime 32 $/Mtok of audio
-- input against 4 of text), each a subset like cached_input_tokens, NULL where the export does not count them:
--   input_audio_tokens   uncached audio input, a part of input_tokens apart from cached_input_tokens and
--                        cache_write_tokens (OpenAI's Usage API input_audio_tokens, "uncached audio input tokens";
--                        LiteLLM's and Helicone's cost code likewise price prompt audio_tokens beside the cache reads)
--   cached_audio_tokens  audio cache reads, a part of cached_input_tokens (priced at the model's audio cache-read
--                        price); NULL where an export does not split its cache reads by modality: int_priced.sql then
--                        splits them by the row's uncached audio share
--   output_audio_tokens  audio output, a part of output_tokens
-- Added after the tables first shipped, hence the ALTERs (the usage table's below it).
ALTER TABLE calls ADD COLUMN IF NOT EXISTS input_audio_tokens BIGINT;
ALTER TABLE calls ADD COLUMN IF NOT EXISTS cached_audio_tokens BIGINT;
ALTER TABLE calls ADD COLUMN IF NOT EXISTS output_audio_tokens BIGINT;

CREATE TABLE IF NOT EXISTS usage (
    period_start        TIMESTAMP,
    period_end          TIMESTAMP,
    provider            VARCHAR,
    model               VARCHAR,
    project             VARCHAR,          -- project / workspace
    api_key             VARCHAR,          -- key id or name
    user_id             VARCHAR,
    service_tier        VARCHAR,
    is_batch            BOOLEAN,
    requests            BIGINT,           -- NULL where the export does not count requests (Anthropic console CSV)
    input_tokens        BIGINT,
    cached_input_tokens BIGINT,
    cache_write_tokens  BIGINT,
    output_tokens       BIGINT,
    attributes          JSON,
    _format             VARCHAR NOT NULL,
    _source_file        VARCHAR NOT NULL,
    _source_row         VARCHAR NOT NULL
);

-- The audio subsets of the usage rows, as for calls above.
ALTER TABLE usage ADD COLUMN IF NOT EXISTS input_audio_tokens BIGINT;
ALTER TABLE usage ADD COLUMN IF NOT EXISTS cached_audio_tokens BIGINT;
ALTER TABLE usage ADD COLUMN IF NOT EXISTS output_audio_tokens BIGINT;

-- Billed lines, named after FinOps FOCUS columns where one fits.
CREATE TABLE IF NOT EXISTS invoice (
    charge_period_start TIMESTAMP,
    charge_period_end   TIMESTAMP,
    provider            VARCHAR,
    model               VARCHAR,
    charge_description  VARCHAR,          -- the source's own line-item text
    token_type          VARCHAR,          -- input | cached_input | cache_write | output | web_search | other
    service_tier        VARCHAR,
    project             VARCHAR,
    api_key             VARCHAR,
    consumed_quantity   DOUBLE,
    consumed_unit       VARCHAR,
    billed_cost         DECIMAL(38, 12),  -- in billing_currency
    billing_currency    VARCHAR,
    billed_usd          DECIMAL(38, 12),  -- NULL when the currency has no rate in routekit.yaml
    list_cost_usd       DECIMAL(38, 12),
    attributes          JSON,
    _format             VARCHAR NOT NULL,
    _source_file        VARCHAR NOT NULL,
    _source_row         VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS rejects (
    _source_file VARCHAR NOT NULL,
    _format      VARCHAR,
    _source_row  VARCHAR,                 -- "row 12" (CSV data row, header excluded), "line 7" or "line 3 $.data[0].results[2]"
    reason       VARCHAR NOT NULL
);
-- For a call set aside as already loaded from another file: its request id, so that ingest can see when that file
-- no longer holds it (and load this file again). Added after the table first shipped, hence the ALTER.
ALTER TABLE rejects ADD COLUMN IF NOT EXISTS repeated_request_id VARCHAR;

CREATE TABLE IF NOT EXISTS ingested_files (
    path           VARCHAR PRIMARY KEY,   -- relative to the client folder
    sha256         VARCHAR,
    size_bytes     BIGINT,
    format         VARCHAR,
    target         VARCHAR,
    rows_read      BIGINT,
    rows_loaded    BIGINT,
    rows_rejected  BIGINT,
    skipped_reason VARCHAR,
    note           VARCHAR,             -- e.g. spans deliberately not loaded (tool and agent spans)
    loaded_at      TIMESTAMP
);
-- The file's modification time (ns) when it was hashed, NULL when too recent to vouch for it: a file with the same size
-- and modification time since is taken as unchanged without reading it again (ingest.ingest_file). Added after the
-- table first shipped, hence the ALTER for databases made before.
ALTER TABLE ingested_files ADD COLUMN IF NOT EXISTS mtime_ns BIGINT;
-- The fingerprint of the loader that read the file (SourceFormat.loader_fingerprint): a file read by other loader code
-- is read again, so a loader fix reaches databases built before it. NULL in databases made before it was recorded.
ALTER TABLE ingested_files ADD COLUMN IF NOT EXISTS loader VARCHAR;

-- The files the last ingest could not load (status failed: a damaged JSON document, an unreadable CSV), with the
-- reason; a failed file's earlier version, if any, stays in ingested_files. Rewritten by every ingest, so the audit
-- can say which exports are missing from its figures.
CREATE TABLE IF NOT EXISTS ingest_failures (
    path           VARCHAR PRIMARY KEY,
    reason         VARCHAR
);

-- What the classifier and the build last ran on (db.stored_fingerprint): a step whose fingerprint is unchanged keeps its
-- tables. Empty while a step is being redone, so one cut short is redone in full.
CREATE TABLE IF NOT EXISTS classify_state (fingerprint VARCHAR, classified_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS build_state (fingerprint VARCHAR, built_at TIMESTAMP);

-- USD per unit of each billing currency, from routekit.yaml `currency_rates` (refreshed at every ingest).
CREATE TABLE IF NOT EXISTS currency_rates (code VARCHAR PRIMARY KEY, usd_per_unit DOUBLE);
INSERT OR IGNORE INTO currency_rates VALUES ('USD', 1.0);

-- Task types per call, written by the classifier (issue: classify traffic); empty until it runs.
CREATE TABLE IF NOT EXISTS call_task_types (
    _source_file VARCHAR, _source_row VARCHAR, _key UBIGINT, task_type VARCHAR, reason VARCHAR, confidence DOUBLE
);
