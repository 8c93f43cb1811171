-- Langfuse observations (records, built by records.sql) → raw: one row per observation, each parsed ONCE into a
-- struct. From:
-- pages of the public API (GET /api/public/observations and /api/public/v2/observations: {"data": [...], "meta":
-- {...}}), a JSON array or JSON Lines of observations (the UI's batch export, a script's dump), and the blob storage
-- export (observations/ and observations_v2/ JSONL). The API and the UI name fields in camelCase, the blob export in
-- snake_case: each field is read under both names.
WITH parsed AS (
    SELECT _source_row, json_transform(rec, '{
        "id": "VARCHAR", "type": "VARCHAR", "name": "VARCHAR", "level": "VARCHAR", "environment": "VARCHAR",
        "traceId": "VARCHAR", "trace_id": "VARCHAR", "traceName": "VARCHAR", "trace_name": "VARCHAR",
        "projectId": "VARCHAR", "project_id": "VARCHAR", "userId": "VARCHAR", "user_id": "VARCHAR",
        "sessionId": "VARCHAR", "session_id": "VARCHAR", "tags": "VARCHAR[]",
        "startTime": "VARCHAR", "start_time": "VARCHAR", "endTime": "VARCHAR", "end_time": "VARCHAR",
        "latency": "VARCHAR", "statusMessage": "VARCHAR", "status_message": "VARCHAR",
        "model": "VARCHAR", "providedModelName": "VARCHAR", "provided_model_name": "VARCHAR",
        "modelParameters": "JSON", "model_parameters": "JSON",
        "promptName": "VARCHAR", "prompt_name": "VARCHAR",
        "usageDetails": "JSON", "usage_details": "JSON", "usage": "JSON",
        "costDetails": "JSON", "cost_details": "JSON", "totalCost": "VARCHAR", "total_cost": "VARCHAR",
        "calculatedTotalCost": "VARCHAR",
        "input": "JSON", "metadata": "JSON"}') AS o
    FROM records
), shaped AS (
    SELECT _source_row, o,
           -- usage: a map of usage type → units (usageDetails / usage_details); exports made before Langfuse v3 have
           -- only the deprecated {input, output, total, unit} object; a tool may write the map as a string of JSON
           CASE WHEN json_type(coalesce(o.usageDetails, o.usage_details, o.usage)) = 'VARCHAR'
                     AND json_valid(coalesce(o.usageDetails, o.usage_details, o.usage) ->> '$')
                THEN CAST(coalesce(o.usageDetails, o.usage_details, o.usage) ->> '$' AS JSON)
                ELSE coalesce(o.usageDetails, o.usage_details, o.usage) END AS usage_json,
           -- the blob export writes input and metadata as strings holding JSON text (or plain text)
           CASE WHEN json_type(o.input) = 'VARCHAR' AND json_valid(o.input ->> '$')
                     AND json_type(CAST(o.input ->> '$' AS JSON)) IN ('ARRAY', 'OBJECT')
                THEN CAST(o.input ->> '$' AS JSON) ELSE o.input END AS input_json,
           CASE WHEN json_type(o.metadata) = 'VARCHAR' AND json_valid(o.metadata ->> '$')
                THEN CAST(o.metadata ->> '$' AS JSON) ELSE o.metadata END AS metadata_json
    FROM parsed
)
-- Flat columns, as for Bedrock: no struct reaches staging (see raw_bedrock_invocation_log.sql).
SELECT
    _source_row,
    o.id AS observation_id, upper(o.type) AS obs_type, o.name AS obs_name, o.level AS level,
    o.environment AS environment, coalesce(o.traceId, o.trace_id) AS trace_id,
    coalesce(o.traceName, o.trace_name) AS trace_name, coalesce(o.projectId, o.project_id) AS project_id,
    coalesce(o.userId, o.user_id) AS user_ref, coalesce(o.sessionId, o.session_id) AS session_id, o.tags AS tags,
    coalesce(o.startTime, o.start_time) AS start_text, coalesce(o.endTime, o.end_time) AS end_text,
    o.latency AS latency_s, coalesce(o.statusMessage, o.status_message) AS status_message,
    coalesce(o.providedModelName, o.provided_model_name, o.model) AS model_ref,
    coalesce(o.promptName, o.prompt_name) AS prompt_name,
    CASE WHEN json_type(usage_json) = 'OBJECT' THEN json_transform(usage_json, '"MAP(VARCHAR, VARCHAR)"') END
        AS usage_map,
    -- usage that is there but not a map (a list, a number) cannot be read: said, not taken for no usage
    CASE WHEN json_type(usage_json) NOT IN ('OBJECT', 'NULL')
         THEN 'usageDetails is not an object: ' || rk_quote(usage_json) END AS usage_problem,
    coalesce(json_transform(coalesce(o.costDetails, o.cost_details), '{"total": "VARCHAR"}').total,
             o.totalCost, o.total_cost, o.calculatedTotalCost) AS v_cost,
    json_transform(coalesce(o.modelParameters, o.model_parameters), '{"response_format": "JSON", "tools": "JSON"}')
        AS params,
    -- Claude's extended thinking among the model parameters (an object, or its JSON text: Langfuse keeps parameter
    -- values as strings)
    rk_thinking_budget(json_transform(coalesce(o.modelParameters, o.model_parameters), '{"thinking": "JSON"}').thinking)
        AS thinking_budget,
    metadata_json,
    -- the input of a generation: a message list, {"messages": [...], "tools": [...]} (the OpenAI integration with
    -- tools), or plain text
    CASE WHEN json_type(input_json) = 'ARRAY' THEN rk_msgs(input_json)
         WHEN json_type(input_json) = 'OBJECT' THEN rk_msgs(input_json -> 'messages') END AS input_messages,
    CASE WHEN json_type(input_json) = 'OBJECT' THEN input_json -> 'tools' END AS input_tools,
    CASE WHEN json_type(input_json) = 'VARCHAR' THEN input_json ->> '$'
         WHEN json_type(input_json) = 'OBJECT' THEN coalesce(input_json ->> 'prompt', input_json ->> 'input') END
        AS input_text,
    -- generations and embeddings are model calls; spans, events, agents, tools, chains... are not (an agent
    -- observation may even carry the sum of its children)
    CASE WHEN upper(o.type) IN ('GENERATION', 'EMBEDDING') THEN 'model'
         ELSE lower(coalesce(o.type, 'untyped')) END AS obs_class
FROM shaped
