/**
 * The SMTP listener (`smtp-server`): on only when `WEFT_SMTP_PORT` is set. It takes mail for
 * the accepted domains, refuses a message over the size limit, asks for AUTH when a user is
 * configured, and answers 250 only once the message is stored (a 451 otherwise: the sender
 * tries again, nothing is lost).
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Db } from '../db/index.ts';
import { captureInboundMessage } from './capture.ts';

export interface SmtpListenerOptions {
  port: number;
  host?: string;
  /** Bytes; larger messages are refused with 552. */
  maxBytes?: number;
  /** Recipient domains taken; empty: any. */
  acceptedDomains?: string[];
  /** When set, clients must AUTH with these. */
  auth?: { username: string; password: string };
  onError?: (error: Error) => void;
}

export async function startSmtpListener(db: Db, options: SmtpListenerOptions) {
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const domains = (options.acceptedDomains ?? []).map((domain) => domain.toLowerCase());
  const server = new SMTPServer({
    name: 'weft',
    banner: 'Weft email capture',
    size: maxBytes,
    logger: false,
    // No TLS certificate is configured here: put a relay with STARTTLS in front on the internet.
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      const ok =
        options.auth && auth.username === options.auth.username && auth.password === options.auth.password;
      if (ok) return callback(null, { user: auth.username });
      callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      const domain = address.address.split('@')[1]?.toLowerCase() ?? '';
      if (domains.length > 0 && !domains.includes(domain))
        return callback(
          Object.assign(new Error(`Mail for ${domain} is not taken here`), { responseCode: 550 }),
        );
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded)
          return callback(
            Object.assign(new Error(`Message larger than ${maxBytes} bytes`), { responseCode: 552 }),
          );
        captureInboundMessage(db, {
          source: 'smtp',
          raw: Buffer.concat(chunks),
          envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
        }).then(
          () => callback(),
          (error: Error) => {
            options.onError?.(error);
            callback(
              Object.assign(new Error('Could not store the message; try again later'), { responseCode: 451 }),
            );
          },
        );
      });
    },
  });
  server.on('error', (error) => options.onError?.(error));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
