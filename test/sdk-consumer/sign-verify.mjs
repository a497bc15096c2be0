// Plain JavaScript using the installed package (no TypeScript tooling): signs a PM ticket with a
// private key, verifies the signature, runs the win test, and prints what it found as one JSON line.
import { isWinningTicket, localTicketSigner, newTicket, recoverSigner, ticketHash, ticketHashBytes, verifyTicketSig } from 'livepeer-ts/pm';

const [key, recipient, recipientRand] = process.argv.slice(2);
const signer = localTicketSigner(key);
const params = {
  recipient,
  faceValue: 1_000_000_000_000_000n,
  winProb: 2n ** 255n,
  recipientRandHash: `0x${'ab'.repeat(32)}`,
  seed: 7n,
  expirationBlock: 100n,
  price: { pricePerUnit: 1n, pixelsPerUnit: 1n },
  expirationParams: { creationRound: 42n, creationRoundBlockHash: `0x${'cd'.repeat(32)}` },
};
const ticket = newTicket(params, params.expirationParams, signer.address, 3n);
const hashBytes = ticketHashBytes(ticket);
const sig = await signer.sign(hashBytes);
const tampered = Uint8Array.from(sig);
tampered[10] ^= 1;
const rec = recoverSigner(hashBytes, sig);
console.log(
  JSON.stringify({
    resolvedFrom: import.meta.resolve('livepeer-ts/pm'),
    sender: signer.address,
    hash: ticketHash(ticket),
    sig: Buffer.from(sig).toString('hex'),
    verify: verifyTicketSig(signer.address, hashBytes, sig),
    verifyTampered: verifyTicketSig(signer.address, hashBytes, tampered),
    recovered: 'signer' in rec ? rec.signer : rec.reason,
    winning: isWinningTicket(sig, BigInt(recipientRand), ticket.winProb),
  }),
);
