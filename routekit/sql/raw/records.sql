-- JSON records (docs) → records: one row per record, for the formats exported as lists of records
-- (SourceFormat RecordListFormat). JSON Lines and a JSON array already arrive as one doc per record; a saved page of
-- an API that wraps them ({"data": [...], "meta": ...}: Langfuse, Helicone's query API) is unnested here, the
-- record's place kept in _source_row ("$.data[3]", "line 2 $.data[0]").
CREATE OR REPLACE TEMP TABLE records AS
WITH pages AS (
    SELECT _source_row, doc, json_transform(doc, '{"data": "JSON[]"}').data AS page FROM docs
)
SELECT rk_at(_source_row, '') AS _source_row, doc AS rec FROM pages WHERE page IS NULL
UNION ALL
SELECT rk_at(_source_row, '.data[' || i || ']'), page[i + 1]
FROM (SELECT _source_row, page, unnest(range(len(page))) AS i FROM pages WHERE page IS NOT NULL)
