// Typed store errors: a stable code to decide by, and words that say what to do.
import { LivepeerError, defineErrorCodes, type CodeOf } from '../errors/index.js';

export const storeErrorCodes = defineErrorCodes('src/store', {
  STORE_CONFIG_INVALID: 'The store settings are not usable (unknown backend or durability, a PostgreSQL URL that is not postgres://…, no data directory): fix -dataDir, -storeUrl or -storeDurability.',
  STORE_UNAVAILABLE: 'The store could not be opened or reached (file permissions, a full disk, WAL not supported by the filesystem, PostgreSQL down or refusing the login): fix that and start again.',
  STORE_SCHEMA_TOO_NEW: 'The store was last written by a newer livepeer-ts (its schema version is above the one this code knows): run the newer version, or point -dataDir / -storeUrl at another store.',
  STORE_MIGRATION_FAILED: 'A schema migration failed and was rolled back (the store is as it was before it): see the details, fix the cause and start again.',
  STORE_CORRUPT_ROW: 'A stored row does not decode, or its ticket no longer hashes to its key (edited or damaged by hand): restore the store from a backup or remove that row; the details name it.',
  STORE_TICKET_NOT_FOUND: 'No ticket with this hash is in the store.',
  STORE_ILLEGAL_TRANSITION: 'The ticket cannot move to that state from the one it is in (e.g. a redeemed ticket cannot be dropped); its state is left as it was.',
  STORE_INVALID_INPUT: 'A value handed to the store is malformed (a hash that is not 32 bytes of hex, a negative amount or block, a ticket missing a field): a bug in the caller.',
  STORE_CLOSED: 'The store was closed: nothing more can be read or written through this handle.',
});

export type StoreErrorCode = CodeOf<typeof storeErrorCodes>;

export class StoreError extends LivepeerError<StoreErrorCode> {
  override name = 'StoreError';
  constructor(code: StoreErrorCode, message: string, options: { fatal?: boolean; details?: string; cause?: unknown } = {}) {
    super(code, message, {
      fatal: options.fatal ?? code !== 'STORE_UNAVAILABLE',
      ...(options.details === undefined ? {} : { details: options.details }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
  }
}
