// Mail for the test portal's SMTP listener (127.0.0.1:3125), sent by Python's smtplib as a
// real client sends it: the specs that need rows in the log, kept mail in the quarantine,
// copies in the queue or figures in the statistics.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
/** Plain ham: delivered. */
export const HAM = 'Hello,\nthe minutes of the meeting are below.\nRegards\n';
/** GTUBE spam: kept in quarantine, the client told 550. */
export const SPAM = `Win a prize!\n${GTUBE}\n`;
/** The envelope sender unless a spec names another. */
export const SENDER = 'news@sender.example';

/**
 * Sends one message and prints what became of it: `accepted` (250 after DATA), `kept`
 * (550 after DATA: quarantined) or `refused` (every recipient refused at RCPT). The client
 * greets as `mx.<the sender's domain>`.
 */
const SEND = String.raw`
import smtplib, sys
from email.utils import formatdate, make_msgid
sender, rcpts, subject, ctype, body = sys.argv[1:6]
rcpts = rcpts.split(',')
domain = sender.rsplit('@', 1)[-1]
head = [
    'From: Newsletter Desk <%s>' % sender,
    'To: %s' % ', '.join(rcpts),
    'Subject: %s' % subject,
    'Date: %s' % formatdate(),
    'Message-ID: %s' % make_msgid(domain=domain),
    'MIME-Version: 1.0',
    'Content-Type: %s; charset=utf-8' % ctype,
    'Content-Transfer-Encoding: 8bit',
]
text = '\r\n'.join(head) + '\r\n\r\n' + '\r\n'.join(body.splitlines()) + '\r\n'
with smtplib.SMTP('127.0.0.1', 3125, local_hostname='mx.' + domain, timeout=20) as s:
    try:
        s.sendmail(sender, rcpts, text.encode('utf-8'))
        print('accepted')
    except smtplib.SMTPRecipientsRefused:
        print('refused')
    except smtplib.SMTPDataError as e:
        if e.smtp_code != 550:
            raise
        print('kept')
`;

export interface Sending {
  /** The envelope sender and From address; `SENDER` unless given. */
  from?: string;
  /** `text/plain` unless given. */
  contentType?: string;
}

function args(to: string[], subject: string, body: string, how: Sending): string[] {
  return ['-c', SEND, how.from ?? SENDER, to.join(','), subject, how.contentType ?? 'text/plain', body];
}

/** Sends a message to `to`; `accepted`, `kept` or `refused`. */
export function sendMail(to: string[], subject: string, body: string, how: Sending = {}): string {
  return execFileSync('python3', args(to, subject, body, how), { encoding: 'utf8' }).trim();
}

/** `sendMail` without waiting, so that several messages go at once (each takes a few seconds). */
export async function sendMailAsync(to: string[], subject: string, body: string, how: Sending = {}): Promise<string> {
  const { stdout } = await promisify(execFile)('python3', args(to, subject, body, how), { encoding: 'utf8' });
  return stdout.trim();
}

/**
 * Sends one message through the submission listener (127.0.0.1:3587) as `user`, signed in
 * with AUTH; `accepted`, `refused` (550 after DATA, e.g. over the hourly limit), `blocked`
 * (refused at MAIL) or `denied` (AUTH refused).
 */
const SUBMIT = String.raw`
import smtplib, sys
user, password, rcpts, subject = sys.argv[1:5]
rcpts = rcpts.split(',')
text = 'From: %s\r\nTo: %s\r\nSubject: %s\r\n\r\nSent from a mail app.\r\n' % (user, ', '.join(rcpts), subject)
with smtplib.SMTP('127.0.0.1', 3587, local_hostname='laptop.example', timeout=20) as s:
    try:
        s.login(user, password)
    except smtplib.SMTPAuthenticationError:
        print('denied')
        sys.exit(0)
    try:
        s.sendmail(user, rcpts, text.encode('utf-8'))
        print('accepted')
    except smtplib.SMTPSenderRefused:
        print('blocked')
    except smtplib.SMTPDataError as e:
        if e.smtp_code != 550:
            raise
        print('refused')
`;

export function submitMail(user: string, password: string, to: string[], subject: string): string {
  return execFileSync('python3', ['-c', SUBMIT, user, password, to.join(','), subject], { encoding: 'utf8' }).trim();
}
