// secp256k1 backends. The hot path (ecrecover per ticket) uses native libsecp256k1 from the
// `secp256k1` npm addon; when the addon cannot load we fall back to pure-JS @noble/curves. The
// choice is automatic, overridable with LIVEPEER_TS_CRYPTO=js|native or setCryptoBackend(), so tests
// can run every vector under both.
import { createRequire } from 'node:module';
import { secp256k1 as noble } from '@noble/curves/secp256k1.js';
import { PmError } from './errors.js';

export type CryptoBackendName = 'native' | 'js';

export interface CryptoBackend {
  readonly name: CryptoBackendName;
  /**
   * Uncompressed public key (65 bytes, 0x04 ‖ X ‖ Y) for a 64-byte r‖s and recid 0/1, or null.
   * The native backend returns a shared buffer, valid until its next call: copy it to keep it.
   */
  recover(digest32: Uint8Array, sig64: Uint8Array, recid: number): Uint8Array | null;
  /** Deterministic (RFC 6979), low-s signature over a 32-byte digest. */
  sign(digest32: Uint8Array, privateKey: Uint8Array): { sig64: Uint8Array; recid: number };
  /** Uncompressed public key (65 bytes). */
  publicKey(privateKey: Uint8Array): Uint8Array;
}

interface NativeSecp256k1 {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed?: boolean, out?: Uint8Array): Uint8Array;
  ecdsaSign(msg32: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  publicKeyCreate(privateKey: Uint8Array, compressed?: boolean): Uint8Array;
}

export const jsBackend: CryptoBackend = {
  name: 'js',
  recover(digest32, sig64, recid) {
    try {
      const sig = noble.Signature.fromBytes(sig64, 'compact').addRecoveryBit(recid);
      return sig.recoverPublicKey(digest32).toBytes(false);
    } catch {
      return null;
    }
  },
  sign(digest32, privateKey) {
    const s = noble.sign(digest32, privateKey, { prehash: false, lowS: true, format: 'recovered' });
    return { sig64: s.subarray(1, 65), recid: s[0]! };
  },
  publicKey(privateKey) {
    return noble.getPublicKey(privateKey, false);
  },
};

let nativeLoad: { backend: CryptoBackend } | { error: Error } | undefined;

function loadNative(): CryptoBackend | null {
  if (!nativeLoad) {
    try {
      // `secp256k1` itself silently falls back to elliptic.js; require the addon binding directly so
      // "native" really means libsecp256k1.
      const lib = createRequire(import.meta.url)('secp256k1/bindings') as NativeSecp256k1;
      const out = new Uint8Array(65);
      nativeLoad = {
        backend: {
          name: 'native',
          recover(digest32, sig64, recid) {
            try {
              // The addon writes into `out` (no allocation per ticket); callers hash it at once.
              return lib.ecdsaRecover(sig64, recid, digest32, false, out);
            } catch {
              return null;
            }
          },
          sign(digest32, privateKey) {
            const r = lib.ecdsaSign(digest32, privateKey);
            return { sig64: r.signature, recid: r.recid };
          },
          publicKey(privateKey) {
            return lib.publicKeyCreate(privateKey, false);
          },
        },
      };
    } catch (err) {
      nativeLoad = { error: err instanceof Error ? err : new Error(String(err)) };
    }
  }
  return 'backend' in nativeLoad ? nativeLoad.backend : null;
}

/** True when the native libsecp256k1 addon loads on this machine. */
export function nativeCryptoAvailable(): boolean {
  return loadNative() !== null;
}

let current: CryptoBackend | undefined;

function choose(pref: string | undefined): CryptoBackend {
  if (pref === 'js') return jsBackend;
  if (pref === 'native') {
    const n = loadNative();
    if (!n) {
      const why = nativeLoad && 'error' in nativeLoad ? nativeLoad.error.message : 'unknown';
      throw new PmError('CRYPTO_BACKEND_UNAVAILABLE', `native secp256k1 requested but the addon did not load (${why}); use LIVEPEER_TS_CRYPTO=js or reinstall the secp256k1 package`, true);
    }
    return n;
  }
  if (pref !== undefined && pref !== '' && pref !== 'auto') {
    throw new PmError('CRYPTO_BACKEND_UNAVAILABLE', `unknown crypto backend "${pref}": use native, js or auto`, true);
  }
  return loadNative() ?? jsBackend;
}

/** The backend in use (chosen on first use from LIVEPEER_TS_CRYPTO, default auto). */
export function getCryptoBackend(): CryptoBackend {
  if (!current) current = choose(process.env.LIVEPEER_TS_CRYPTO);
  return current;
}

/** 'native' or 'js': which secp256k1 implementation verifies and signs tickets. */
export function cryptoBackend(): CryptoBackendName {
  return getCryptoBackend().name;
}

/** Forces a backend ('auto' = native when available). Returns the one now in use. */
export function setCryptoBackend(name: CryptoBackendName | 'auto'): CryptoBackendName {
  current = choose(name);
  return current.name;
}
