import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { classifySmtpError } from '../../src/mail/smtp-errors';
import { createSmtpMailer } from '../../src/mail/smtp-mailer';
import { noDelaySmtpSocket } from '../../src/mail/smtp-socket';
import { freePort } from '../support/ports';

interface Received {
  messageId: string;
  /** the client's port of the session that carried it */
  clientPort: number;
  secure: boolean;
}

/** A real SMTP server (smtp-server, its built-in self-signed certificate for TLS) that records each accepted message. */
async function startServer(tls: 'none' | 'starttls' | 'implicit') {
  const received: Received[] = [];
  const server = new SMTPServer({
    secure: tls === 'implicit',
    disabledCommands: tls === 'none' ? ['STARTTLS', 'AUTH'] : ['AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => (head += chunk.toString('latin1')));
      stream.on('end', () => {
        received.push({ messageId: /^message-id:\s*(<[^>]+>)/im.exec(head)?.[1] ?? '', clientPort: session.remotePort, secure: session.secure });
        callback(null, 'Queued');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function mail(n: number) {
  return { to: `u${n}@example.test`, subject: 'Ticket updated', text: `line\n`.repeat(400), html: '<p>hi</p>', messageId: `<m${n}@helpdesk.test>`, references: [] };
}

describe('SMTP connections opened with Nagle’s algorithm off', () => {
  let setNoDelay: jest.SpyInstance;
  /** the local ports of the sockets told setNoDelay(true) */
  const noDelayPorts = new Set<number>();
  beforeEach(() => {
    noDelayPorts.clear();
    const original = net.Socket.prototype.setNoDelay;
    setNoDelay = jest.spyOn(net.Socket.prototype, 'setNoDelay').mockImplementation(function (this: net.Socket, noDelay?: boolean) {
      // the flag is set before the connect; the port is known once it is made
      if (noDelay !== false) this.once('connect', () => noDelayPorts.add(this.localPort ?? 0));
      return original.call(this, noDelay);
    });
  });
  afterEach(() => setNoDelay.mockRestore());

  it.each([
    ['plain SMTP', 'none', 'smtp://127.0.0.1:PORT', false],
    ['STARTTLS', 'starttls', 'smtp://127.0.0.1:PORT/?tls.rejectUnauthorized=false', true],
    ['implicit TLS (smtps)', 'implicit', 'smtps://127.0.0.1:PORT/?tls.rejectUnauthorized=false', true],
  ] as const)('%s: every mail of the pool travels on a TCP_NODELAY connection', async (_name, tls, url, secure) => {
    const server = await startServer(tls);
    const mailer = createSmtpMailer({ url: url.replace('PORT', String(server.port)), from: 'hd@helpdesk.test', maxConnections: 2 });
    try {
      await Promise.all([1, 2, 3, 4, 5].map((n) => mailer.send(mail(n))));
    } finally {
      await mailer.close();
      await server.close();
    }
    expect(server.received.map((m) => m.messageId).sort()).toEqual(['<m1@helpdesk.test>', '<m2@helpdesk.test>', '<m3@helpdesk.test>', '<m4@helpdesk.test>', '<m5@helpdesk.test>']);
    expect(server.received.every((m) => m.secure === secure)).toBe(true);
    for (const m of server.received) expect(noDelayPorts.has(m.clientPort)).toBe(true);
  });

  it('a refused connection fails as nodemailer’s own do: ECONNECTION, transient', async () => {
    const port = await freePort();
    const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${port}`, from: 'hd@helpdesk.test' });
    try {
      const failure = await mailer.send(mail(1)).then(
        () => undefined,
        (err: unknown) => classifySmtpError(err),
      );
      expect(failure).toMatchObject({ type: 'SmtpTransientFailure', retryable: true, code: 'ECONNECTION' });
    } finally {
      await mailer.close();
    }
  });

  it('a port out of range fails the send as a connection error, without throwing out of the pool', async () => {
    const mailer = createSmtpMailer({ url: 'smtp://127.0.0.1:99999', from: 'hd@helpdesk.test' });
    try {
      const failure = await mailer.send(mail(1)).then(
        () => undefined,
        (err: unknown) => classifySmtpError(err),
      );
      expect(failure).toMatchObject({ type: 'SmtpTransientFailure', code: 'ECONNECTION' });
    } finally {
      await mailer.close();
    }
  });

  it('an unknown host fails as a DNS error (EDNS), transient', async () => {
    const open = noDelaySmtpSocket(5000);
    const err = await new Promise<Error | null>((resolve) => open({ host: 'no-such-host.invalid', port: 25 }, (e) => resolve(e)));
    expect(err).toMatchObject({ code: 'EDNS' });
    expect(classifySmtpError(err)).toMatchObject({ type: 'SmtpTransientFailure', retryable: true });
  });
});
