// go-livepeer's and protocol's vectors (pm.md §8, §10), under both backends where crypto is involved.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Address, Hex } from 'viem';
import {
  MAX_WIN_PROB,
  ZERO_ADDRESS,
  ZERO_HASH,
  auxData,
  bytesToHex,
  cryptoBackend,
  flattenTicket,
  goRecipientRand,
  hexToBytes,
  isWinningBytes,
  isWinningTicket,
  keccak256,
  localTicketSigner,
  nativeCryptoAvailable,
  personalDigest,
  recipientRandHash,
  recoverSigner,
  setCryptoBackend,
  ticketHash,
  ticketHashBytes,
  verifyTicketSig,
} from './index.js';
import type { HashedTicketFields } from './index.js';

const keccakStr = (s: string): Hex => bytesToHex(keccak256(Buffer.from(s, 'utf8')));
const FOO = keccakStr('foo');

function zeroTicket(over: Partial<HashedTicketFields> = {}): HashedTicketFields {
  return {
    recipient: ZERO_ADDRESS,
    sender: ZERO_ADDRESS,
    faceValue: 0n,
    winProb: 0n,
    senderNonce: 0n,
    recipientRandHash: ZERO_HASH,
    creationRound: 0n,
    creationRoundBlockHash: ZERO_HASH,
    ...over,
  };
}

const backends = (['native', 'js'] as const).filter((b) => b === 'js' || nativeCryptoAvailable());
const before = cryptoBackend();
after(() => setCryptoBackend(before));

test('keccak("foo") is the well-known 41b1a064…8c4d', () => {
  assert.equal(FOO, '0x41b1a0649752af1b28b3dc29a1556eee781e4a4c3a1f7f53f90fa834de098c4d');
});

test('TestHash: the seven go-livepeer ticket hash vectors (six 168-byte, one 232-byte preimage)', () => {
  const cases: [Partial<HashedTicketFields>, string][] = [
    [{ senderNonce: 2n ** 32n - 1n }, 'e1393fc7f6de093780674022f96cb8e3872235167d037c04d554e58c0e63d280'],
    [{ senderNonce: 1n }, 'ce0918ba94518293e9712effbe5fca4f1f431089833a5b8c257cb1e024595f68'],
    [{ faceValue: 1n, winProb: 500n }, '87ef13f2d37e4d5352a01d3c77b8179d80e0887f1953bfabfd0bfd7b0f689ddd'],
    [{ faceValue: 500n, winProb: 1n }, 'aa4b35071043587992ac8b9dd1b2cf1d8311130e6458cf0b2342484e21af5f5b'],
    [{ recipient: '0x73AEd7b5dEb30222fa896f399d46cC99c7BEe57F' }, '81e353ae39046e2b77b9f996abbaeed527fda559b61ef90f299c4499dd508ccc'],
    [{ recipientRandHash: FOO }, 'be5eaf9a49a39540b9bb02f1a21904f61324a29819e2c032824bfaa10c100b17'],
    [{ creationRound: 10n, creationRoundBlockHash: FOO }, 'e502907c16036ab3d11b78c5a2e93c20f3d6415c67f91de4ed01348182b3b2e2'],
  ];
  cases.forEach(([over, want], i) => {
    const t = zeroTicket(over);
    assert.equal(flattenTicket(t).length, i === 6 ? 232 : 168, `case ${i}`);
    assert.equal(ticketHash(t), `0x${want}`, `case ${i}`);
  });
});

test('TestAuxData', () => {
  assert.equal(auxData({ creationRound: 0n, creationRoundBlockHash: FOO }).length, 64);
  assert.equal(bytesToHex(auxData({ creationRound: 0n, creationRoundBlockHash: FOO }).subarray(0, 32)), ZERO_HASH);
  assert.equal(auxData({ creationRound: 5n, creationRoundBlockHash: ZERO_HASH }).length, 64);
  assert.equal(auxData({ creationRound: 0n, creationRoundBlockHash: ZERO_HASH }).length, 0);
  const h = '0x7624778dedc75f8b322b9fa1632a610d40b85e106c7d9bf0e743a9ce291b9c6f';
  assert.equal(bytesToHex(auxData({ creationRound: 5n, creationRoundBlockHash: h })), `0x${'00'.repeat(31)}05${h.slice(2)}`);
});

