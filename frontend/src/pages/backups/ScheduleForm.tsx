import { useMutation } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage, fieldErrors, isApiError } from '../../api/errors';
import type { BackupSchedule, BackupScheduleInput, PolicyType } from '../../api/types';
import { Dialog } from '../../components/Dialog';
import { useApi } from '../../context';
import { browserTimeZone, timeZones, WEEKDAYS } from './search';

const FIELDS = ['name', 'is_enabled', 'timezone', 'frequency', 'days_of_week', 'time_of_day', 'policy_types', 'include_foundations', 'retention_keep_last'];
const OTHER_ZONE = '__other__';

interface FormState {
  name: string;
  isEnabled: boolean;
  timezone: string;
  zoneMode: 'select' | 'text';
  frequency: 'daily' | 'weekly';
  days: number[];
  time: string;
  policyTypes: string[];
  includeFoundations: boolean;
  retention: string;
}

function initialState(s: BackupSchedule | undefined, zones: string[] | null, policyTypes: PolicyType[]): FormState {
  const timezone = s?.timezone ?? browserTimeZone();
  return {
    name: s?.name ?? '',
    isEnabled: s?.is_enabled ?? true,
    timezone,
    zoneMode: zones && zones.includes(timezone) ? 'select' : 'text',
    frequency: s?.frequency ?? 'daily',
    days: s?.days_of_week ?? [],
    time: s?.time_of_day ?? '02:00',
    policyTypes: s?.policy_types ?? policyTypes.map((p) => p.key),
    includeFoundations: s?.include_foundations ?? true,
    retention: String(s?.retention_keep_last ?? 30),
  };
}

// toInput turns the form into the API's body. Values are sent as typed; the server validates
// them and answers 422 with field errors, shown next to each field.
export function toInput(f: FormState, creating: boolean): BackupScheduleInput {
  const retention = f.retention.trim() === '' ? NaN : Number(f.retention);
  const input: BackupScheduleInput = {
    name: f.name,
    timezone: f.timezone.trim(),
    frequency: f.frequency,
    time_of_day: f.time,
    days_of_week: f.frequency === 'weekly' ? [...f.days].sort((a, b) => a - b) : [],
    policy_types: f.policyTypes,
    include_foundations: f.includeFoundations,
  };
  if (Number.isFinite(retention)) input.retention_keep_last = retention;
  if (creating) input.is_enabled = f.isEnabled;
  return input;
}

