-- OTLP/JSON trace documents (docs) → raw: one row per span with its location, its class and, for model-call
-- spans, a MAP of attribute key → value as text.
--
-- Each document is parsed once into typed structs (json_transform) and unnested natively: extracting spans by
-- index with `->` would re-parse a whole collector batch (often megabytes) for every span in it.
-- Span event attributes are appended after the span's own (newer instrumentations put gen_ai.input.messages on
-- the gen_ai.client.inference.operation.details event); the first occurrence of a key wins.
-- span_class is 'model' for a model call, otherwise what the span is (its operation name, or 'non-GenAI' for
-- spans without gen_ai.* attributes): those are counted in the load note, never loaded, never rejected, because
-- agent and workflow spans carry the totals of their children and loading them would double count.
WITH typed AS (
    SELECT _source_row AS loc, json_transform(doc, '{
        "resourceSpans": [{
            "resource": {"attributes": [{"key": "VARCHAR", "value": {"stringValue": "VARCHAR"}}]},
            "scopeSpans": [{
                "spans": [{
                    "traceId": "VARCHAR", "spanId": "VARCHAR", "parentSpanId": "VARCHAR", "name": "VARCHAR",
                    "startTimeUnixNano": "VARCHAR", "endTimeUnixNano": "VARCHAR",
                    "attributes": [{"key": "VARCHAR", "value": {
                        "stringValue": "VARCHAR", "intValue": "VARCHAR", "doubleValue": "VARCHAR",
                        "boolValue": "VARCHAR", "arrayValue": "JSON", "kvlistValue": "JSON"}}],
                    "events": [{"name": "VARCHAR", "attributes": [{"key": "VARCHAR", "value": {
                        "stringValue": "VARCHAR", "intValue": "VARCHAR", "doubleValue": "VARCHAR",
                        "boolValue": "VARCHAR", "arrayValue": "JSON", "kvlistValue": "JSON"}}]}],
                    "status": {"code": "VARCHAR", "message": "VARCHAR"}
                }]
            }]
        }]
    }') AS d
    FROM docs
), resource_spans AS (
    SELECT loc, unnest(d.resourceSpans) AS res, generate_subscripts(d.resourceSpans, 1) - 1 AS r
    FROM typed
), scope_spans AS (
    SELECT loc, r,
           list_filter(res.resource.attributes, lambda a: a.key = 'service.name')[1].value.stringValue AS service_name,
           unnest(res.scopeSpans) AS sc, generate_subscripts(res.scopeSpans, 1) - 1 AS s
    FROM resource_spans
), spans AS (
    SELECT loc, r, s, service_name, unnest(sc.spans) AS span, generate_subscripts(sc.spans, 1) - 1 AS k
    FROM scope_spans
), entries AS (
    SELECT *,
           list_transform(
               list_filter(list_concat(span.attributes, flatten(list_transform(span.events, lambda e: e.attributes))),
                           lambda a: a.key IS NOT NULL),
               lambda a: {'key': a.key,
                          'value': coalesce(a.value.stringValue, a.value.intValue, a.value.doubleValue,
                                            a.value.boolValue, CAST(a.value.arrayValue AS VARCHAR),
                                            CAST(a.value.kvlistValue AS VARCHAR))}) AS kv
    FROM spans
), flagged AS (
    SELECT *, list_transform(kv, lambda e: e.key) AS keys,
           len(list_filter(kv, lambda e: starts_with(e.key, 'gen_ai.'))) > 0 AS is_gen_ai,
           len(list_filter(kv, lambda e: starts_with(e.key, 'gen_ai.usage.'))) > 0 AS has_usage
    FROM entries
), mapped AS (
    SELECT *,
           CASE WHEN NOT is_gen_ai THEN NULL
                WHEN len(list_distinct(keys)) = len(keys) THEN map_from_entries(kv)
                -- keys must be unique in OTLP, but a duplicate must not fail the whole file: first one wins
                ELSE map_from_entries(list_filter(kv, lambda e, i: NOT list_contains(list_slice(keys, 1, i - 1),
                                                                                     e.key)))
           END AS m
    FROM flagged
), classed AS (
    SELECT *,
           CASE WHEN NOT is_gen_ai THEN 'non-GenAI'
                WHEN m['gen_ai.operation.name'] IN ('chat', 'text_completion', 'generate_content', 'embeddings')
                    THEN 'model'
                -- an operation the spec does not name (or none) is a model call when it reports token usage or
                -- is marked as an LLM request by OpenLLMetry (llm.request.type: its failed calls carry no usage);
                -- agent, workflow, tool and retrieval spans never are
                WHEN coalesce(m['gen_ai.operation.name'], '') NOT IN
                         ('invoke_agent', 'create_agent', 'invoke_workflow', 'execute_tool', 'retrieval')
                     AND (has_usage OR m['llm.request.type'] IS NOT NULL) THEN 'model'
                ELSE coalesce(m['gen_ai.operation.name'], 'GenAI without operation or usage')
           END AS span_class
    FROM mapped
)
SELECT
    rk_at(loc, '.resourceSpans[' || r || '].scopeSpans[' || s || '].spans[' || k || ']') AS _source_row,
    span_class,
    span.traceId AS trace_id,
    span.spanId AS span_id,
    span.parentSpanId AS parent_span_id,
    span.name AS span_name,
    span.startTimeUnixNano AS start_nanos,
    span.endTimeUnixNano AS end_nanos,
    span.status.code AS status_code,
    span.status.message AS status_message,
    service_name,
    CASE WHEN span_class = 'model' THEN m END AS m
FROM classed
