export { capabilitiesFromWire, capabilitiesToWire } from './capabilities.js';
