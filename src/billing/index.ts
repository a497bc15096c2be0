export { Balances, type StagedUpdate } from './balances.js';
