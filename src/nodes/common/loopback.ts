// Loopback by rule, never by resolving: literal 127.0.0.0/8 and ::1, and the name `localhost`
// (which is then bound as 127.0.0.1 itself, see bindAddress), so a tampered hosts file cannot
// turn an unauthenticated "loopback" bind into a public one. Shared by every node that can spend.
import { isIP } from 'node:net';

export function isLoopback(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

/** The address to listen on: `localhost` becomes 127.0.0.1 so listen() never looks it up in /etc/hosts. */
export function bindAddress(host: string): string {
  return host.toLowerCase() === 'localhost' ? '127.0.0.1' : host;
}
