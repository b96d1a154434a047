import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import type { Api } from './api/client';
import type { Session, SessionData } from './api/session';

export interface AppServices {
  api: Api;
  session: Session;
}

const ServicesContext = createContext<AppServices | null>(null);

export function ServicesProvider({ services, children }: { services: AppServices; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): AppServices {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('useServices outside ServicesProvider');
  return s;
}

export function useApi(): Api {
  return useServices().api;
}

// useSessionData re-renders when the session starts or ends (sign-in, sign-out, a 401).
export function useSessionData(): SessionData | null {
  const { session } = useServices();
  return useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.get(),
    () => session.get(),
  );
}
