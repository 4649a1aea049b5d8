/** An answer of the gateway: its status and its JSON body (undefined when empty or not JSON). */
export interface ApiAnswer<Body> {
  status: number;
  body: Body;
}

/**
 * Calls the gateway at `gatewayUrl` with the admin key, sending `body` as JSON, as an operator's
 * script would.
 *
 * @example
 * const api = adminApi(gateway.url, adminKey);
 * expect((await api('POST', '/api/v1/sessions', { id: 'alice' })).status).toBe(201);
 */
// biome-ignore lint/suspicious/noExplicitAny: tests read answers as loose JSON, asserting on what they need
export function adminApi<Body = any>(gatewayUrl: string, adminKey: string) {
  return async (method: string, path: string, body?: unknown): Promise<ApiAnswer<Body>> => {
    const response = await fetch(`${gatewayUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${adminKey}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed as Body };
  };
}
