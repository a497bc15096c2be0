// Keccak-256 (Ethereum's, padding 0x01 — not NIST SHA3-256). One seam: the hot path uses hash-wasm's
// WebAssembly Keccak (a maintained library; 64-bit lanes are native in wasm, several times faster
// than a 32-bit-halves JS permutation, and a ticket costs four to five permutations), with
// @noble/hashes as the fallback when WebAssembly is unavailable and the reference tests compare
// against. LIVEPEER_TS_KECCAK=js forces the fallback.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { createKeccak, type IHasher } from 'hash-wasm';

async function loadWasm(): Promise<IHasher | null> {
  if (process.env.LIVEPEER_TS_KECCAK === 'js') return null;
  try {
    // hash-wasm instantiates its module asynchronously, once; the hasher is then used synchronously.
    return await createKeccak(256);
  } catch {
    return null;
  }
}

const hasher = await loadWasm();

function nobleInto(data: Uint8Array, out: Uint8Array, off: number): Uint8Array {
  out.set(keccak_256(data), off);
  return out;
}

function wasmInto(h: IHasher): (data: Uint8Array, out: Uint8Array, off: number) => Uint8Array {
  return (data, out, off) => {
    h.init();
    h.update(data);
    out.set(h.digest('binary'), off);
    return out;
  };
}

/** keccak256(data) into out[off..off+32]; returns `out`. */
export const keccak256Into: (data: Uint8Array, out: Uint8Array, off: number) => Uint8Array = hasher ? wasmInto(hasher) : nobleInto;

/** keccak256(data) as a fresh 32-byte array. */
export function keccak256(data: Uint8Array): Uint8Array {
  return keccak256Into(data, new Uint8Array(32), 0);
}

/** 'wasm' (hash-wasm) or 'js' (@noble/hashes): which Keccak implementation is in use. */
export function keccakBackend(): 'wasm' | 'js' {
  return hasher ? 'wasm' : 'js';
}
