// Must fail to type-check: fee() takes bigint units, and parseEther returns bigint, not string.
import { fee, parseEther } from 'livepeer-ts/money';

export const wrongUnits = fee(1000, { pricePerUnit: 1n, pixelsPerUnit: 1n });
export const wrongType: string = parseEther('1');
