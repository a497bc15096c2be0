// One line per aiModels entry for the startup log, stating the price in the pipeline's own unit
// so an operator can see at once whether "0.5" meant what they intended.
import { formatRatWei, priceRat } from '../money/index.js';
import type { AiModelEntry } from './aiModels.js';
import { UNIT_NAMES } from './units.js';

export function describeAiModel(e: AiModelEntry): string {
  const who = `${e.pipeline} ${e.modelId}${e.gateway === 'default' ? '' : ` for gateway ${e.gateway}`}`;
  const where = e.url ? ` via ${e.url}` : '';
  const slots = `${e.warm ? 'warm' : 'cold'}, capacity ${e.capacity}`;
  if (!e.price) return `${who}${where} (${slots}): no price (off-chain)`;
  const unit = UNIT_NAMES[e.pipeline];
  const price = e.price.wei
    ? `${formatRatWei(priceRat(e.price.wei), 6)} wei per ${unit}`
    : `${e.price.perUnit.toString()} ${e.price.currency} per ${unit} (converted to wei by the price feed)`;
  return `${who}${where} (${slots}): ${price}`;
}
