import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { InvalidLogLevelError } from './errors';
import { redactText, redactValue } from './redact';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerSettings {
  /** The service or function name, on every line as `service`. */
  readonly service: string;
  /** Defaults to `LOG_LEVEL` from the environment, then `info`. */
  readonly level?: LogLevel;
  /** Where lines go; defaults to stdout. Tests pass a stream to capture them. */
  readonly destination?: DestinationStream;
  readonly env?: NodeJS.ProcessEnv;
}

/** Reads the level from `LOG_LEVEL`; an unknown value is a configuration error, said plainly. */
export function levelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const raw = (env['LOG_LEVEL'] ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new InvalidLogLevelError(
      `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(raw)}`,
    );
  }
  return raw as LogLevel;
}

/**
 * A pino logger writing JSON lines with ISO times, `service` on every line, and email addresses and
 * presigned-URL signatures removed from messages and fields.
 *
 * @example const log = createLogger({ service: 'extract-lambda' }); log.info({ key }, 'job started');
 */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? levelFromEnv(settings.env),
    base: { service: settings.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    errorKey: 'err',
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redactValue(object) as Record<string, unknown>,
      bindings: (bindings) => redactValue(bindings) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const redacted = args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg));
        return method.apply(this, redacted as Parameters<typeof method>);
      },
    },
    serializers: {
      err: (error: unknown) => redactValue(error),
    },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}

/** A child logger that puts the job id on every line. */
export function forJob(logger: Logger, jobId: string, fields: Record<string, unknown> = {}): Logger {
  return logger.child({ jobId, ...fields });
}
