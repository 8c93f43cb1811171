-- Helicone request records (records, built by records.sql) → raw: one row per request, each record parsed ONCE into
-- a struct. From `npx @helicone/export` JSON Lines or JSON, or saved pages of the REST query
-- `POST /v1/request/query-clickhouse` ({"data": [records]}).
WITH parsed AS (
    SELECT _source_row, json_transform(rec, '{
        "request_id": "VARCHAR", "request_created_at": "VARCHAR", "request_path": "VARCHAR",
        "request_user_id": "VARCHAR", "request_properties": "JSON", "properties": "JSON",
        "request_model": "VARCHAR", "model_override": "VARCHAR", "response_model": "VARCHAR", "model": "VARCHAR",
        "provider": "VARCHAR", "response_status": "VARCHAR", "delay_ms": "VARCHAR",
        "time_to_first_token": "VARCHAR", "prompt_tokens": "VARCHAR", "completion_tokens": "VARCHAR",
        "prompt_cache_read_tokens": "VARCHAR", "prompt_cache_write_tokens": "VARCHAR",
        "prompt_audio_tokens": "VARCHAR", "completion_audio_tokens": "VARCHAR",
        "costUSD": "VARCHAR", "cost_usd": "VARCHAR", "cost": "VARCHAR",
        "cache_reference_id": "VARCHAR", "country_code": "VARCHAR", "target_url": "VARCHAR",
        "request_body": "JSON", "response_body": "JSON"}') AS r
    FROM records
), bodies AS (
    SELECT _source_row, r,
           -- the provider request as sent (only with `--include-body`; else absent or {}): OpenAI chat, Anthropic
           -- messages; a body kept as a JSON string holds the JSON text of the body
           json_transform(CASE WHEN starts_with(r.request_body, '"') THEN rk_json(r.request_body ->> '$')
                               ELSE r.request_body END,
                          '{"system": "JSON", "messages": "JSON", "tools": "JSON", "response_format": "JSON",
                            "prompt": "VARCHAR", "input": "JSON", "thinking": "JSON"}') AS b,
           -- the provider's own usage in the response (only with `--include-body`, and not for streams, whose body is
           -- the event text): Helicone's AI Gateway logs completion_tokens WITHOUT the reasoning tokens (its usage
           -- processor subtracts completion_tokens_details.reasoning_tokens) and exports no reasoning column
           json_transform(CASE WHEN starts_with(r.response_body, '"') THEN rk_json(r.response_body ->> '$')
                               ELSE r.response_body END,
                          '{"usage": {"completion_tokens": "VARCHAR", "output_tokens": "VARCHAR",
                                      "completion_tokens_details": {"reasoning_tokens": "VARCHAR"},
                                      "output_tokens_details": {"reasoning_tokens": "VARCHAR"}}}').usage AS ru,
           -- custom properties (Helicone-Property-<Name> headers): the newer `properties`, else `request_properties`
           json_transform(coalesce(nullif(CAST(r.properties AS VARCHAR), '{}'), r.request_properties),
                          '"MAP(VARCHAR, VARCHAR)"') AS props
    FROM parsed
)
-- Flat columns, as for Bedrock: no struct reaches staging (see raw_bedrock_invocation_log.sql).
SELECT
    _source_row,
    r.request_id AS request_id, r.request_created_at AS created_text, r.request_path AS request_path,
    r.request_user_id AS request_user_id, props,
    -- property names as the header gave them after its prefix (some versions keep the prefix), without regard to case
    map_from_entries(list_transform(map_entries(props),
                                    lambda e: {'k': regexp_replace(lower(e.key), '^helicone-property-', ''),
                                               'v': e.value})) AS props_lc,
    r.request_model AS request_model, r.model_override AS model_override, r.response_model AS response_model,
    r.model AS helicone_model, r.provider AS provider_name, r.response_status AS response_status,
    r.delay_ms AS delay_ms, r.time_to_first_token AS ttft_ms,
    r.prompt_tokens AS v_prompt, r.completion_tokens AS v_completion,
    r.prompt_cache_read_tokens AS v_cache_read, r.prompt_cache_write_tokens AS v_cache_write,
    r.prompt_audio_tokens AS v_prompt_audio, r.completion_audio_tokens AS v_completion_audio,
    -- dollars under every name: the REST query (and so the export tool) returns ClickHouse's stored nano-dollars
    -- divided back (`cost / COST_PRECISION_MULTIPLIER as cost`, jawn request.ts); older versions named it costUSD
    coalesce(r.costUSD, r.cost_usd, r.cost) AS v_cost_usd,
    r.cache_reference_id AS cache_reference_id, r.country_code AS country_code, r.target_url AS target_url,
    -- a response Helicone served from its own cache never reached the provider: no bill, not a model call
    coalesce(r.cache_reference_id NOT IN ('', '00000000-0000-0000-0000-000000000000'), false) AS helicone_cache_hit,
    b.system AS body_system, rk_msgs(b.messages) AS body_messages, b.tools AS body_tools,
    b.response_format AS body_response_format,
    coalesce(b.prompt, CASE WHEN json_type(b.input) = 'VARCHAR' THEN b.input ->> '$' END) AS body_text,
    rk_thinking_budget(b.thinking) AS thinking_budget,    -- Claude's extended thinking, as the request asked
    -- OpenAI chat names the output completion_tokens, Anthropic and OpenAI's Responses API output_tokens: either
    -- way the whole output, reasoning included
    coalesce(ru.completion_tokens, ru.output_tokens) AS v_response_output,
    coalesce(ru.completion_tokens_details.reasoning_tokens, ru.output_tokens_details.reasoning_tokens)
        AS v_response_reasoning
FROM bodies
