// Versioned schema migrations. Each has a version (1, 2, … in order, never renumbered or edited
// once released: add a new one instead) and the SQL for each dialect. A backend applies the ones
// its store_migrations table does not list, each in its own transaction together with its row in
// that table, so a migration is applied exactly once or not at all; a store whose highest version
// is above the last one here was written by newer code and is refused (STORE_SCHEMA_TOO_NEW)
// instead of being written with rules it does not know.
import { StoreError } from './errors.js';

export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

/**
 * tickets.ticket is the canonical JSON of the WinningTicket; ticket_sum its keccak256, so an edit to a
 * field the ticket hash does not cover (signature, recipientRand, price) is caught on read too.
 * Money as exact decimals: TEXT in SQLite (summed exactly by a bigint aggregate), NUMERIC(78,0) in
 * PostgreSQL (a uint256 has 78 digits).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'winning tickets, their history, watcher checkpoints',
    sqlite: `
      CREATE TABLE tickets (
        ticket_hash TEXT PRIMARY KEY,
        sender TEXT NOT NULL,
        recipient TEXT NOT NULL,
        face_value TEXT NOT NULL,
        ticket TEXT NOT NULL,
        ticket_sum TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending','submitted','redeemed','dropped','expired')),
        received_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        not_before_block INTEGER,
        tx_hash TEXT,
        tx_nonce INTEGER,
        reason_code TEXT,
        reason TEXT,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX tickets_by_state ON tickets(state, received_at, ticket_hash);
      CREATE INDEX tickets_open_by_sender ON tickets(sender) WHERE state IN ('pending','submitted');
      CREATE TABLE ticket_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket_hash TEXT NOT NULL REFERENCES tickets(ticket_hash),
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        block INTEGER,
        code TEXT,
        detail TEXT,
        tx_hash TEXT,
        tx_nonce INTEGER,
        gas_price TEXT
      ) STRICT;
      CREATE INDEX ticket_events_by_ticket ON ticket_events(ticket_hash, id);
      CREATE TABLE checkpoints (
        name TEXT PRIMARY KEY,
        block INTEGER NOT NULL,
        hash TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;`,
    postgres: `
      CREATE TABLE tickets (
        ticket_hash TEXT PRIMARY KEY,
        sender TEXT NOT NULL,
        recipient TEXT NOT NULL,
        face_value NUMERIC(78,0) NOT NULL CHECK (face_value >= 0),
        ticket TEXT NOT NULL,
        ticket_sum TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending','submitted','redeemed','dropped','expired')),
        received_at BIGINT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        not_before_block BIGINT,
        tx_hash TEXT,
        tx_nonce BIGINT,
        reason_code TEXT,
        reason TEXT,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX tickets_by_state ON tickets(state, received_at, ticket_hash);
      CREATE INDEX tickets_open_by_sender ON tickets(sender) WHERE state IN ('pending','submitted');
      CREATE TABLE ticket_events (
        id BIGSERIAL PRIMARY KEY,
        ticket_hash TEXT NOT NULL REFERENCES tickets(ticket_hash),
        at BIGINT NOT NULL,
        kind TEXT NOT NULL,
        block BIGINT,
        code TEXT,
        detail TEXT,
        tx_hash TEXT,
        tx_nonce BIGINT,
        gas_price NUMERIC(78,0)
      );
      CREATE INDEX ticket_events_by_ticket ON ticket_events(ticket_hash, id);
      CREATE TABLE checkpoints (
        name TEXT PRIMARY KEY,
        block BIGINT NOT NULL,
        hash TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      );`,
  },
  {
    version: 2,
    name: 'the remote signer\'s high-water marks (latest sequence number and state per session)',
    sqlite: `
      CREATE TABLE signer_states (
        state_id TEXT PRIMARY KEY,
        sequence INTEGER NOT NULL CHECK (sequence >= 0),
        state TEXT NOT NULL,
        spent TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX signer_states_by_age ON signer_states(updated_at);`,
    postgres: `
      CREATE TABLE signer_states (
        state_id TEXT PRIMARY KEY,
        sequence BIGINT NOT NULL CHECK (sequence >= 0),
        state TEXT NOT NULL,
        spent TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX signer_states_by_age ON signer_states(updated_at);`,
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length === 0 ? 0 : MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Throws unless the list is 1, 2, 3, … (a gap or a repeat is a coding mistake, caught on open). */
export function checkMigrations(list: readonly Migration[]): void {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new StoreError('STORE_MIGRATION_FAILED', `migration #${i} has version ${m.version}, expected ${i + 1}`);
  });
}

export function tooNew(found: number, known: number, where: string): StoreError {
  return new StoreError(
    'STORE_SCHEMA_TOO_NEW',
    `the store at ${where} has schema version ${found}, newer than this livepeer-ts knows (${known}): run the newer livepeer-ts, or use another store`,
    { details: `schema ${found} > ${known}` },
  );
}

export function migrationFailed(m: Migration, where: string, cause: unknown): StoreError {
  return new StoreError('STORE_MIGRATION_FAILED', `schema migration ${m.version} (${m.name}) of the store at ${where} failed and was rolled back`, { cause });
}