test('recipientRandHash vectors: u256(5), u256(10)', () => {
  assert.equal(recipientRandHash(5n), '0x036b6384b5eca791c62761152d0c79bb0604c104a5fb6f4eb0703f3154bb3db0');
  assert.equal(recipientRandHash(10n), '0xc65a7bb8d6351c1cf70c95a316cc6a92839c986682d98bc35f958f4883f9d2a8');
});

test('TestIsWinningTicket: sig "foo", rand 10 (win hash 0x2121…6810)', () => {
  const foo = Buffer.from('foo');
  const rand = Buffer.alloc(32);
  rand[31] = 10;
  assert.equal(bytesToHex(keccak256(Buffer.concat([foo, rand]))), '0x212117bf5ec66d480ab4d362ce2f1ae19d6b5df92c5f8633bcecf62bfaea6810');
  assert.equal(isWinningTicket(foo, 10n, 0n), false);
  assert.equal(isWinningTicket(foo, 10n, MAX_WIN_PROB), true);
  // strict <: winProb == hash loses, hash + 1 wins
  const H = BigInt('0x212117bf5ec66d480ab4d362ce2f1ae19d6b5df92c5f8633bcecf62bfaea6810');
  assert.equal(isWinningBytes(foo, rand, H), false);
  assert.equal(isWinningBytes(foo, rand, H + 1n), true);
  assert.equal(isWinningBytes(foo, rand, H - 1n), false);
});

