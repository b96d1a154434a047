// Run types are the server's: GET /api/v1/operation-types lists every type with its label, and
// every run carries its own `type_label` ("Unknown operation" for a type the server does not
// know), so the SPA never maps a type key to a label. The keys below are the only ones the SPA
// spells, for links to a filtered run list; they are the server registry's keys.

// The run a backup schedule makes (run now, retry, or its time came).
export const BACKUP_SCHEDULE_RUN_TYPE = 'backup_schedule_run';
