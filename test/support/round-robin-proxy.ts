import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobinProxy {
  baseUrl: string;
  /** replaces a backend (an API process restarted on another port) */
  setBackends(backends: string[]): void;
  hits: Map<string, number>;
  close(): Promise<void>;
}

/**
 * The load balancer in front of several API processes, in a few lines: each request goes to the next
 * backend; a backend that refuses the connection (killed) is skipped for that request.
 */
export async function startRoundRobinProxy(initial: string[]): Promise<RoundRobinProxy> {
  let backends = [...initial];
  let next = 0;
  const hits = new Map<string, number>();

  function forward(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, tries: number): void {
    const backend = backends[next++ % backends.length];
    const target = new URL(req.url ?? '/', backend);
    const upstream = http.request(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host, connection: 'close' }, agent: false },
      (answer) => {
        hits.set(backend, (hits.get(backend) ?? 0) + 1);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (res.headersSent) return res.destroy();
      if (tries + 1 < backends.length * 2) return forward(req, body, res, tries + 1);
      res.writeHead(502).end();
    });
    upstream.end(body);
  }

  const server: Server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => forward(req, Buffer.concat(chunks), res, 0));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setBackends(list) {
      backends = [...list];
    },
    hits,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
