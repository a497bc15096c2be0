// Typed errors of discovery: a source that cannot answer, an unusable configured entry.
import { LivepeerError, defineErrorCodes, type CodeOf } from '../../errors/index.js';

export const discoveryErrorCodes = defineErrorCodes('src/market (discovery)', {
  DISCOVERY_SOURCE_FAILED: 'A discovery source (webhook, remote signer, chain) could not be read: its last good list is kept and it is asked again at the next refresh.',
  DISCOVERY_BAD_RESPONSE: 'A discovery source answered something other than the expected JSON list: its last good list is kept.',
  DISCOVERY_CONFIG: 'A discovery flag is unusable (-orchWebhookUrl not an http(s) URL, -orchBlocklist entry not an address): the node does not start.',
});

export type DiscoveryErrorCode = CodeOf<typeof discoveryErrorCodes>;

export class DiscoveryError extends LivepeerError<DiscoveryErrorCode> {
  override name = 'DiscoveryError';
  constructor(code: DiscoveryErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, { fatal: code === 'DISCOVERY_CONFIG', ...(options?.cause === undefined ? {} : { cause: options.cause }) });
  }
}
