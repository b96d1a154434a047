-- API tokens carry scopes: 'read' (GET and HEAD) and 'write' (everything that changes state).
-- Every token issued before scopes existed, sign-in tokens included, keeps full access.
-- token_prefix is the first characters of a token's plaintext, shown so that people can tell
-- their tokens apart; tokens issued before it was recorded have none.
ALTER TABLE api_tokens
    ADD COLUMN scopes text[] NOT NULL DEFAULT ARRAY['read', 'write']::text[],
    ADD COLUMN token_prefix text;
ALTER TABLE api_tokens
    ADD CONSTRAINT api_tokens_scopes_known CHECK (scopes <@ ARRAY['read', 'write']::text[] AND cardinality(scopes) > 0);
CREATE INDEX api_tokens_user_created_idx ON api_tokens (user_id, created_at DESC, id DESC);
