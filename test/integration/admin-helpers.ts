import type { HttpResponse } from '../support/http';
import { httpClient } from '../support/http';
import type { World } from '../support/fixtures';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
export interface Endpoint {
  method: Method;
  path: string;
  body?: unknown;
}

const OTHER_METHODS: Method[] = ['GET', 'POST', 'PUT', 'DELETE'];

/**
 * Calls every endpoint with each given token and with every other HTTP method; returns the statuses,
 * so a test states the whole role matrix in one expectation.
 */
export async function statusMatrix(baseUrl: string, tokens: Record<string, string>, endpoints: Endpoint[]) {
  const result: Record<string, Record<string, number>> = {};
  for (const [who, token] of Object.entries(tokens)) {
    const api = httpClient(baseUrl, token);
    result[who] = {};
    for (const endpoint of endpoints) {
      for (const method of OTHER_METHODS) {
        const body = method === 'GET' || method === 'DELETE' ? undefined : endpoint.method === method ? endpoint.body ?? {} : {};
        const response: HttpResponse = await api.request(method, endpoint.path, body);
        result[who][`${method} ${endpoint.path}${method === endpoint.method ? '' : ' (switched)'}`] = response.status;
      }
    }
  }
  return result;
}

/** Agents and clients must get 403 on every method of every endpoint. */
export function expectForbiddenForNonAdmins(matrix: Record<string, Record<string, number>>): void {
  for (const who of ['agent', 'client']) {
    const notForbidden = Object.entries(matrix[who]).filter(([, status]) => status !== 403);
    expect({ who, notForbidden }).toEqual({ who, notForbidden: [] });
  }
}

export function roleTokens(world: World) {
  return { admin: world.tokens.admin, agent: world.tokens.agent, client: world.tokens.clientA };
}
