// Public surface of the orchestrator node.
export { startOrchestrator, type Orchestrator, type OrchestratorSizes } from './node.js';
export { parseOrchestratorConfig, orchestratorConfigSchema, type OrchestratorConfig, type OrchestratorConfigInput } from './config.js';
export { OrchestratorError, OrchestratorConfigError, type OrchestratorErrorCode } from './errors.js';
export type { OrchestratorStats } from './stats.js';
export type { PendingRedemption } from '../../settlement/index.js';
export { ORCHESTRATOR_PIPELINES, type OrchestratorPipeline } from './jobs.js';
