import net from 'node:net';

/** What nodemailer hands its `getSocket` hook: the transport's options (host and port from SMTP_URL). */
export interface SmtpSocketTarget {
  host?: string;
  port?: number | string;
  secure?: boolean;
  localAddress?: string;
}

type SocketCallback = (err: Error | null, socketOptions?: { connection: net.Socket }) => void;

/** An error as nodemailer reports its own connection failures (code ECONNECTION, ETIMEDOUT, EDNS): classified the same way. */
function connectionError(err: NodeJS.ErrnoException | Error, code: string): Error {
  return Object.assign(new Error(`${code === 'ETIMEDOUT' ? 'Connection timeout' : 'Connection error'}: ${err.message}`), { code, cause: err });
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);

/**
 * A `getSocket` hook for nodemailer that opens each pooled connection with Nagle's algorithm off (TCP_NODELAY).
 * nodemailer writes a message in several small writes and waits for the server's reply to the final dot; with Nagle
 * on, the last write waits for the acknowledgement of the one before, which the server's delayed ACK holds back for
 * about 40 ms: a fixed stall per mail, so a connection delivered about 22 mails a second however fast the server
 * answered (measured here: 65 against 760 mails/s over 3 connections to a local receiver; `npm run bench`). The
 * socket is handed over connected; nodemailer still does the greeting, STARTTLS, implicit TLS (upgrading this
 * socket for `smtps://`), authentication and every timeout after the connect.
 */
export function noDelaySmtpSocket(connectTimeoutMs: number) {
  return (target: SmtpSocketTarget, callback: SocketCallback): void => {
    const port = Number(target.port) || (target.secure ? 465 : 587);
    const socket = new net.Socket();
    // set before the connect, applied as it is made
    socket.setNoDelay(true);
    let settled = false;
    const settle = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('error', onError);
      if (err) {
        socket.destroy();
        callback(err);
        return;
      }
      socket.setKeepAlive(true);
      callback(null, { connection: socket });
    };
    const onError = (err: NodeJS.ErrnoException) => settle(connectionError(err, DNS_CODES.has(err.code ?? '') ? 'EDNS' : 'ECONNECTION'));
    socket.once('error', onError);
    socket.once('connect', () => settle(null));
    const timer = setTimeout(() => settle(connectionError(new Error(`no connection to ${target.host}:${port} within ${connectTimeoutMs} ms`), 'ETIMEDOUT')), connectTimeoutMs);
    try {
      socket.connect({ host: target.host || 'localhost', port, ...(target.localAddress ? { localAddress: target.localAddress } : {}) });
    } catch (err) {
      // a port out of range throws at once: reported like any connection that could not be made
      setImmediate(() => onError(err as NodeJS.ErrnoException));
    }
  };
}
