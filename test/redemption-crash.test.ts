// Restarts and failures of the redemption queue over the in-memory store double; the same suite
// runs over SQLite and PostgreSQL by passing their factories (test/redemption/crash-suite.ts).
import { memoryStoreFactory } from '../src/settlement/redemption/testkit.js';
import { redemptionCrashSuite } from './redemption/crash-suite.js';

redemptionCrashSuite('memory', memoryStoreFactory);
