-- The cube's time-of-day slots (int_calls.tod_slot, a mart_cube key): the UTC day cut at every time where the price of
-- a model with time-of-day prices that this client's traffic involves changes (a model in its calls, or a tier
-- representative a mix can move traffic to). scenario.Simulator prices each cube row at its slot's from_time.
-- from_time is inclusive, to_time exclusive (NULL: midnight, the day's end). With no such model there is one slot,
-- 'all day', with NULL times: calls then carry one constant key and the cube keeps its rows (and its size) unchanged.
-- Written by routekit.engine.write_time_slots: each column a list parameter of text, zipped into rows.
CREATE OR REPLACE TABLE time_slots AS
SELECT CAST(slot AS VARCHAR) AS slot, CAST(from_time AS TIME) AS from_time, CAST(to_time AS TIME) AS to_time
FROM (SELECT unnest($slot::VARCHAR[]) AS slot, unnest($from_time::VARCHAR[]) AS from_time,
             unnest($to_time::VARCHAR[]) AS to_time)
