-- What the console shows of each API call: its headers without credentials,
-- its bodies without secrets (both bounded), and the traceId it answered.
ALTER TABLE requests ADD COLUMN trace_id TEXT;
ALTER TABLE requests ADD COLUMN request_headers TEXT;
ALTER TABLE requests ADD COLUMN request_body TEXT;
ALTER TABLE requests ADD COLUMN response_body TEXT;
-- What the checklist verifier compares: eCom's X-Request-Id, and a digest
-- of the body as sent (a retry repeating a refused request has the same).
ALTER TABLE requests ADD COLUMN request_id TEXT;
ALTER TABLE requests ADD COLUMN body_digest TEXT;
