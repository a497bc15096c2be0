// Keccak-256 (Ethereum's, padding 0x01 — not NIST SHA3-256). One seam: the hot path uses the
// WebAssembly permutation from keccakWasm.ts, with @noble/hashes as the fallback and the reference
// the tests compare against.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { createWasmKeccak256 } from './keccakWasm.js';

const wasm = process.env.LIVEPEER_TS_KECCAK === 'js' ? null : createWasmKeccak256();

/** keccak256(data) into out[off..off+32] (no allocation); returns `out`. */
export const keccak256Into: (data: Uint8Array, out: Uint8Array, off: number) => Uint8Array =
  wasm ??
  ((data, out, off) => {
    out.set(keccak_256(data), off);
    return out;
  });

/** keccak256(data) as a fresh 32-byte array. */
export function keccak256(data: Uint8Array): Uint8Array {
  return keccak256Into(data, new Uint8Array(32), 0);
}

/** 'wasm' or 'js': which Keccak implementation is in use. */
export function keccakBackend(): 'wasm' | 'js' {
  return wasm ? 'wasm' : 'js';
}
