import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useApi } from '../context';
import { queryKeys } from '../api/queryKeys';
import type { Me, MeTenant, MeWorkspace } from '../api/types';

export interface TenantEntry extends MeTenant {
  workspace: Pick<MeWorkspace, 'id' | 'name' | 'slug'>;
}

export interface MeView {
  me: Me | undefined;
  isLoading: boolean;
  tenants: TenantEntry[];
  tenant(id: number | null | undefined): TenantEntry | undefined;
  // can: does the caller hold the capability on the tenant? Capabilities decide, never roles.
  can(tenantId: number | null | undefined, capability: string): boolean;
}

export function meView(me: Me | undefined, isLoading = false): MeView {
  const tenants: TenantEntry[] = [];
  for (const w of me?.workspaces ?? []) {
    for (const t of w.tenants) tenants.push({ ...t, workspace: { id: w.id, name: w.name, slug: w.slug } });
  }
  const byId = new Map(tenants.map((t) => [t.id, t]));
  return {
    me,
    isLoading,
    tenants,
    tenant: (id) => (id == null ? undefined : byId.get(id)),
    can: (id, capability) => (id == null ? false : (byId.get(id)?.capabilities.includes(capability) ?? false)),
  };
}

export function useMe(): MeView {
  const api = useApi();
  const q = useQuery({ queryKey: queryKeys.me(), queryFn: () => api.me(), staleTime: 60_000 });
  return useMemo(() => meView(q.data, q.isLoading), [q.data, q.isLoading]);
}

export function useOperationTypes() {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.operationTypes(), queryFn: () => api.operationTypes(), staleTime: 10 * 60_000 });
}
