-- Anthropic Admin API usage report pages → usage. Anthropic reports input in parts: the canonical total is
-- uncached + cache reads + 5m cache writes + 1h cache writes (cache_creation nested per the docs and cookbook, or
-- flattened as cache_creation_5m/1h_input_tokens in some OpenAPI copies: both are read). No request count exists,
-- so requests is NULL. workspace_id is null both for the default workspace and when the report was not grouped by
-- workspace: if any row of the file has a workspace_id the file was grouped, and a null is the default workspace
-- ('default'); otherwise the rows span all workspaces and project stays NULL (unattributed, not 'default').
-- Rows come from the shared walk of the API page envelope (sql/raw/api_page_results.sql).
WITH results AS (
    SELECT _source_row, bk,
           json_transform(rec, '{"uncached_input_tokens": "VARCHAR", "cache_read_input_tokens": "VARCHAR",
                                 "cache_creation": {"ephemeral_5m_input_tokens": "VARCHAR",
                                                    "ephemeral_1h_input_tokens": "VARCHAR"},
                                 "cache_creation_5m_input_tokens": "VARCHAR",
                                 "cache_creation_1h_input_tokens": "VARCHAR",
                                 "output_tokens": "VARCHAR", "server_tool_use": {"web_search_requests": "VARCHAR"},
                                 "model": "VARCHAR", "workspace_id": "VARCHAR", "api_key_id": "VARCHAR",
                                 "service_tier": "VARCHAR", "context_window": "VARCHAR", "inference_geo": "VARCHAR",
                                 "speed": "VARCHAR", "account_id": "VARCHAR",
                                 "service_account_id": "VARCHAR"}') AS rec
    FROM page_results
), fields AS (
    SELECT _source_row, bk, rec,
           rec.uncached_input_tokens AS uncached,
           rec.cache_read_input_tokens AS cache_read,
           coalesce(rec.cache_creation.ephemeral_5m_input_tokens, rec.cache_creation_5m_input_tokens) AS write_5m,
           coalesce(rec.cache_creation.ephemeral_1h_input_tokens, rec.cache_creation_1h_input_tokens) AS write_1h,
           rec.output_tokens AS output,
           rec.server_tool_use.web_search_requests AS web_searches,
           rk_text(rec.workspace_id) AS workspace_id,
           bool_or(rk_text(rec.workspace_id) IS NOT NULL) OVER () AS grouped_by_workspace
    FROM results
)
SELECT
    _source_row,
    rk_ts(bk.starting_at) AS period_start,
    rk_ts(bk.ending_at) AS period_end,
    'anthropic' AS provider,
    rk_text(rec.model) AS model,
    CASE WHEN workspace_id IS NOT NULL THEN workspace_id WHEN grouped_by_workspace THEN 'default' END AS project,
    rk_text(rec.api_key_id) AS api_key,
    NULL::VARCHAR AS user_id,
    rk_text(rec.service_tier) AS service_tier,
    lower(rk_text(rec.service_tier)) = 'batch' AS is_batch,
    NULL::BIGINT AS requests,
    rk_int(uncached) + coalesce(rk_int(cache_read), 0) + coalesce(rk_int(write_5m), 0)
        + coalesce(rk_int(write_1h), 0) AS input_tokens,
    coalesce(rk_int(cache_read), 0) AS cached_input_tokens,
    coalesce(rk_int(write_5m), 0) + coalesce(rk_int(write_1h), 0) AS cache_write_tokens,
    rk_int(output) AS output_tokens,
    json_object('cache_write_5m_tokens', rk_int(write_5m), 'cache_write_1h_tokens', rk_int(write_1h),
                'web_search_requests', rk_int(web_searches), 'context_window', rk_text(rec.context_window),
                'inference_geo', rk_text(rec.inference_geo), 'speed', rk_text(rec.speed),
                'account_id', rk_text(rec.account_id),
                'service_account_id', rk_text(rec.service_account_id)) AS attributes,
    [rk_ts_problem('starting_at', bk.starting_at),
     CASE WHEN rk_text(bk.ending_at) IS NOT NULL AND rk_ts(bk.ending_at) IS NULL
          THEN 'unparseable timestamp ending_at: ' || rk_quote(bk.ending_at) END,
     rk_required_int_problem('uncached_input_tokens', uncached),
     rk_required_int_problem('output_tokens', output),
     rk_int_problem('cache_read_input_tokens', cache_read),
     rk_int_problem('cache_creation.ephemeral_5m_input_tokens', write_5m),
     rk_int_problem('cache_creation.ephemeral_1h_input_tokens', write_1h),
     rk_int_problem('server_tool_use.web_search_requests', web_searches)
    ] AS _problems
FROM fields
