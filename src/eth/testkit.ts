// Test doubles for the eth layer's ports. MemoryCheckpoints is src/store's CheckpointStore in
// memory (the SQLite and PostgreSQL stores are wired by the nodes); typing it as the store's
// interface also proves that the store's contract fits the watchers' port.
import type { Checkpoint, CheckpointStore } from '../store/index.js';
import type { WatcherCheckpoints } from './follower.js';

export class MemoryCheckpoints implements CheckpointStore {
  private readonly m = new Map<string, Checkpoint>();
  /** Every write, oldest first (what a test asserts on). */
  readonly writes: { name: string; checkpoint: Checkpoint }[] = [];

  getCheckpoint(name: string): Promise<Checkpoint | undefined> {
    return Promise.resolve(this.m.get(name));
  }

  setCheckpoint(name: string, c: Checkpoint): Promise<void> {
    this.m.set(name, { ...c });
    this.writes.push({ name, checkpoint: { ...c } });
    if (this.writes.length > 10_000) this.writes.splice(0, 5_000);
    return Promise.resolve();
  }
}

// Compile-time check: any CheckpointStore is a WatcherCheckpoints.
export const asWatcherCheckpoints = (s: CheckpointStore): WatcherCheckpoints => s;
