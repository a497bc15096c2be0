// The redemption queue's devnet and crash suites over the SQLite store (a fresh file per test).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openStore } from '../src/store/index.js';
import { redemptionCrashSuite } from './redemption/crash-suite.js';
import { redemptionQueueSuite } from './redemption/queue-suite.js';

const root = mkdtempSync(join(tmpdir(), 'livepeer-ts-redeem-sqlite-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const sqlite = () => openStore({ backend: 'sqlite', dataDir: join(root, String(++n)) });

redemptionQueueSuite('sqlite', sqlite);
redemptionCrashSuite('sqlite', sqlite);
