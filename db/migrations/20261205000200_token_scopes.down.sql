DROP INDEX IF EXISTS api_tokens_user_created_idx;
ALTER TABLE api_tokens DROP CONSTRAINT IF EXISTS api_tokens_scopes_known;
ALTER TABLE api_tokens DROP COLUMN IF EXISTS token_prefix, DROP COLUMN IF EXISTS scopes;
