export { runDemo, demoJobs, DEMO_MODELS, DEMO_ORCHESTRATOR, DEMO_GATEWAY, type DemoOptions } from './demo.js';
export { startLocalNetwork, type LocalNetwork, type LocalNetworkOptions, type DemoModel } from './network.js';
export { runJobs, submitJob, samplePng, sampleWav, jobShape, type JobKind, type JobSpec, type JobOutcome } from './jobs.js';
export { settle, formatSettlement, pendingFeesOf, type Settlement } from './settlement.js';
export { initializeRoundIfNeeded } from './rounds.js';
