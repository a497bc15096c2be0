// Dev accounts: anvil derives them from a mnemonic (m/44'/60'/0'/0/i); we derive the same keys so
// callers can sign locally. Roles describe what the devnet set each account up as.
import { pbkdf2Sync } from 'node:crypto';
import { bytesToHex, type Address, type Hex } from 'viem';
import { HDKey, privateKeyToAddress } from 'viem/accounts';

/** anvil's default mnemonic: its accounts are public knowledge, never use them on a real chain. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

export type DevRole = 'deployer' | 'orchestrator' | 'gateway' | 'user';

export interface DevAccount {
  address: Address;
  privateKey: Hex;
  role: DevRole;
}

/**
 * BIP-39 seed, then BIP-32 m/44'/60'/0'/0/i for i < count. The seed is PBKDF2-HMAC-SHA512 of the
 * NFKD mnemonic, salt "mnemonic" (no passphrase), 2048 rounds, 64 bytes, computed once by node's
 * native crypto: viem's mnemonicToAccount recomputes it in JavaScript for every account (~30 ms
 * each), which was a quarter of every devnet start's CPU. accounts.test.ts checks the keys against
 * anvil's published ones and against mnemonicToAccount.
 */
export function deriveDevKeys(count: number, mnemonic = ANVIL_MNEMONIC): { address: Address; privateKey: Hex }[] {
  const seed = pbkdf2Sync(mnemonic.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512');
  const parent = HDKey.fromMasterSeed(seed).derive("m/44'/60'/0'/0");
  const out: { address: Address; privateKey: Hex }[] = [];
  for (let i = 0; i < count; i++) {
    const pk = parent.deriveChild(i).privateKey;
    if (!pk) throw new Error(`no private key derived for index ${i}`);
    const privateKey = bytesToHex(pk);
    out.push({ address: privateKeyToAddress(privateKey), privateKey });
  }
  return out;
}

/** Account 0 deploys; then `orchestrators`, then `gateways`; the rest are plain funded users. */
export function assignRoles(
  keys: { address: Address; privateKey: Hex }[],
  orchestrators: number,
  gateways: number,
): DevAccount[] {
  return keys.map((k, i) => ({
    ...k,
    role: i === 0 ? 'deployer' : i <= orchestrators ? 'orchestrator' : i <= orchestrators + gateways ? 'gateway' : 'user',
  }));
}
