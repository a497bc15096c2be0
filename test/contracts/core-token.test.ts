// LivepeerToken (ERC-20, roles, permit) and Minter (inflation, reward minting cap, setters,
// migration) on a devnet. Revert strings follow OpenZeppelin 4.9 for the token.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeEventLog, maxUint256, parseEther, parseSignature, zeroAddress, type Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { artifact, BURNER_ROLE, deploy, MINTER_ROLE, startDevnet, type DevAccount, type Devnet } from '../../src/eth/index.js';
import { callOf, expectRevert, read } from './core-helpers.js';

let dev: Devnet;
let users: DevAccount[];
before(async () => {
  dev = await startDevnet({ orchestrators: 1, gateways: 1, accounts: 12 });
  users = dev.accounts.filter((a) => a.role === 'user');
});
after(async () => {
  await dev?.stop();
});
const owner = () => dev.accounts[0]!;

describe('LivepeerToken', () => {
  it('metadata and roles: the Minter holds MINTER_ROLE, the deployer is admin and minted nothing for itself', async () => {
    assert.equal(await read(dev, 'LivepeerToken', 'name'), 'Livepeer Token');
    assert.equal(await read(dev, 'LivepeerToken', 'symbol'), 'LPT');
    assert.equal(await read(dev, 'LivepeerToken', 'decimals'), 18);
    assert.equal(await read(dev, 'LivepeerToken', 'hasRole', [MINTER_ROLE, dev.contracts.Minter]), true);
    assert.equal(await read(dev, 'LivepeerToken', 'hasRole', [MINTER_ROLE, owner().address]), false);
    assert.equal(await read(dev, 'LivepeerToken', 'hasRole', [`0x${'00'.repeat(32)}`, owner().address]), true);
    assert.equal(await read(dev, 'LivepeerToken', 'getRoleAdmin', [MINTER_ROLE]), `0x${'00'.repeat(32)}`);
    assert.equal(await read(dev, 'LivepeerToken', 'supportsInterface', ['0x7965db0b']), true);
    assert.equal(await read(dev, 'LivepeerToken', 'supportsInterface', ['0xffffffff']), false);
  });

  it('mint and burn need their roles (OpenZeppelin AccessControl message)', async () => {
    const u = users[0]!;
    const missing = (who: Address, role: string) => `AccessControl: account ${who.toLowerCase()} is missing role ${role}`;
    await expectRevert(dev.send(u, callOf(dev, 'LivepeerToken', 'mint', [u.address, 1n])), missing(u.address, MINTER_ROLE));
    await expectRevert(dev.send(u, callOf(dev, 'LivepeerToken', 'burn', [1n])), missing(u.address, BURNER_ROLE));
    await expectRevert(dev.send(u, callOf(dev, 'LivepeerToken', 'grantRole', [MINTER_ROLE, u.address])), missing(u.address, `0x${'00'.repeat(32)}`));
    // The admin can grant BURNER_ROLE; burning then emits Transfer to 0 and Burn, and lowers the supply.
    await dev.send(owner(), callOf(dev, 'LivepeerToken', 'grantRole', [BURNER_ROLE, u.address]));
    const supply = await read<bigint>(dev, 'LivepeerToken', 'totalSupply');
    const r = await dev.send(u, callOf(dev, 'LivepeerToken', 'burn', [parseEther('1')]));
    const names = r.logs.map((l) => decodeEventLog({ abi: artifact('LivepeerToken').abi, ...l }).eventName);
    assert.deepEqual(names, ['Transfer', 'Burn']);
    assert.equal(await read(dev, 'LivepeerToken', 'totalSupply'), supply - parseEther('1'));
    await expectRevert(dev.send(u, callOf(dev, 'LivepeerToken', 'burn', [parseEther('1000000')])), 'ERC20: burn amount exceeds balance');
    await expectRevert(dev.send(owner(), callOf(dev, 'LivepeerToken', 'renounceRole', [BURNER_ROLE, u.address])), 'AccessControl: can only renounce roles for self');
    await dev.send(owner(), callOf(dev, 'LivepeerToken', 'revokeRole', [BURNER_ROLE, u.address]));
    assert.equal(await read(dev, 'LivepeerToken', 'hasRole', [BURNER_ROLE, u.address]), false);
  });

  it('transfers and allowances revert on failure, and an infinite allowance never decreases', async () => {
    const [a, b] = [users[1]!, users[2]!];
    const bal = await read<bigint>(dev, 'LivepeerToken', 'balanceOf', [a.address]);
    await expectRevert(dev.send(a, callOf(dev, 'LivepeerToken', 'transfer', [b.address, bal + 1n])), 'ERC20: transfer amount exceeds balance');
    await expectRevert(dev.send(a, callOf(dev, 'LivepeerToken', 'transfer', [zeroAddress, 1n])), 'ERC20: transfer to the zero address');
    await expectRevert(dev.send(b, callOf(dev, 'LivepeerToken', 'transferFrom', [a.address, b.address, 1n])), 'ERC20: insufficient allowance');
    await dev.send(a, callOf(dev, 'LivepeerToken', 'approve', [b.address, 10n]));
    await dev.send(a, callOf(dev, 'LivepeerToken', 'increaseAllowance', [b.address, 5n]));
    await dev.send(a, callOf(dev, 'LivepeerToken', 'decreaseAllowance', [b.address, 3n]));
    await expectRevert(dev.send(a, callOf(dev, 'LivepeerToken', 'decreaseAllowance', [b.address, 13n])), 'ERC20: decreased allowance below zero');
    await dev.send(b, callOf(dev, 'LivepeerToken', 'transferFrom', [a.address, b.address, 12n]));
    assert.equal(await read(dev, 'LivepeerToken', 'allowance', [a.address, b.address]), 0n);
    assert.equal(await read(dev, 'LivepeerToken', 'balanceOf', [a.address]), bal - 12n);
    await dev.send(a, callOf(dev, 'LivepeerToken', 'approve', [b.address, maxUint256]));
    await dev.send(b, callOf(dev, 'LivepeerToken', 'transferFrom', [a.address, b.address, 7n]));
    assert.equal(await read(dev, 'LivepeerToken', 'allowance', [a.address, b.address]), maxUint256);
  });

  it('permit: an EIP-712 signature sets the allowance once; replays and other signers are refused', async () => {
    const [holder, spender] = [users[3]!, users[4]!];
    const domain = { name: 'Livepeer Token', version: '1', chainId: dev.chainId, verifyingContract: dev.contracts.LivepeerToken };
    const onChain = await read<readonly unknown[]>(dev, 'LivepeerToken', 'eip712Domain');
    assert.deepEqual(onChain.slice(0, 5), ['0x0f', domain.name, domain.version, BigInt(domain.chainId), domain.verifyingContract]);
    const deadline = 2n ** 40n;
    const sign = (key: `0x${string}`, nonce: bigint, value: bigint) =>
      privateKeyToAccount(key).signTypedData({
        domain,
        types: { Permit: [{ name: 'owner', type: 'address' }, { name: 'spender', type: 'address' }, { name: 'value', type: 'uint256' }, { name: 'nonce', type: 'uint256' }, { name: 'deadline', type: 'uint256' }] },
        primaryType: 'Permit',
        message: { owner: holder.address, spender: spender.address, value, nonce, deadline },
      });
    const sig = parseSignature(await sign(holder.privateKey, 0n, 42n));
    const args = [holder.address, spender.address, 42n, deadline, Number(sig.v), sig.r, sig.s];
    await dev.send(spender, callOf(dev, 'LivepeerToken', 'permit', args));
    assert.equal(await read(dev, 'LivepeerToken', 'allowance', [holder.address, spender.address]), 42n);
    assert.equal(await read(dev, 'LivepeerToken', 'nonces', [holder.address]), 1n);
    await expectRevert(dev.send(spender, callOf(dev, 'LivepeerToken', 'permit', args)), 'ERC20Permit: invalid signature');
    const other = parseSignature(await sign(spender.privateKey, 1n, 42n));
    await expectRevert(
      dev.send(spender, callOf(dev, 'LivepeerToken', 'permit', [holder.address, spender.address, 42n, deadline, Number(other.v), other.r, other.s])),
      'ERC20Permit: invalid signature',
    );
    await expectRevert(dev.send(spender, callOf(dev, 'LivepeerToken', 'permit', [holder.address, spender.address, 42n, 1n, 27, sig.r, sig.s])), 'ERC20Permit: expired deadline');
  });
});

