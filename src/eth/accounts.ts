// Dev accounts: anvil derives them from a mnemonic (m/44'/60'/0'/0/i); we derive the same keys so
// callers can sign locally. Roles describe what the devnet set each account up as.
import { bytesToHex, type Address, type Hex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';

/** anvil's default mnemonic: its accounts are public knowledge, never use them on a real chain. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

export type DevRole = 'deployer' | 'orchestrator' | 'gateway' | 'user';

export interface DevAccount {
  address: Address;
  privateKey: Hex;
  role: DevRole;
}

export function deriveDevKeys(count: number, mnemonic = ANVIL_MNEMONIC): { address: Address; privateKey: Hex }[] {
  const out: { address: Address; privateKey: Hex }[] = [];
  for (let i = 0; i < count; i++) {
    const acct = mnemonicToAccount(mnemonic, { addressIndex: i });
    const pk = acct.getHdKey().privateKey;
    if (!pk) throw new Error(`no private key derived for index ${i}`);
    out.push({ address: acct.address, privateKey: bytesToHex(pk) });
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
