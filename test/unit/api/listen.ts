// Route tests talk to the server over a real loopback socket: fastify.inject's light-my-request
// loads an ESM-only dependency (cookie 2) that Jest's CommonJS runtime cannot require.
import { type FastifyInstance } from 'fastify';

export interface TestResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  // Tests inspect arbitrary response bodies.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: () => any;
}

export interface TestRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string is sent as is. */
  payload?: unknown;
}

export async function listen(app: FastifyInstance): Promise<(req: TestRequest) => Promise<TestResponse>> {
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return async (req) => {
    const headers: Record<string, string> = { ...req.headers };
    let body: string | undefined;
    if (typeof req.payload === 'string') body = req.payload;
    else if (req.payload !== undefined) {
      body = JSON.stringify(req.payload);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${address}${req.url}`, { method: req.method, headers, body });
    const text = await res.text();
    return {
      statusCode: res.status,
      headers: Object.fromEntries(res.headers.entries()),
      body: text,
      json: () => JSON.parse(text) as unknown,
    };
  };
}
