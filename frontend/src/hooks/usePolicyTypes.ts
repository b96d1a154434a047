import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useApi } from '../context';

// usePolicyTypes: GET /policy-types (cached for ten minutes), with a key → label lookup.
export function usePolicyTypes() {
  const api = useApi();
  const q = useQuery({ queryKey: ['policy-types'], queryFn: () => api.policyTypes(), staleTime: 10 * 60_000 });
  const labels = useMemo(() => new Map((q.data ?? []).map((p) => [p.key, p.label])), [q.data]);
  return { types: q.data, isLoading: q.isLoading, label: (key: string) => labels.get(key) ?? key };
}
