/**
 * The SMTP sink of `bench:campaigns`, in a process of its own so that the CPU time of the
 * Weft process is Weft's: takes every message, prints `port <n>` once listening and a line
 * `+` per message taken.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

const sink = new SMTPServer({
  disabledCommands: ['STARTTLS', 'AUTH'],
  authOptional: true,
  logger: false,
  onData(stream, _session, callback) {
    stream.on('data', () => {});
    stream.on('end', () => {
      process.stdout.write('+\n');
      callback();
    });
  },
});
sink.listen(0, '127.0.0.1', () => {
  process.stdout.write(`port ${(sink.server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => sink.close(() => process.exit(0)));
