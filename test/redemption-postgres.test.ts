// The redemption queue's devnet and crash suites over the PostgreSQL store: one embedded server for
// the file, a fresh database per test.
import { after, before } from 'node:test';
import { openStore } from '../src/store/index.js';
import { startTestPostgres, type TestPostgres } from '../src/store/testkit.js';
import { redemptionCrashSuite } from './redemption/crash-suite.js';
import { redemptionQueueSuite } from './redemption/queue-suite.js';

let server: TestPostgres | undefined;
before(async () => {
  server = await startTestPostgres();
});
after(async () => {
  await server?.stop();
});
const postgres = async () => {
  if (!server) throw new Error('the PostgreSQL server did not start');
  return openStore({ backend: 'postgres', connectionString: await server.createDatabase() });
};

redemptionQueueSuite('postgres', postgres);
redemptionCrashSuite('postgres', postgres);
