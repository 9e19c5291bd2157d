import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { onTestEnd } from './cleanup.ts';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/**
 * A real SMTP server on 127.0.0.1 for tests: it keeps every message it accepted, and
 * `rejectNext` makes it refuse the next messages with a temporary 451.
 */
export async function startSmtpServer(options: { users?: Record<string, string> } = {}) {
  const received: ReceivedMail[] = [];
  const state = { rejectNext: 0, attempts: 0 };
  const serverOptions: SMTPServerOptions = {
    disabledCommands: options.users ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.users,
    logger: false,
    onAuth(auth, _session, callback) {
      if (options.users?.[auth.username ?? ''] === auth.password)
        return callback(null, { user: auth.username });
      callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        state.attempts++;
        if (state.rejectNext > 0) {
          state.rejectNext--;
          return callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
        }
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  onTestEnd(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port, received, state };
}
