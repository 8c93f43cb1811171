-- Aggregated usage rows have no prompt text: the only way to a task type is the client's own word, through the
-- project / workspace and API-key mappings of routekit.yaml (`classify.mappings`). A row no mapping covers stays
-- unattributed (task_type NULL) and is reported as such, never guessed. Project (or workspace) mappings win over
-- API-key mappings. Keys, task types and reasons are bound as list parameters (possibly empty, hence the casts).
WITH m AS (
    SELECT
        _source_file, _source_row,
        list_position(CAST($project_keys AS VARCHAR[]), project) AS by_project,
        list_position(CAST($api_key_keys AS VARCHAR[]), api_key) AS by_key
    FROM usage
)
SELECT
    _source_file, _source_row,
    CASE WHEN by_project IS NOT NULL THEN CAST($project_tasks AS VARCHAR[])[by_project]
         WHEN by_key IS NOT NULL THEN CAST($api_key_tasks AS VARCHAR[])[by_key]
    END AS task_type,
    CASE WHEN by_project IS NOT NULL THEN CAST($project_reasons AS VARCHAR[])[by_project]
         WHEN by_key IS NOT NULL THEN CAST($api_key_reasons AS VARCHAR[])[by_key]
         ELSE 'no project, workspace or API-key mapping: unattributed'
    END AS reason
FROM m
