-- OpenTelemetry GenAI model-call spans (raw, built by raw_otel_genai_spans.sql) → calls.
-- gen_ai.usage.input_tokens includes cache reads and writes (semconv); the deprecated prompt_tokens /
-- completion_tokens (and cache_*_input_tokens) names of older instrumentations are read where the new ones are absent.
WITH attrs AS (
    SELECT *,
           coalesce(m['gen_ai.usage.input_tokens'], m['gen_ai.usage.prompt_tokens']) AS v_input,
           CASE WHEN m['gen_ai.usage.prompt_tokens'] IS NOT NULL AND m['gen_ai.usage.input_tokens'] IS NULL
                THEN 'gen_ai.usage.prompt_tokens' ELSE 'gen_ai.usage.input_tokens' END AS input_key,
           coalesce(m['gen_ai.usage.output_tokens'], m['gen_ai.usage.completion_tokens']) AS v_output,
           CASE WHEN m['gen_ai.usage.completion_tokens'] IS NOT NULL AND m['gen_ai.usage.output_tokens'] IS NULL
                THEN 'gen_ai.usage.completion_tokens' ELSE 'gen_ai.usage.output_tokens' END AS output_key,
           -- the cache counts got their semconv names in v1.40; OpenLLMetry and older instrumentations write
           -- cache_read_input_tokens / cache_creation_input_tokens; Pydantic AI (before its 2026-04 semconv names,
           -- pydantic-ai #5013) and the tools built on genai-prices write cache_read_tokens / cache_write_tokens
           -- beside an input_tokens that holds them (langfuse #12306: 130213 = 5 + 128955 read + 1253 written).
           -- The first name present is read, and named in its problems.
           coalesce(list_filter(['gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens',
                                 'gen_ai.usage.cache_read_tokens'], lambda key: m[key] IS NOT NULL)[1],
                    'gen_ai.usage.cache_read.input_tokens') AS cache_read_key,
           coalesce(list_filter(['gen_ai.usage.cache_creation.input_tokens',
                                 'gen_ai.usage.cache_creation_input_tokens', 'gen_ai.usage.cache_write_tokens'],
                                lambda key: m[key] IS NOT NULL)[1],
                    'gen_ai.usage.cache_creation.input_tokens') AS cache_write_key,
           m['gen_ai.usage.reasoning.output_tokens'] AS v_reasoning,
           -- audio (semantic-conventions-genai #440, 2026-08): gen_ai.usage.audio.input_tokens is a part of
           -- input_tokens that INCLUDES the audio cache reads, gen_ai.usage.audio.cache_read.input_tokens (a part of
           -- both it and cache_read.input_tokens); gen_ai.usage.audio.output_tokens a part of output_tokens
           m['gen_ai.usage.audio.input_tokens'] AS v_audio_in,
           m['gen_ai.usage.audio.cache_read.input_tokens'] AS v_audio_cached,
           m['gen_ai.usage.audio.output_tokens'] AS v_audio_out,
           TRY_CAST(start_nanos AS HUGEINT) AS start_ns,
           TRY_CAST(end_nanos AS HUGEINT) AS end_ns,
           -- message lists parsed once into structs ({role, parts} in the current conventions)
           rk_msgs(m['gen_ai.input.messages']) AS msgs,
           rk_msgs(m['gen_ai.output.messages']) AS out_msgs,
           -- the older plain gen_ai.prompt: a JSON message list in some instrumentations, text in others
           rk_msgs(m['gen_ai.prompt']) AS legacy_msgs,
           -- the older indexed form: gen_ai.prompt.N.role / gen_ai.prompt.N.content, sorted by N
           list_sort(list_transform(
               list_filter(map_keys(m), lambda key: regexp_full_match(key, 'gen_ai\.prompt\.\d+\.content')),
               lambda key: {'n': CAST(split_part(key, '.', 3) AS INTEGER),
                            'role': m['gen_ai.prompt.' || split_part(key, '.', 3) || '.role'],
                            'content': m[key]})) AS indexed
    FROM raw
    WHERE span_class = 'model'
), cache AS (
    SELECT *, m[cache_read_key] AS v_cache_read, m[cache_write_key] AS v_cache_write
    FROM attrs
), tokens AS (
    SELECT *,
           rk_int(v_input) AS n_input,
           coalesce(rk_int(v_cache_read), 0) AS n_cache_read,
           coalesce(rk_int(v_cache_write), 0) AS n_cache_write
    FROM cache
)
SELECT
    _source_row,
    rk_text(span_id) AS request_id,
    CASE WHEN start_ns > 0 THEN rk_ts_nanos(start_nanos) END AS ts,
    lower(rk_text(coalesce(m['gen_ai.provider.name'], m['gen_ai.system']))) AS provider,
    coalesce(rk_text(m['gen_ai.response.model']), rk_text(m['gen_ai.request.model'])) AS model,
    rk_text(m['gen_ai.request.model']) AS model_requested,
    rk_text(m['app.feature']) AS feature,
    rk_text(service_name) AS project,
    NULL::VARCHAR AS api_key,
    coalesce(rk_text(m['user.id']), rk_text(m['enduser.id'])) AS user_id,
    NULL::VARCHAR[] AS tags,
    CASE WHEN status_code IN ('2', 'STATUS_CODE_ERROR') THEN 'error' ELSE 'success' END AS status,
    CASE WHEN status_code IN ('2', 'STATUS_CODE_ERROR')
         THEN coalesce(rk_text(status_message), rk_text(m['error.type']), 'error') END AS error,
    1 AS requests,
    -- Input that is smaller than its own cache reads and writes was reported Anthropic-style (without the cache,
    -- as some older instrumentations do): add them so input_tokens is the total, and say so in attributes.
    CASE WHEN n_input < n_cache_read + n_cache_write THEN n_input + n_cache_read + n_cache_write
         ELSE n_input END AS input_tokens,
    n_cache_read AS cached_input_tokens,
    n_cache_write AS cache_write_tokens,
    rk_int(v_output) AS output_tokens,
    rk_int(v_reasoning) AS reasoning_tokens,
    -- routekit's input_audio_tokens is the uncached audio (schema.sql): the audio less its cache reads. A span that
    -- gives no audio cache reads has none split out (NULL): int_priced.sql splits its cache reads by the uncached
    -- audio share
    greatest(rk_int(v_audio_in) - coalesce(rk_int(v_audio_cached), 0), 0) AS input_audio_tokens,
    rk_int(v_audio_cached) AS cached_audio_tokens,
    rk_int(v_audio_out) AS output_audio_tokens,
    NULL::DECIMAL(38, 12) AS reported_cost_usd,   -- the semantic conventions define no cost attribute
    CASE WHEN start_ns > 0 AND end_ns >= start_ns THEN CAST(end_ns - start_ns AS DOUBLE) / 1e6 END AS latency_ms,
    false AS is_batch,                            -- a span is a live request; batch jobs are not traced per call
    rk_text(coalesce(m['openai.response.service_tier'], m['gen_ai.openai.response.service_tier'])) AS service_tier,
    coalesce(rk_text(m['gen_ai.operation.name']), rk_text(m['llm.request.type'])) AS operation,
    coalesce(
        rk_content_text(rk_json(m['gen_ai.system_instructions'])),
        rk_text(m['gen_ai.system_instructions']),
        rk_msgs_system(msgs),
        nullif(array_to_string(list_transform(list_filter(indexed, lambda p: p.role IN ('system', 'developer')),
                                              lambda p: p.content), chr(10)), ''),
        rk_msgs_system(legacy_msgs)) AS system_prompt,
    coalesce(
        rk_msgs_last_user(msgs),
        list_filter(indexed, lambda p: p.role = 'user')[-1].content,
        rk_msgs_last_user(legacy_msgs),
        CASE WHEN legacy_msgs IS NULL THEN rk_text(m['gen_ai.prompt']) END) AS user_prompt,
    CAST(coalesce(len(msgs), nullif(len(indexed), 0), len(legacy_msgs)) AS INTEGER)
        AS n_messages,
    coalesce(m['gen_ai.tool.definitions'] IS NOT NULL
        OR len(list_filter(map_keys(m), lambda key:
               starts_with(key, 'llm.request.functions.')
               OR regexp_full_match(key, 'gen_ai\.(prompt|completion)\.\d+\.tool_calls\..*'))) > 0
        OR rk_msgs_has_tool_use(msgs)
        OR len(list_filter(msgs, lambda msg: list_has_any(
               CAST(json_extract_string(msg.parts, '$[*].type') AS VARCHAR[]),
               ['tool_call', 'tool_call_response']))) > 0
        OR len(list_filter(out_msgs, lambda msg: list_contains(
               CAST(json_extract_string(msg.parts, '$[*].type') AS VARCHAR[]), 'tool_call'))) > 0
        OR len(list_filter(indexed, lambda p: p.role = 'tool')) > 0, false) AS has_tools,
    coalesce(m['gen_ai.output.type'] = 'json'
        OR m['gen_ai.openai.request.response_format'] IN ('json_object', 'json_schema'), false) AS json_mode,
    -- Claude's extended thinking: the semantic conventions have no attribute for it; instrumentations that record it
    -- write the budget (Grafana Sigil: sigil.gen_ai.request.thinking.budget_tokens) or the request's parameters as
    -- JSON (OpenInference: llm.invocation_parameters)
    coalesce(rk_int(m['gen_ai.request.thinking.budget_tokens']), rk_int(m['sigil.gen_ai.request.thinking.budget_tokens']),
             rk_thinking_budget(rk_json(m['llm.invocation_parameters']) -> 'thinking')) AS thinking_budget_tokens,
    json_object('trace_id', rk_text(trace_id),
                'parent_span_id', rk_text(parent_span_id),
                'span_name', rk_text(span_name),
                'service_name', rk_text(service_name),
                'response_id', rk_text(m['gen_ai.response.id']),
                -- an OTLP arrayValue ({"values": [{"stringValue": ...}]}), or a plain string in some SDKs
                'finish_reasons', CASE WHEN json_valid(m['gen_ai.response.finish_reasons'])
                                       THEN json_extract_string(m['gen_ai.response.finish_reasons'],
                                                                '$.values[*].stringValue')
                                       WHEN m['gen_ai.response.finish_reasons'] IS NOT NULL
                                       THEN [m['gen_ai.response.finish_reasons']] END,
                'conversation_id', rk_text(m['gen_ai.conversation.id']),
                'agent_name', rk_text(m['gen_ai.agent.name']),
                'server_address', rk_text(m['server.address']),
                'provider_attribute', CASE WHEN m['gen_ai.provider.name'] IS NOT NULL THEN 'gen_ai.provider.name'
                                           WHEN m['gen_ai.system'] IS NOT NULL THEN 'gen_ai.system' END,
                'input_tokens_reported', CASE WHEN n_input < n_cache_read + n_cache_write THEN n_input END
    ) AS attributes,
    [CASE WHEN rk_text(start_nanos) IS NULL THEN 'missing startTimeUnixNano'
          WHEN start_ns IS NULL OR start_ns <= 0 THEN 'unparseable startTimeUnixNano: ' || rk_quote(start_nanos)
          WHEN rk_ts_nanos(start_nanos) < TIMESTAMP '2000-01-01'
              THEN 'startTimeUnixNano before 2000 (not nanoseconds?): ' || rk_quote(start_nanos) END,
     CASE WHEN rk_text(m['gen_ai.response.model']) IS NULL AND rk_text(m['gen_ai.request.model']) IS NULL
          THEN 'missing model (gen_ai.request.model / gen_ai.response.model)' END,
     -- a span that ended in error may carry no usage, and an embedding has no output; any other span without its
     -- token counts would be priced as free
     CASE WHEN status_code IN ('2', 'STATUS_CODE_ERROR') THEN rk_int_problem(input_key, v_input)
          ELSE rk_required_int_problem(input_key, v_input) END,
     CASE WHEN status_code IN ('2', 'STATUS_CODE_ERROR') OR rk_text(m['gen_ai.operation.name']) = 'embeddings'
          THEN rk_int_problem(output_key, v_output)
          ELSE rk_required_int_problem(output_key, v_output) END,
     rk_int_problem(cache_read_key, v_cache_read),
     rk_int_problem(cache_write_key, v_cache_write),
     rk_int_problem('gen_ai.usage.reasoning.output_tokens', v_reasoning),
     rk_int_problem('gen_ai.usage.audio.input_tokens', v_audio_in),
     rk_int_problem('gen_ai.usage.audio.cache_read.input_tokens', v_audio_cached),
     rk_int_problem('gen_ai.usage.audio.output_tokens', v_audio_out)
    ] AS _problems
FROM tokens