for (const backend of backends) {
  test(`crypto/verify_test.go vector and rejections (${backend})`, () => {
    setCryptoBackend(backend);
    const addr: Address = '0x3BadDb1eeE2105893136A3F96c8a963E9C6309d6';
    const msg = hexToBytes('0xb7da355477356fc4c47fcabcf232dc77a6db9b07b7e48b76261cc55cc8fbabb3');
    const sig = hexToBytes(
      '0x206443228e8f784bc3a122de0d85eb3ebff82d6a79cca26c7eeb907099a6404f6dff57bc6828f28bd6cd073c89d94cf3364204679ed8365fa45b5ee6af19a9841c',
    );
    assert.equal(bytesToHex(personalDigest(msg)), '0x1288735ecfc69223aebf1e4550f8b609241a2a5097d9b34ca50f929e1b8acb6c');
    assert.equal(verifyTicketSig(addr, msg, sig), null);
    assert.deepEqual(recoverSigner(msg, sig), { signer: addr });
    // 64-byte, v = 0, v = 1, 66 bytes, high-s twin (n − s, v flipped)
    assert.equal(verifyTicketSig(addr, msg, sig.subarray(0, 64)), 'length-64');
    assert.equal(verifyTicketSig(addr, msg, Buffer.concat([sig, Buffer.from([0])])), 'length-66');
    const v0 = Uint8Array.from(sig);
    v0[64] = 0;
    assert.equal(verifyTicketSig(addr, msg, v0), 'v-not-27-28');
    v0[64] = 1;
    assert.equal(verifyTicketSig(addr, msg, v0), 'v-not-27-28');
    const N = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
    const s = BigInt(bytesToHex(sig.subarray(32, 64)));
    const twin = Uint8Array.from(sig);
    twin.set(Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex'), 32);
    twin[64] = sig[64] === 27 ? 28 : 27;
    assert.equal(verifyTicketSig(addr, msg, twin), 'high-s');
    assert.equal(verifyTicketSig('0x0000000000000000000000000000000000000001', msg, sig), 'wrong-signer');
  });

  test(`§10.2 end-to-end vector (${backend})`, () => {
    setCryptoBackend(backend);
    const signer = localTicketSigner('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
    assert.equal(signer.address, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
    const secret = new Uint8Array(32);
    secret[0] = 3;
    const blockHash = keccakStr('round-3500-block');
    assert.equal(blockHash, '0xbc925d81085d5a233e77c0613b704e0d49f4545162375e9ae7ba6133749af75e');
    const winProb = 771947261582107969490473233391252719021799897770937093596383896000000000n;
    assert.equal(winProb, BigInt('0x6fd91d84bcda58175fdfab3d77a168e2893e4958803b6b57ae84efcbf000'));
    const rand = goRecipientRand(secret, {
      seed: BigInt(`0x${'11'.repeat(32)}`),
      sender: signer.address,
      faceValue: 1200000000000000n,
      winProb,
      expirationBlock: 21000040n,
      price: { pricePerUnit: 2400n, pixelsPerUnit: 2n }, // reduced to 1200/1 as go's big.Rat does
      expirationParams: { creationRound: 3500n, creationRoundBlockHash: blockHash },
    });
    assert.equal(rand, 0x2dd5a8c2b3d6a8fe94b77440dc0d75449818fc47d59b8ffdffb647ea732ee2c4n);
    const rrh = recipientRandHash(rand);
    assert.equal(rrh, '0xdaeb1edce676c6bf116e92b30977d2b5d9e33ce8135eb672f054c38ca91a128e');
    const ticket: HashedTicketFields = {
      recipient: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      sender: signer.address,
      faceValue: 1200000000000000n,
      winProb,
      senderNonce: 1n,
      recipientRandHash: rrh,
      creationRound: 3500n,
      creationRoundBlockHash: blockHash,
    };
    const pre =
      '70997970c51812dc3a010c7d01b50e0d17dc79c8f39fd6e51aad88f6f4ce6ab8827279cfffb92266' +
      '00000000000000000000000000000000000000000000000000044364c5bb0000' +
      '00006fd91d84bcda58175fdfab3d77a168e2893e4958803b6b57ae84efcbf000' +
      '0000000000000000000000000000000000000000000000000000000000000001' +
      'daeb1edce676c6bf116e92b30977d2b5d9e33ce8135eb672f054c38ca91a128e' +
      '0000000000000000000000000000000000000000000000000000000000000dac' +
      'bc925d81085d5a233e77c0613b704e0d49f4545162375e9ae7ba6133749af75e';
    assert.equal(bytesToHex(flattenTicket(ticket)), `0x${pre}`);
    const h = ticketHashBytes(ticket);
    assert.equal(bytesToHex(h), '0xc392b397a00a31d88c6b0e616a9a878cb4d2dba9e25ebb0b11c7f02c6dad6ccb');
    assert.equal(bytesToHex(personalDigest(h)), '0xe9ed0164d8d5f98d31aa3973489bd459ffe04f778e8bfe4e10ccacf752ad6414');
    const sig = signer.sign(h) as Uint8Array;
    assert.equal(
      bytesToHex(sig),
      '0x3cdec7a46a6af5082896206a328e24c70b5dafd0bd3c17dea43fede142537d23475f64739ee78690c13862737f953b6f43266f4925989ed08d155ac906a4cc8f1b',
    );
    const r32 = Buffer.from(rand.toString(16).padStart(64, '0'), 'hex');
    assert.equal(bytesToHex(keccak256(Buffer.concat([sig, r32]))), '0x163b1ff58e925dff7d6d28c072923996ef7c8d7483f48f6519f30723b94973c9');
    assert.equal(isWinningTicket(sig, rand, winProb), false);
    assert.equal(verifyTicketSig(signer.address, h, sig), null);

    const always = { ...ticket, winProb: MAX_WIN_PROB };
    const h2 = ticketHashBytes(always);
    assert.equal(bytesToHex(h2), '0x417c0515f14c89b80e403eb557c2f3f45be05730c88f0d819c85cc894d1e5327');
    assert.equal(bytesToHex(personalDigest(h2)), '0x5ea8096aa1057b18409af5cb510936ac3a4480b4c4e2050b8a360e9d4ab463d5');
    const sig2 = signer.sign(h2) as Uint8Array;
    assert.equal(
      bytesToHex(sig2),
      '0x33f228bdf7e4919429bb9c53a888066ad3f9e62915f1e151e80d19d60b6c09e2584b121511afa61fd8bc33cfe8d1179a870d6f2157c07734fff70e4db86ccd1e1b',
    );
    assert.equal(bytesToHex(keccak256(Buffer.concat([sig2, r32]))), '0xea732509fb6b715e3c4295a8742a8ceedfcd875d40ab6ff0fa73154fc8909391');
    assert.equal(isWinningTicket(sig2, rand, MAX_WIN_PROB), true);
  });
}

test('RFC 6979 vector: key 1, sha256("Satoshi Nakamoto") (both backends sign deterministically, low s)', async () => {
  const { createHash } = await import('node:crypto');
  const { getCryptoBackend } = await import('./crypto.js');
  const digest = createHash('sha256').update('Satoshi Nakamoto').digest();
  const key = new Uint8Array(32);
  key[31] = 1;
  for (const b of backends) {
    setCryptoBackend(b);
    const { sig64 } = getCryptoBackend().sign(digest, key);
    const hex = Buffer.from(sig64).toString('hex');
    assert.ok(hex.startsWith('934b1e'), `${b}: r ${hex.slice(0, 64)}`);
    assert.ok(hex.endsWith('d9e5'), `${b}: s ${hex.slice(64)}`);
  }
});
