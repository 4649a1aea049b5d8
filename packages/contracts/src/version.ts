/**
 * Major version of the contracts (subjects, envelopes, payload schemas). Within a major version
 * only additive, optional changes are allowed; see the package README for the rolling-deploy rule.
 */
export const CONTRACTS_VERSION = 1;

/** NATS header that carries the contracts version of the producer. */
export const CONTRACTS_VERSION_HEADER = 'Wagate-Contracts-Version';