describe('Minter', () => {
  it('createReward mints mintable × num/den (1e9 ratio) and never more than the round’s mintable', async () => {
    const bm = dev.contracts.BondingManager;
    await dev.advanceRounds(1);
    await dev.impersonate(bm);
    const mintable = await read<bigint>(dev, 'Minter', 'currentMintableTokens');
    assert.ok(mintable > 0n);
    const bal = await read<bigint>(dev, 'LivepeerToken', 'balanceOf', [dev.contracts.Minter]);
    await dev.send(bm, callOf(dev, 'Minter', 'createReward', [1n, 3n]));
    const expected = (mintable * ((1n * 1_000_000_000n) / 3n)) / 1_000_000_000n;
    assert.equal(await read(dev, 'Minter', 'currentMintedTokens'), expected);
    assert.equal(await read(dev, 'LivepeerToken', 'balanceOf', [dev.contracts.Minter]), bal + expected);
    await dev.send(bm, callOf(dev, 'Minter', 'createReward', [2n, 3n]));
    await expectRevert(dev.send(bm, callOf(dev, 'Minter', 'createReward', [1n, 100n])), 'count of minted tokens would exceed mintable');
    assert.ok((await read<bigint>(dev, 'Minter', 'currentMintedTokens')) <= mintable);
    // A new round resets the minted count.
    await dev.advanceRounds(1);
    assert.equal(await read(dev, 'Minter', 'currentMintedTokens'), 0n);
  });

  it('inflation falls by inflationChange when the bonding rate is above target, floored at 0', async () => {
    // Bonded share on this devnet is tiny, so lower the target below it: inflation must decrease.
    await dev.send(owner(), callOf(dev, 'Minter', 'setTargetBondingRate', [0n]));
    await dev.send(owner(), callOf(dev, 'Minter', 'setInflationChange', [100_000n]));
    const before = await read<bigint>(dev, 'Minter', 'inflation');
    await dev.advanceRounds(1);
    assert.equal(await read(dev, 'Minter', 'inflation'), before > 100_000n ? before - 100_000n : 0n);
    await dev.advanceRounds(3);
    assert.equal(await read(dev, 'Minter', 'inflation'), 0n);
    assert.equal(await read(dev, 'Minter', 'currentMintableTokens'), 0n);
    await dev.send(owner(), callOf(dev, 'Minter', 'setTargetBondingRate', [500_000_000n]));
    await dev.advanceRounds(1);
    assert.equal(await read(dev, 'Minter', 'inflation'), 100_000n);
  });

  it('setters are owner-only and validated (1e9 scale); getters report the controller and supply', async () => {
    const u = users[0]!;
    await expectRevert(dev.send(u, callOf(dev, 'Minter', 'setTargetBondingRate', [1n])), 'caller must be Controller owner');
    await expectRevert(dev.send(u, callOf(dev, 'Minter', 'setInflationChange', [1n])), 'caller must be Controller owner');
    await expectRevert(dev.send(owner(), callOf(dev, 'Minter', 'setTargetBondingRate', [1_000_000_001n])), '_targetBondingRate is invalid percentage');
    await expectRevert(dev.send(owner(), callOf(dev, 'Minter', 'setInflationChange', [1_000_000_001n])), '_inflationChange is invalid percentage');
    assert.equal(await read(dev, 'Minter', 'getController'), dev.controller);
    assert.equal(await read(dev, 'Minter', 'getGlobalTotalSupply'), await read(dev, 'LivepeerToken', 'totalSupply'));
  });

  it('migrateToNewMinter moves all LPT and ETH, only while paused', async () => {
    const m = artifact('Minter');
    const next = await deploy(dev.publicClient, dev.walletClient(owner()), { name: 'Minter', abi: m.abi, bytecode: m.bytecode, args: [dev.controller, 0n, 0n, 0n] });
    await expectRevert(dev.send(owner(), callOf(dev, 'Minter', 'migrateToNewMinter', [next])), 'system is not paused');
    await dev.send(owner(), callOf(dev, 'Controller', 'pause'));
    try {
      await expectRevert(dev.send(owner(), callOf(dev, 'Minter', 'migrateToNewMinter', [dev.contracts.Minter])), 'new Minter cannot be current Minter');
      const lpt = await read<bigint>(dev, 'LivepeerToken', 'balanceOf', [dev.contracts.Minter]);
      const eth = await dev.publicClient.getBalance({ address: dev.contracts.Minter });
      assert.ok(lpt > 0n && eth > 0n);
      await dev.send(owner(), callOf(dev, 'Minter', 'migrateToNewMinter', [next]));
      assert.equal(await read(dev, 'LivepeerToken', 'balanceOf', [next]), lpt);
      assert.equal(await dev.publicClient.getBalance({ address: next }), eth);
      assert.equal(await dev.publicClient.getBalance({ address: dev.contracts.Minter }), 0n);
    } finally {
      await dev.send(owner(), callOf(dev, 'Controller', 'unpause'));
    }
  });

  it('constructor rejects percentages above 1e9', async () => {
    const m = artifact('Minter');
    await assert.rejects(
      deploy(dev.publicClient, dev.walletClient(owner()), { name: 'Minter', abi: m.abi, bytecode: m.bytecode, args: [dev.controller, 1_000_000_001n, 0n, 0n] }),
      /_inflation is invalid percentage/,
    );
  });
});

describe('ServiceRegistry', () => {
  it('anyone sets their own URI; the event carries it; the AI registry is a separate instance', async () => {
    const u = users[5]!;
    const r = await dev.send(u, callOf(dev, 'ServiceRegistry', 'setServiceURI', ['https://10.0.0.1:8935']));
    const ev = decodeEventLog({ abi: artifact('ServiceRegistry').abi, ...r.logs[0]! });
    assert.deepEqual(ev.args, { addr: u.address, serviceURI: 'https://10.0.0.1:8935' });
    assert.equal(await read(dev, 'ServiceRegistry', 'getServiceURI', [u.address]), 'https://10.0.0.1:8935');
    assert.equal(await read(dev, 'AIServiceRegistry', 'getServiceURI', [u.address]), '');
    await dev.send(u, callOf(dev, 'AIServiceRegistry', 'setServiceURI', ['https://10.0.0.1:9935']));
    assert.equal(await read(dev, 'AIServiceRegistry', 'getServiceURI', [u.address]), 'https://10.0.0.1:9935');
    assert.equal(await read(dev, 'ServiceRegistry', 'getServiceURI', [u.address]), 'https://10.0.0.1:8935');
  });
});
