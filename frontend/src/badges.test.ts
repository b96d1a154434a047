import { describe, expect, it } from 'vitest';
import { BADGE_CATALOGUE, badgeFor, UNKNOWN_BADGE } from './badges';

describe('badge catalogue', () => {
  it('maps statuses', () => {
    expect(badgeFor('status', 'queued')).toEqual({ tone: 'warning', label: 'Queued' });
    expect(badgeFor('status', 'running')).toEqual({ tone: 'info', label: 'Running' });
    expect(badgeFor('status', 'completed')).toEqual({ tone: 'gray', label: 'Completed' });
  });

  it('maps outcomes', () => {
    expect(badgeFor('outcome', 'succeeded')).toEqual({ tone: 'success', label: 'Succeeded' });
    expect(badgeFor('outcome', 'partially_succeeded')).toEqual({ tone: 'warning', label: 'Partially succeeded' });
    expect(badgeFor('outcome', 'failed')).toEqual({ tone: 'danger', label: 'Failed' });
    expect(badgeFor('outcome', 'blocked')).toEqual({ tone: 'danger', label: 'Blocked' });
    expect(badgeFor('outcome', 'cancelled')).toEqual({ tone: 'gray', label: 'Cancelled' });
    expect(badgeFor('outcome', 'pending')).toEqual({ tone: 'info', label: 'Pending' });
  });

  it('maps severities', () => {
    expect(badgeFor('severity', 'low')).toEqual({ tone: 'gray', label: 'Low' });
    expect(badgeFor('severity', 'medium')).toEqual({ tone: 'warning', label: 'Medium' });
    expect(badgeFor('severity', 'high')).toEqual({ tone: 'danger', label: 'High' });
  });

  it('maps finding statuses, backup set statuses and schedule states', () => {
    expect(badgeFor('finding', 'new')).toEqual({ tone: 'info', label: 'New' });
    expect(badgeFor('finding', 'acknowledged')).toEqual({ tone: 'gray', label: 'Acknowledged' });
    expect(badgeFor('backupSet', 'completed')).toEqual({ tone: 'success', label: 'Completed' });
    expect(badgeFor('backupSet', 'partial')).toEqual({ tone: 'warning', label: 'Partial' });
    expect(badgeFor('backupSet', 'failed')).toEqual({ tone: 'danger', label: 'Failed' });
    expect(badgeFor('backupSet', 'pending')).toEqual({ tone: 'info', label: 'Pending' });
    expect(badgeFor('schedule', 'archived')).toEqual({ tone: 'gray', label: 'Archived' });
    expect(badgeFor('schedule', 'enabled')).toEqual({ tone: 'success', label: 'Enabled' });
  });

  it('answers gray "Unknown" for anything it does not know', () => {
    for (const v of ['exploded', '', 'FAILED', 'toString', '__proto__', 'constructor', null, undefined]) {
      expect(badgeFor('outcome', v)).toEqual({ tone: 'gray', label: 'Unknown' });
    }
    // A value of one kind is unknown to another.
    expect(badgeFor('status', 'succeeded')).toBe(UNKNOWN_BADGE);
    expect(badgeFor('severity', 'queued')).toBe(UNKNOWN_BADGE);
  });

  it('is frozen data', () => {
    expect(Object.isFrozen(BADGE_CATALOGUE)).toBe(true);
    expect(Object.isFrozen(BADGE_CATALOGUE.outcome)).toBe(true);
    expect(Object.isFrozen(UNKNOWN_BADGE)).toBe(true);
  });
});
