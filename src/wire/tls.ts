// A self-signed TLS certificate for the orchestrator's single gRPC + HTTPS port, as go-livepeer's
// getCert does: generated once into the data dir (cert.pem / key.pem) and reused on later starts.
// Clients do not verify it (go-livepeer gateways use InsecureSkipVerify), so it only needs to be a
// valid certificate; it is regenerated when expired or when a requested host is not covered.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { WireError } from './errors.js';

export interface TlsCert {
  /** PEM */
  cert: string;
  /** PEM */
  key: string;
  certPath: string;
  keyPath: string;
  /** SHA-256 fingerprint (colon-separated hex), for logs and pinning. */
  fingerprint256: string;
  /** True when this call generated a new certificate. */
  generated: boolean;
}

export const CERT_FILE = 'cert.pem';
export const KEY_FILE = 'key.pem';
const VALIDITY_DAYS = 3650;

function covers(x: X509Certificate, host: string): boolean {
  return isIP(host) ? x.checkIP(host) !== undefined : x.checkHost(host) !== undefined;
}

function loadExisting(certPath: string, keyPath: string, hosts: readonly string[]): TlsCert | undefined {
  if (!existsSync(certPath) || !existsSync(keyPath)) return undefined;
  try {
    const cert = readFileSync(certPath, 'utf8');
    const key = readFileSync(keyPath, 'utf8');
    const x = new X509Certificate(cert);
    // Renew a day early so a node started just before expiry does not serve an expired cert.
    if (Date.parse(x.validTo) - Date.now() < 24 * 3600_000) return undefined;
    if (!hosts.every((h) => covers(x, h))) return undefined;
    return { cert, key, certPath, keyPath, fingerprint256: x.fingerprint256, generated: false };
  } catch {
    return undefined; // unreadable or corrupt: regenerate
  }
}

function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

/**
 * Returns the data dir's certificate, generating (EC P-256, SHA-256, 10 years) and writing it when
 * missing, unreadable, expiring, or not covering every host in `hosts` (DNS names or IPs; default
 * localhost + 127.0.0.1 + ::1 are always included).
 */
export async function ensureTlsCert(dataDir: string, hosts: readonly string[] = []): Promise<TlsCert> {
  const all = [...new Set(['localhost', '127.0.0.1', '::1', ...hosts.filter((h) => h !== '')])];
  const certPath = join(dataDir, CERT_FILE);
  const keyPath = join(dataDir, KEY_FILE);
  const existing = loadExisting(certPath, keyPath, all);
  if (existing) return existing;
  try {
    mkdirSync(dataDir, { recursive: true });
    // Loaded only here: selfsigned brings ~250 modules (@peculiar/x509, asn1, tsyringe), ~0.3 s of
    // CPU on every start of every node that imports the wire layer, although a data dir that has
    // its certificate never needs them.
    const { generate } = await import('selfsigned');
    const notBeforeDate = new Date(Date.now() - 3600_000);
    const pems = await generate([{ name: 'commonName', value: hosts[0] ?? 'localhost' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate,
      notAfterDate: new Date(notBeforeDate.getTime() + VALIDITY_DAYS * 86400_000),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: all.map((h) => (isIP(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h })),
        },
      ],
    });
    writeAtomic(keyPath, pems.private, 0o600);
    writeAtomic(certPath, pems.cert, 0o644);
    const x = new X509Certificate(pems.cert);
    return { cert: pems.cert, key: pems.private, certPath, keyPath, fingerprint256: x.fingerprint256, generated: true };
  } catch (err) {
    throw new WireError('WIRE_TLS_CERT', `cannot create a TLS certificate in ${dataDir}: ${(err as Error).message} (check that the data dir is writable)`, {
      cause: err,
    });
  }
}
