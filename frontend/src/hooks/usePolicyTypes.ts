import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useApi } from '../context';
import { queryKeys } from '../api/queryKeys';

// usePolicyTypes: GET /policy-types (cached for ten minutes), with a key → label lookup.
export function usePolicyTypes() {
  const api = useApi();
  const q = useQuery({ queryKey: queryKeys.policyTypes(), queryFn: () => api.policyTypes(), staleTime: 10 * 60_000 });
  const labels = useMemo(() => new Map((q.data ?? []).map((p) => [p.key, p.label])), [q.data]);
  return { types: q.data, isLoading: q.isLoading, label: (key: string) => labels.get(key) ?? key };
}
