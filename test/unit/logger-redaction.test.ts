import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pinoHttp } from 'pino-http';
import { createLogger } from '../../src/logger';

const TOKEN = 'tok_3f9a1c-secret-bearer';
const COOKIE = 'hd_temporal_ui=cookie-secret-value';

function memorySink() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, sink };
}

/** Serves one request through pino-http as the API does and returns the log lines it wrote. */
async function logOfOneRequest(): Promise<string> {
  const { lines, sink } = memorySink();
  const log = pinoHttp({ logger: createLogger('info', { component: 'test' }, sink) });
  const server = http.createServer((req, res) => {
    log(req, res);
    res.setHeader('Set-Cookie', `${COOKIE}; HttpOnly`);
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/api/me`, { headers: { authorization: `Bearer ${TOKEN}`, cookie: COOKIE } });
    await response.text();
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  return lines.join('');
}

describe('request logs', () => {
  it('carry the request but never the bearer token, the cookie or the Set-Cookie value', async () => {
    const log = await logOfOneRequest();
    expect(log).toContain('/api/me');
    expect(log).toContain('[redacted]');
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain('cookie-secret-value');
  });

  it('redact passwords in logged objects', () => {
    const { lines, sink } = memorySink();
    createLogger('info', {}, sink).info({ body: { email: 'a@b.test', password: 'hunter2' } }, 'login');
    expect(lines.join('')).not.toContain('hunter2');
  });
});
