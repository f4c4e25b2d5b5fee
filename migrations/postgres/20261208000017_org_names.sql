-- Orgs looked up by name (issue 11): a form checks only the records it names against the
-- registry — the org of the same name (asked about as a possible duplicate) among them — instead
-- of reading every org's keys. (Identical for both backends.)
CREATE INDEX social_orgs_name ON social_orgs (name);
