// The one way in: openStore picks the backend, and storeTicketSink makes the pm Recipient wait for
// each winning ticket's commit before the payment that carried it is acknowledged.
import type { WinningTicket, WinningTicketSink } from '../pm/index.js';
import { durabilityArg, type OpenStoreOptions } from './config.js';
import { StoreError } from './errors.js';
import { MemoryStore } from './memory.js';
import { PgStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './types.js';

/**
 * Opens (creating and migrating as needed) the store `opts` names: SQLite in `dataDir`, PostgreSQL
 * at `connectionString`, or memory. Rejects with STORE_CONFIG_INVALID, STORE_UNAVAILABLE,
 * STORE_SCHEMA_TOO_NEW or STORE_MIGRATION_FAILED.
 */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  switch (opts?.backend) {
    case 'sqlite':
      if (typeof opts.dataDir !== 'string' || opts.dataDir === '') throw new StoreError('STORE_CONFIG_INVALID', 'a SQLite store needs a data directory');
      return new SqliteStore({ ...opts, durability: durabilityArg(opts.durability) });
    case 'postgres':
      if (typeof opts.connectionString !== 'string' || !/^postgres(ql)?:\/\//.test(opts.connectionString)) {
        throw new StoreError('STORE_CONFIG_INVALID', 'a PostgreSQL store needs a postgres:// connection string');
      }
      return PgStore.open({ ...opts, durability: durabilityArg(opts.durability) });
    case 'memory':
      return new MemoryStore();
    default:
      throw new StoreError('STORE_CONFIG_INVALID', `unknown store backend ${JSON.stringify((opts as { backend?: unknown } | undefined)?.backend)}: sqlite, postgres or memory`);
  }
}

/**
 * A WinningTicketSink that commits each winner to the store. The Recipient awaits the sink before
 * it answers the payment, so "acknowledged" implies "committed at the store's durability"; a
 * failed commit rejects, and the payment is not acknowledged as carrying that ticket.
 */
export function storeTicketSink(store: Pick<Store, 'tickets'>): WinningTicketSink {
  return {
    async onWinningTicket(t: WinningTicket): Promise<void> {
      await store.tickets.addWinning(t);
    },
  };
}
