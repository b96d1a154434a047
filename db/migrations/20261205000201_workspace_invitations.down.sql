DROP TABLE IF EXISTS workspace_invitations;
