-- Langfuse's UI batch export as CSV (raw: one VARCHAR column per header name) → records: each row rebuilt as the JSON
-- observation the same export writes as JSON, so raw_langfuse_observations.sql and stg_langfuse_observations.sql
-- read both. The columns are the keys of the exported rows (Langfuse worker: observation-stream.ts,
-- convertObservation + trace name, tags and user id; every value CSV-quoted, objects and dates as JSON). Not taken:
-- `latency`, milliseconds in some versions and seconds in others (the start and end times say it).
CREATE OR REPLACE TEMP TABLE records AS
SELECT _source_row, json_object(
    'id', rk_csv_cell(id), 'type', rk_csv_cell("type"), 'name', rk_csv_cell("name"),
    'level', rk_csv_cell("level"), 'environment', rk_csv_cell(environment),
    'traceId', rk_csv_cell(traceId), 'traceName', rk_csv_cell(traceName), 'projectId', rk_csv_cell(projectId),
    'userId', rk_csv_cell(userId), 'tags', rk_csv_json(traceTags),
    'startTime', rk_csv_cell(startTime), 'endTime', rk_csv_cell(endTime),
    'statusMessage', rk_csv_cell(statusMessage), 'model', rk_csv_cell(model),
    'modelParameters', rk_csv_json(modelParameters), 'promptName', rk_csv_cell(promptName),
    'usageDetails', rk_csv_json(usageDetails), 'costDetails', rk_csv_json(costDetails),
    'totalCost', rk_csv_cell(totalCost),
    'input', rk_csv_json("input"), 'metadata', rk_csv_json(metadata)) AS rec
FROM raw
