// Public surface of src/store: persistence for what must survive a crash (winning tickets and their
// redemption history, watcher checkpoints), on SQLite (one process, in -dataDir), PostgreSQL
// (several processes sharing one store) or memory. docs/store.md says what each promises.
export type {
  Checkpoint,
  CheckpointStore,
  RedemptionEvent,
  StateTotals,
  Store,
  StoreBackend,
  StoredTicket,
  TicketLedger,
  TicketState,
} from './types.js';

export type { OpenStoreOptions, SqliteStoreOptions, PostgresStoreOptions, MemoryStoreOptions, StoreDurability } from './config.js';
export { DEFAULT_DURABILITY, SQLITE_FILE, durabilityArg, storeOptionsFromFlags } from './config.js';
export type { StoreErrorCode } from './errors.js';
export { StoreError, storeErrorCodes } from './errors.js';
export type { Migration } from './migrations.js';
export { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
export { TICKET_STATES } from './ledger.js';
export { openStore, storeTicketSink } from './open.js';
export type { AdvanceResult, SignerStateRecord, SignerStateStore } from './signer-states.js';
export { MemorySignerStates } from './signer-states.js';
export { MemoryStore, DEFAULT_MAX_FINISHED } from './memory.js';
export { SqliteStore } from './sqlite.js';
export { PgStore } from './postgres.js';
