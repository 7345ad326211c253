import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface ReceivedMail {
  envelopeTo: string[];
  messageId: string;
  subject: string;
  parsed: ParsedMail;
  raw: Buffer;
  acceptedAt: number;
  sessionId: string;
}

export interface SmtpRejection {
  code: number;
  message: string;
}

/** Decides per recipient whether the receiver refuses it; `attempt` counts RCPT TO for that address, from 1. */
export type RecipientRule = (address: string, attempt: number) => SmtpRejection | undefined;

export interface SmtpReceiver {
  port: number;
  url: string;
  mails: ReceivedMail[];
  rcptAttempts: Map<string, number>;
  setRule(rule: RecipientRule | undefined): void;
  /** holds every message this long before answering 250, so sends stay in flight */
  setAcceptDelay(ms: number): void;
  mailsTo(address: string): ReceivedMail[];
  close(): Promise<void>;
}

/** A real SMTP server on port 0 that stores every accepted message (parsed with mailparser). */
export async function startSmtpReceiver(options: { auth?: { user: string; pass: string } } = {}): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const rcptAttempts = new Map<string, number>();
  let rule: RecipientRule | undefined;
  let acceptDelayMs = 0;
  const closedSessions = new Set<string>();

  const server = new SMTPServer({
    secure: false,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    logger: false,
    onClose(session) {
      closedSessions.add(session.id);
    },
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) {
        callback(null, { user: auth.username });
        return;
      }
      const err = Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 });
      callback(err);
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const key = address.address.toLowerCase();
      const attempt = (rcptAttempts.get(key) ?? 0) + 1;
      rcptAttempts.set(key, attempt);
      const rejection = rule?.(key, attempt);
      if (rejection) {
        callback(Object.assign(new Error(rejection.message), { responseCode: rejection.code }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        new Promise((resolve) => setTimeout(resolve, acceptDelayMs))
          .then(() => simpleParser(raw))
          .then((parsed) => {
            // commit together with the 250 reply: a client that hung up meanwhile never learned of the
            // acceptance and will resend (RFC 1047); a queueing MTA would keep both copies
            if (closedSessions.has(session.id) || clientHungUp(session.id)) {
              callback(new Error('client went away'));
              return;
            }
            mails.push({
              envelopeTo: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              messageId: parsed.messageId ?? '',
              subject: parsed.subject ?? '',
              parsed,
              raw,
              acceptedAt: Date.now(),
              sessionId: session.id,
            });
            callback();
          })
          .catch(callback);
      });
    },
  });
  /** the client's side of the connection has ended (FIN seen), even if 'close' has not fired yet */
  function clientHungUp(sessionId: string): boolean {
    const connections = (server as unknown as { connections: Set<{ id: string; _socket?: { readableEnded?: boolean; destroyed?: boolean } }> })
      .connections;
    for (const connection of connections) {
      if (connection.id === sessionId) return Boolean(connection._socket?.readableEnded || connection._socket?.destroyed);
    }
    return true;
  }
  // a worker killed mid-session resets its connection: expected in the crash tests, and without a listener
  // smtp-server's 'error' event would take the whole test file down
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') console.error('smtp receiver:', err);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  const credentials = options.auth ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@` : '';
  return {
    port,
    url: `smtp://${credentials}127.0.0.1:${port}`,
    mails,
    rcptAttempts,
    setRule(next) {
      rule = next;
    },
    setAcceptDelay(ms) {
      acceptDelayMs = ms;
    },
    mailsTo(address) {
      return mails.filter((m) => m.envelopeTo.includes(address.toLowerCase()));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
