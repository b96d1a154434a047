// Names for the contract's schemas (generated into schema.d.ts from ../openapi.yaml).
import type { components } from './schema';

type S = components['schemas'];

export type Problem = S['Problem'];
export type User = S['User'];
export type Me = S['Me'];
export type MeWorkspace = S['MeWorkspace'];
export type MeTenant = S['MeTenant'];
export type LoginResponse = S['LoginResponse'];
export type RunStatus = S['RunStatus'];
export type RunOutcome = S['RunOutcome'];
export type OperationRun = S['OperationRun'];
export type OperationRunDetail = S['OperationRunDetail'];
export type RunAuditList = S['RunAuditList'];
export type RunAuditEntry = S['RunAuditEntry'];
export type RunProgress = S['RunProgress'];
export type OperationRunList = S['OperationRunList'];
export type OperationRunCounts = S['OperationRunCounts'];
export type OperationType = S['OperationType'];
export type OperationTypeList = S['OperationTypeList'];
export type RelatedLink = S['RelatedLink'];
export type PolicyType = S['PolicyType'];
export type InventoryItem = S['InventoryItem'];
export type InventoryItemList = S['InventoryItemList'];
export type InventoryKPIs = S['InventoryKPIs'];
export type EntraGroup = S['EntraGroup'];
export type EntraGroupList = S['EntraGroupList'];
export type GroupType = S['GroupType'];
export type Notification = S['Notification'];
export type NotificationList = S['NotificationList'];
export type DriftScope = S['DriftScope'];
export type DriftScopeList = S['DriftScopeList'];
export type DriftSelection = S['DriftSelection'];
export type Drift = S['Drift'];
export type DriftState = Drift['state'];
export type DriftRun = S['DriftRun'];
export type DriftGenerationRun = S['DriftGenerationRun'];
export type Finding = S['Finding'];
export type FindingList = S['FindingList'];
export type FindingRunRef = S['FindingRunRef'];
export type FindingSeverity = S['FindingSeverity'];
export type FindingFilter = S['FindingFilter'];
export type AcknowledgeFindingsResult = S['AcknowledgeFindingsResult'];

export const RUN_TABS = ['all', 'active', 'succeeded', 'partial', 'failed'] as const;
export type RunTab = (typeof RUN_TABS)[number];

export const RUN_OUTCOMES: readonly RunOutcome[] = [
  'pending',
  'succeeded',
  'partially_succeeded',
  'failed',
  'cancelled',
  'blocked',
];

export const FINDING_SEVERITIES: readonly FindingSeverity[] = ['high', 'medium', 'low'];
export const FINDING_STATUSES = ['new', 'acknowledged', 'all'] as const;
export type FindingStatusFilter = (typeof FINDING_STATUSES)[number];

// Backup schedules and the sets their runs make.
export type BackupSchedule = S['BackupSchedule'];
export type BackupScheduleList = S['BackupScheduleList'];
export type BackupScheduleInput = S['BackupScheduleUpdateRequest'];
export type BackupSet = S['BackupSet'];
export type BackupSetList = S['BackupSetList'];
export type OperationRunEvent = S['OperationRunEvent'];
export type RunChange = OperationRunEvent['change'];
