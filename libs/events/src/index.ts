export * from './parse';
export * from './errors';
export * from './s3-event';
export * from './documents';
export * from './batch';
export * from './env';
