-- What the console shows of each API call: its headers without credentials,
-- its bodies without secrets (both bounded), and the traceId it answered.
ALTER TABLE requests ADD COLUMN trace_id TEXT;
ALTER TABLE requests ADD COLUMN request_headers TEXT;
ALTER TABLE requests ADD COLUMN request_body TEXT;
ALTER TABLE requests ADD COLUMN response_body TEXT;
