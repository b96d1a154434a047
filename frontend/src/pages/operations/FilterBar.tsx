import { useId } from 'react';
import { RUN_OUTCOMES, type OperationTypeList, type RunOutcome } from '../../api/types';
import { badgeFor } from '../../badges';
import type { TenantEntry } from '../../hooks/useMe';
import type { RunSearch } from './search';

export function FilterBar({
  search,
  types,
  tenants,
  onChange,
}: {
  search: RunSearch;
  types: OperationTypeList | undefined;
  tenants: TenantEntry[];
  onChange: (patch: Partial<RunSearch>) => void;
}) {
  const id = useId();
  const anySet = !!(search.type || search.outcome || search.initiator || search.from || search.to || search.tenant);
  const knownType = !search.type || types?.data.some((t) => t.key === search.type);
  return (
    <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <label className="field" htmlFor={`${id}-type`}>
        <span>Type</span>
        <select id={`${id}-type`} value={search.type ?? ''} onChange={(e) => onChange({ type: e.target.value || undefined })}>
          <option value="">All types</option>
          {types?.data.map((t) => (
            <option key={t.key} value={t.key}>
              {t.label}
            </option>
          ))}
          {!knownType && <option value={search.type}>{search.type}</option>}
        </select>
      </label>
      <label className="field" htmlFor={`${id}-outcome`}>
        <span>Outcome</span>
        <select
          id={`${id}-outcome`}
          value={search.outcome ?? ''}
          onChange={(e) => onChange({ outcome: (e.target.value || undefined) as RunOutcome | undefined })}
        >
          <option value="">Any outcome</option>
          {RUN_OUTCOMES.map((o) => (
            <option key={o} value={o}>
              {badgeFor('outcome', o).label}
            </option>
          ))}
        </select>
      </label>
      <label className="field" htmlFor={`${id}-initiator`}>
        <span>Initiator</span>
        <select
          id={`${id}-initiator`}
          value={search.initiator ?? ''}
          onChange={(e) => onChange({ initiator: (e.target.value || undefined) as RunSearch['initiator'] })}
        >
          <option value="">Anyone</option>
          <option value="system">System</option>
          <option value="me">Me</option>
        </select>
      </label>
      <label className="field" htmlFor={`${id}-from`}>
        <span>From</span>
        <input
          id={`${id}-from`}
          type="date"
          value={search.from ?? ''}
          max={search.to}
          onChange={(e) => onChange({ from: e.target.value || undefined })}
        />
      </label>
      <label className="field" htmlFor={`${id}-to`}>
        <span>To</span>
        <input
          id={`${id}-to`}
          type="date"
          value={search.to ?? ''}
          min={search.from}
          onChange={(e) => onChange({ to: e.target.value || undefined })}
        />
      </label>
      <label className="field" htmlFor={`${id}-tenant`}>
        <span>Tenant</span>
        <select
          id={`${id}-tenant`}
          value={search.tenant ?? ''}
          onChange={(e) => onChange({ tenant: e.target.value ? Number(e.target.value) : undefined })}
        >
          <option value="">All tenants</option>
          {tenants.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
          {search.tenant && !tenants.some((t) => t.id === search.tenant) && (
            <option value={search.tenant}>Tenant #{search.tenant}</option>
          )}
        </select>
      </label>
      <button
        type="button"
        className="link-button filters-clear"
        disabled={!anySet}
        onClick={() =>
          onChange({ type: undefined, outcome: undefined, initiator: undefined, from: undefined, to: undefined, tenant: undefined })
        }
      >
        Clear filters
      </button>
    </form>
  );
}
