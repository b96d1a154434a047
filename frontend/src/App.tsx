import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { useEffect } from 'react';
import { isApiError } from './api/errors';
import { ServicesProvider, type AppServices } from './context';
import type { AppRouter } from './router';

export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A 4xx will not change by asking again; network trouble and 5xx get two more tries.
        retry: (count, err) => !(isApiError(err) && err.status >= 400 && err.status < 500) && count < 2,
        staleTime: 5_000,
        refetchOnWindowFocus: true,
      },
    },
  });
}

export function App({ services, router, queryClient }: { services: AppServices; router: AppRouter; queryClient: QueryClient }) {
  // When the session ends (sign-out, or a 401 from an expired or revoked token) go to sign-in.
  useEffect(
    () =>
      services.session.subscribe((s) => {
        if (s) return;
        queryClient.clear();
        const here = router.state.location;
        if (here.pathname !== '/login') {
          void router.navigate({ to: '/login', search: { redirect: here.href.startsWith('/admin') ? here.href : undefined } });
        }
      }),
    [services, router, queryClient],
  );
  return (
    <ServicesProvider services={services}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </ServicesProvider>
  );
}
