export { InvalidLogLevelError, LoggingError } from './errors';
export {
  createLogger,
  forJob,
  levelFromEnv,
  type Logger,
  type LoggerSettings,
  type LogLevel,
} from './logger';
export { redactText, redactValue } from './redact';
