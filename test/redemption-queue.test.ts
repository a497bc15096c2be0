// The redemption queue's devnet suite over the in-memory store double; the same suite runs over
// SQLite and PostgreSQL by passing their factories (test/redemption/queue-suite.ts).
import { memoryStoreFactory } from '../src/settlement/redemption/testkit.js';
import { redemptionQueueSuite } from './redemption/queue-suite.js';

redemptionQueueSuite('memory', memoryStoreFactory);
