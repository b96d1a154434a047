-- Invitations to a workspace, by email. An invitee who signs in with that email sees them and
-- accepts (which creates the membership) or declines; the workspace's member managers see the
-- pending ones and may revoke them. Nothing here refers to the invitee's user row: the email is
-- the address, whether or not a user with it exists yet.
CREATE TABLE workspace_invitations (
    id           bigserial PRIMARY KEY,
    workspace_id bigint      NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email        text        NOT NULL,
    role         text        NOT NULL CHECK (role IN ('owner', 'manager', 'operator', 'readonly')),
    invited_by   bigint      REFERENCES users (id) ON DELETE SET NULL,
    status       text        NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'accepted', 'declined', 'revoked', 'expired')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    responded_at timestamptz,
    CONSTRAINT workspace_invitations_email_lower CHECK (email = lower(email))
);
-- One pending invitation per workspace and address.
CREATE UNIQUE INDEX workspace_invitations_pending_key ON workspace_invitations (workspace_id, email)
    WHERE status = 'pending';
CREATE INDEX workspace_invitations_email_idx ON workspace_invitations (email) WHERE status = 'pending';
