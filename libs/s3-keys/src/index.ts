export * from './errors';
export * from './ids';
export * from './event-key';
export * from './keys';
export { MAX_KEY_BYTES, MAX_NAME_LENGTH } from './segments';
