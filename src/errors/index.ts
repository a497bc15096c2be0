// src/errors: the error base every folder builds on (stable code, message that says what to do,
// fatal, details, status, cause) and the per-folder code catalogues behind docs/error-codes.md.
export type { LivepeerErrorOptions } from './base.js';
export { LivepeerError, isLivepeerError, errorCode, walk } from './base.js';
export type { ErrorCatalogue, CodeOf } from './catalogue.js';
export { defineErrorCodes, isErrorCatalogue } from './catalogue.js';
