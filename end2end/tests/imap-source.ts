// The old mail server the auto migration tests move mailboxes from: Debian's Dovecot on
// 127.0.0.1:3143 in a directory of its own, plain IMAP (no TLS: loopback only), users and
// passwords from a file. Mail is put there with Python's imaplib, as a mail app would.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const OLD_IMAP_PORT = 3143;
export const OLD_IMAP_SERVER = `127.0.0.1:${OLD_IMAP_PORT}`;

/** One message on the old server. */
export interface OldMessage {
  folder: string;
  subject: string;
  /** IMAP system flags, such as `\\Seen`. */
  flags: string[];
  /** The internal date (when it arrived), seconds since 1970. */
  date: number;
}

export class OldServer {
  private constructor(
    readonly dir: string,
    private readonly dovecot: ChildProcess,
  ) {}

  /** Starts Dovecot with these users (address → password); waits until it answers. */
  static async start(users: Record<string, string>): Promise<OldServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'old-imap-'));
    // Dovecot's mail processes run as the dovecot user: they must reach the homes inside.
    fs.chmodSync(dir, 0o755);
    for (const sub of ['run', 'state', 'home']) fs.mkdirSync(path.join(dir, sub));
    execFileSync('chown', ['dovecot:dovecot', path.join(dir, 'home')]);
    const lines = Object.entries(users).map(([user, password]) => `${user}:{PLAIN}${password}`);
    fs.writeFileSync(path.join(dir, 'users'), lines.join('\n') + '\n', { mode: 0o644 });
    const conf = path.join(dir, 'dovecot.conf');
    fs.writeFileSync(conf, config(dir));
    const dovecot = spawn('dovecot', ['-F', '-c', conf], { stdio: 'ignore' });
    const server = new OldServer(dir, dovecot);
    for (let i = 0; i < 400 && dovecot.exitCode === null; i++) {
      // Its own listener, not a leftover one: the process must still be running.
      if ((await answers(OLD_IMAP_PORT)) && dovecot.exitCode === null) return server;
      await new Promise((r) => setTimeout(r, 25));
    }
    const log = fs.existsSync(path.join(dir, 'dovecot.log')) ? fs.readFileSync(path.join(dir, 'dovecot.log'), 'utf8') : '';
    await server.stop();
    throw new Error(`dovecot did not start (make test installs dovecot-imapd):\n${log}`);
  }

  /** Appends the messages to `user`'s mailbox, creating folders as needed. */
  append(user: string, password: string, messages: OldMessage[]) {
    const out = execFileSync('python3', ['-c', APPEND, String(OLD_IMAP_PORT), user, password, JSON.stringify(messages)], {
      encoding: 'utf8',
    });
    if (out.trim() !== String(messages.length)) throw new Error(`imaplib appended ${out}`);
  }

  async stop() {
    if (this.dovecot.exitCode === null && this.dovecot.signalCode === null) {
      const exited = new Promise((r) => this.dovecot.once('exit', r));
      this.dovecot.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function config(dir: string): string {
  return `protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 100
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${OLD_IMAP_PORT}
  }
}
service anvil {
  chroot =
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=${dir}/home/%u
}
`;
}

/** True when something accepts connections on the port. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Logs in and APPENDs each message with its flags and internal date; prints the count. */
const APPEND = String.raw`
import imaplib, json, sys
from email.utils import formatdate
port, user, password, messages = int(sys.argv[1]), sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
imap = imaplib.IMAP4('127.0.0.1', port)
imap.login(user, password)
made = set()
for i, m in enumerate(messages):
    folder = m['folder']
    if folder != 'INBOX' and folder not in made:
        imap.create(folder)
        made.add(folder)
    text = (
        'From: Old Friend <friend@old.example>\r\n'
        'To: %s\r\n'
        'Subject: %s\r\n'
        'Date: %s\r\n'
        'Message-ID: <old-%d-%d@old.example>\r\n'
        '\r\n'
        'Kept on the old server.\r\n'
    ) % (user, m['subject'], formatdate(m['date']), m['date'], i)
    flags = '(%s)' % ' '.join(m['flags']) if m['flags'] else None
    kind, answer = imap.append(folder, flags, imaplib.Time2Internaldate(m['date']), text.encode())
    if kind != 'OK':
        raise SystemExit('APPEND refused: %r' % answer)
imap.logout()
print(len(messages))
`;
