-- The request log is pruned by age; find old rows without a scan.
CREATE INDEX requests_at ON requests (at);
