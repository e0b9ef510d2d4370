// A real DNS server on loopback for the specs that need one: Debian's dnsmasq, on the port
// serve.sh gives the portal as its resolver.
import { ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';

export const DNS_PORT = 3153;

/** Starts dnsmasq answering one TXT record; resolves once it accepts connections. */
export async function startDns(name: string, text: string): Promise<ChildProcess> {
  const dns = spawn('/usr/sbin/dnsmasq', [
    '--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts',
    '--listen-address=127.0.0.1', '--bind-interfaces', '--pid-file=', `--port=${DNS_PORT}`,
    `--txt-record=${name},${text}`,
  ], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(DNS_PORT, '127.0.0.1', () => { socket.end(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (up) return dns;
    await new Promise((r) => setTimeout(r, 25));
  }
  dns.kill();
  throw new Error('dnsmasq did not start');
}
