export { controllerAbi, roundsManagerAbi, minterAbi, livepeerTokenAbi, serviceRegistryAbi } from './core.js';
export { bondingManagerAbi, TranscoderStatus, DelegatorStatus } from './bondingManager.js';
export { ticketBrokerAbi } from './ticketBroker.js';
