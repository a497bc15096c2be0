// Startup errors of selection's configuration: the weights, their flags and the price limits. All
// fatal — a gateway must refuse to start rather than select with weights or limits it guessed.
import { LivepeerError, defineErrorCodes, type CodeOf } from '../../errors/index.js';

export const selectionErrorCodes = defineErrorCodes('src/market (selection)', {
  SELECTION_WEIGHTS_SUM:
    'The selection weights (-selectStakeWeight, -selectPriceWeight, -selectRandWeight) must add up to 1 (within 0.0001, as go-livepeer).',
  SELECTION_WEIGHT_INVALID:
    'A selection setting is not a usable number: weights are finite and ≥ 0, -selectPriceExpFactor > 0, -selectLatencyBand ≥ 0 ms.',
  PRICE_LIMIT_INVALID:
    'A max price (-maxPricePerUnit, -pixelsPerUnit or a -maxPricePerCapability entry) is not an exact amount in the expected form.',
  PRICE_LIMIT_BAD_JSON: '-maxPricePerCapability is neither a readable file nor valid JSON of the form {"capabilities_prices":[…]}.',
  PRICE_LIMIT_UNKNOWN_PIPELINE: 'A -maxPricePerCapability entry names a pipeline that is not a known capability.',
  PRICE_LIMIT_PRICE_FEED_REQUIRED:
    'A max price in a currency other than wei or ETH (e.g. USD) needs a price feed, which the gateway does not have: give it in wei.',
});

export type SelectionErrorCode = CodeOf<typeof selectionErrorCodes>;

export class SelectionConfigError extends LivepeerError<SelectionErrorCode> {
  override name = 'SelectionConfigError';
  constructor(code: SelectionErrorCode, message: string, opts: { cause?: unknown } = {}) {
    super(code, message, { fatal: true, ...opts });
  }
}
