// Runtime configuration: one build serves any deployment. The static server (tenantatlas web,
// nginx) answers /config.json with the API's base URL for this deployment.
export interface AppConfig {
  apiBaseUrl: string;
}

export function parseConfig(raw: unknown): AppConfig {
  if (!raw || typeof raw !== 'object') throw new Error('config.json is not an object');
  const v = (raw as Record<string, unknown>).apiBaseUrl;
  if (typeof v !== 'string') throw new Error('config.json lacks "apiBaseUrl"');
  return { apiBaseUrl: v.replace(/\/+$/, '') };
}

export async function loadConfig(fetchImpl: typeof fetch = fetch): Promise<AppConfig> {
  const res = await fetchImpl('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`GET /config.json answered ${res.status}`);
  return parseConfig(await res.json());
}
