-- operation_runs is now the only run history. The legacy run tables are dropped with their rows:
-- legacy run history is not copied anywhere (spec 087: losing it is accepted).
DROP TABLE backup_schedule_runs;
DROP TABLE entra_group_sync_runs;
DROP TABLE inventory_sync_runs;
