/**
 * A real IMAP server for tests: Debian's dovecot (`apt-get install dovecot-imapd`; `.ci/run`
 * installs it), started from a config in a temporary folder on a free loopback port, with
 * one user. It runs as whoever runs the tests (its login and internal users are that user
 * when it is not root) and is stopped at the end of the file.
 */
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { onTestEnd } from './cleanup.ts';

export const dovecotPath = process.env.WEFT_DOVECOT ?? '/usr/sbin/dovecot';

function systemUser(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid) throw new Error(`no system user ${name}: install dovecot-imapd`);
  return { uid: Number(uid), gid: Number(gid) };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`dovecot did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startDovecot(user = 'weft', password = 'mail-password') {
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-dovecot-'));
  // dovecot's auth process runs as its own user when started as root: it must reach the passwd file.
  chmodSync(dir, 0o755);
  for (const sub of ['run', 'state', 'home']) mkdirSync(path.join(dir, sub));
  const port = await freePort();
  const me = userInfo();
  const root = me.uid === 0;
  // dovecot refuses to keep mail as root: as root, the mail belongs to its own `dovecot` user.
  const owner = root ? systemUser('dovecot') : { uid: me.uid, gid: me.gid };
  chownSync(path.join(dir, 'home'), owner.uid, owner.gid);
  writeFileSync(path.join(dir, 'passwd'), `${user}:{PLAIN}${password}\n`);
  writeFileSync(
    path.join(dir, 'dovecot.conf'),
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = ${root ? 'dovenull' : me.username}
default_internal_user = ${root ? 'dovecot' : me.username}
first_valid_uid = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${owner.uid} gid=${owner.gid} home=${dir}/home/%u
}
mail_location = maildir:~/Maildir
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`,
  );
  const child = spawn(dovecotPath, ['-F', '-c', path.join(dir, 'dovecot.conf')], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  onTestEnd(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  await waitForPort(port);
  return { host: '127.0.0.1', port, user, password, dir };
}
