export { InvalidLogLevelError, LoggingError } from './errors';
export { createLogger, forJob, type Logger, type LoggerSettings } from './logger';