// ScheduleForm creates a backup schedule (no schedule given) or edits one, in a dialog.
export function ScheduleForm({
  tenantId,
  schedule,
  policyTypes,
  onClose,
  onSaved,
}: {
  tenantId: number;
  schedule?: BackupSchedule;
  policyTypes: PolicyType[] | undefined;
  onClose: () => void;
  onSaved: (s: BackupSchedule) => void;
}) {
  const api = useApi();
  const id = useId();
  const zones = useMemo(() => timeZones(), []);
  const choosable = useMemo(() => (policyTypes ?? []).filter((p) => !p.foundation), [policyTypes]);
  const foundations = useMemo(() => (policyTypes ?? []).filter((p) => p.foundation), [policyTypes]);
  const [f, setF] = useState<FormState>(() => initialState(schedule, zones, choosable));
  const set = (patch: Partial<FormState>) => setF((prev) => ({ ...prev, ...patch }));
  const creating = !schedule;
  // A new schedule starts with every policy type picked, once the list has arrived.
  const seeded = useRef(!creating || choosable.length > 0);
  useEffect(() => {
    if (seeded.current || choosable.length === 0) return;
    seeded.current = true;
    setF((prev) => (prev.policyTypes.length === 0 ? { ...prev, policyTypes: choosable.map((p) => p.key) } : prev));
  }, [choosable]);

  const save = useMutation({
    mutationFn: (input: BackupScheduleInput) =>
      schedule ? api.updateBackupSchedule(tenantId, schedule.id, input) : api.createBackupSchedule(tenantId, input),
    onSuccess: (s) => onSaved(s),
  });
  const errors = save.isError ? fieldErrors(save.error) : {};
  const unplaced = Object.entries(errors).filter(([k]) => !FIELDS.includes(k) || (k === 'is_enabled' && !creating));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(toInput(f, creating));
  };
  const err = (field: string) => errors[field];
  const errId = (field: string) => `${id}-${field}-error`;
  const describe = (field: string, hint?: string) => [hint, err(field) ? errId(field) : undefined].filter(Boolean).join(' ') || undefined;

  const toggleDay = (d: number) => set({ days: f.days.includes(d) ? f.days.filter((x) => x !== d) : [...f.days, d] });
  const togglePolicy = (k: string) =>
    set({ policyTypes: f.policyTypes.includes(k) ? f.policyTypes.filter((x) => x !== k) : [...f.policyTypes, k] });

  return (
    <Dialog title={creating ? 'New backup schedule' : `Edit ${schedule.name}`} onClose={onClose} wide testId="schedule-form">
      <form className="form" onSubmit={submit} noValidate aria-label={creating ? 'New backup schedule' : 'Edit backup schedule'}>
        {save.isError && (
          <div className="form-error" role="alert" data-testid="form-error">
            {isApiError(save.error) && (save.error.status === 422 || save.error.status === 400)
              ? 'The schedule was not saved: correct the fields marked below.'
              : errorMessage(save.error)}
            {unplaced.length > 0 && (
              <ul>
                {unplaced.map(([k, m]) => (
                  <li key={k}>{k ? `${k}: ${m}` : m}</li>
                ))}
              </ul>
            )}
          </div>
        )}

        <Field label="Name" htmlFor={`${id}-name`} error={err('name')} errorId={errId('name')}>
          <input
            id={`${id}-name`}
            type="text"
            value={f.name}
            onChange={(e) => set({ name: e.target.value })}
            aria-invalid={!!err('name')}
            aria-describedby={describe('name')}
            maxLength={255}
            autoComplete="off"
            data-autofocus
          />
        </Field>

        <div className="form-row">
          <fieldset className="fieldset" aria-describedby={describe('frequency')}>
            <legend>Frequency</legend>
            <div className="choice-row">
              {(['daily', 'weekly'] as const).map((v) => (
                <label key={v} className="choice">
                  <input type="radio" name={`${id}-frequency`} value={v} checked={f.frequency === v} onChange={() => set({ frequency: v })} />
                  {v === 'daily' ? 'Daily' : 'Weekly'}
                </label>
              ))}
            </div>
            <FieldError id={errId('frequency')} message={err('frequency')} />
          </fieldset>

          <Field label="Time of day" htmlFor={`${id}-time`} error={err('time_of_day')} errorId={errId('time_of_day')}>
            <input
              id={`${id}-time`}
              type="time"
              value={f.time}
              onChange={(e) => set({ time: e.target.value })}
              aria-invalid={!!err('time_of_day')}
              aria-describedby={describe('time_of_day')}
            />
          </Field>

          <Field label="Time zone" htmlFor={`${id}-tz`} error={err('timezone')} errorId={errId('timezone')}>
            {f.zoneMode === 'select' && zones ? (
              <select
                id={`${id}-tz`}
                value={f.timezone}
                onChange={(e) => (e.target.value === OTHER_ZONE ? set({ zoneMode: 'text' }) : set({ timezone: e.target.value }))}
                aria-invalid={!!err('timezone')}
                aria-describedby={describe('timezone')}
              >
                {zones.map((z) => (
                  <option key={z} value={z}>
                    {z}
                  </option>
                ))}
                <option value={OTHER_ZONE}>Other (type a name)…</option>
              </select>
            ) : (
              <input
                id={`${id}-tz`}
                type="text"
                value={f.timezone}
                placeholder="e.g. Europe/Berlin"
                onChange={(e) => set({ timezone: e.target.value })}
                aria-invalid={!!err('timezone')}
                aria-describedby={describe('timezone', `${id}-tz-hint`)}
                list={zones ? `${id}-tz-list` : undefined}
                autoComplete="off"
              />
            )}
            {f.zoneMode === 'text' && (
              <span id={`${id}-tz-hint`} className="field-hint">
                An IANA time zone name, such as Europe/Berlin or UTC.
              </span>
            )}
            {f.zoneMode === 'text' && zones && (
              <datalist id={`${id}-tz-list`}>
                {zones.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
            )}
          </Field>
        </div>

        {f.frequency === 'weekly' && (
          <fieldset className="fieldset" aria-describedby={describe('days_of_week')} data-testid="days-of-week">
            <legend>Days of the week</legend>
            <div className="choice-row">
              {WEEKDAYS.map((d) => (
                <label key={d.value} className="choice">
                  <input type="checkbox" checked={f.days.includes(d.value)} onChange={() => toggleDay(d.value)} aria-label={d.long} />
                  {d.short}
                </label>
              ))}
            </div>
            <FieldError id={errId('days_of_week')} message={err('days_of_week')} />
          </fieldset>
        )}

        <fieldset className="fieldset" aria-describedby={describe('policy_types')}>
          <legend>Policy types</legend>
          <div className="choice-grid" data-testid="policy-types">
            {choosable.length === 0 && <span className="muted">Loading policy types…</span>}
            {choosable.map((p) => (
              <label key={p.key} className="choice">
                <input type="checkbox" checked={f.policyTypes.includes(p.key)} onChange={() => togglePolicy(p.key)} />
                {p.label}
              </label>
            ))}
          </div>
          <div className="choice-actions">
            <button type="button" className="link-button small" onClick={() => set({ policyTypes: choosable.map((p) => p.key) })}>
              Select all
            </button>
            <button type="button" className="link-button small" onClick={() => set({ policyTypes: [] })}>
              Select none
            </button>
          </div>
          <FieldError id={errId('policy_types')} message={err('policy_types')} />
        </fieldset>

        <div className="form-row">
          <div className="field">
            <label className="choice" htmlFor={`${id}-foundations`}>
              <input
                id={`${id}-foundations`}
                type="checkbox"
                checked={f.includeFoundations}
                onChange={(e) => set({ includeFoundations: e.target.checked })}
                aria-describedby={describe('include_foundations', `${id}-foundations-hint`)}
              />
              Include foundations
            </label>
            <span id={`${id}-foundations-hint`} className="field-hint">
              {foundations.length ? foundations.map((p) => p.label).join(', ') : 'Scope tags, assignment filters, notification templates'}
            </span>
            <FieldError id={errId('include_foundations')} message={err('include_foundations')} />
          </div>

          <Field label="Keep the newest backups" htmlFor={`${id}-keep`} error={err('retention_keep_last')} errorId={errId('retention_keep_last')}>
            <input
              id={`${id}-keep`}
              type="number"
              inputMode="numeric"
              min={1}
              max={10000}
              value={f.retention}
              onChange={(e) => set({ retention: e.target.value })}
              aria-invalid={!!err('retention_keep_last')}
              aria-describedby={describe('retention_keep_last', `${id}-keep-hint`)}
            />
            <span id={`${id}-keep-hint`} className="field-hint">
              Older backup sets are retired after each run.
            </span>
          </Field>

          {creating && (
            <div className="field">
              <label className="choice" htmlFor={`${id}-enabled`}>
                <input id={`${id}-enabled`} type="checkbox" checked={f.isEnabled} onChange={(e) => set({ isEnabled: e.target.checked })} />
                Enabled
              </label>
              <span className="field-hint">A disabled schedule runs only when started by hand.</span>
            </div>
          )}
        </div>

        <div className="dialog-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : creating ? 'Create schedule' : 'Save changes'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function Field({
  label,
  htmlFor,
  error,
  errorId,
  children,
}: {
  label: string;
  htmlFor: string;
  error: string | undefined;
  errorId: string;
  children: ReactNode;
}) {
  return (
    <div className={`field ${error ? 'has-error' : ''}`}>
      <label htmlFor={htmlFor}>{label}</label>
      {children}
      <FieldError id={errorId} message={error} />
    </div>
  );
}

function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <span id={id} className="field-error" data-testid="field-error">
      {message}
    </span>
  );
}
