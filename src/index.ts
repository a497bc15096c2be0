// livepeer-ts as a library: the SDK surfaces a TypeScript gateway or tool needs, one namespace each.
// Each is also its own entry point (`livepeer-ts/money`, `livepeer-ts/pm`, `livepeer-ts/wire`,
// `livepeer-ts/market`), which is the cheaper import when only one is needed.
export * as money from './money/index.js';
export * as pm from './pm/index.js';
export * as wire from './wire/index.js';
export * as market from './market/index.js';
