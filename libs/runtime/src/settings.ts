import { integerEnv, requiredEnv, type Environment } from './env';
import { ConfigError } from './errors';

/**
 * One setting, defined once: its variable name, how it is parsed, its default and its limits. A process reads it
 * from its environment (`fromEnv`); code that composes processes in one (the local stack) passes the typed value,
 * checked by the same rule (`check`): no typed value is written into a string to be parsed again.
 */
export interface Setting<T> {
  readonly name: string;
  fromEnv(env: Environment): T;
  /** @throws ConfigError naming the setting when the value breaks its rule */
  check(value: T): T;
}

/** An integer with a default, refused outside [min, max]. */
export function integerSetting(name: string, fallback: number, min: number, max: number): Setting<number> {
  return {
    name,
    fromEnv: (env) => integerEnv(env, name, fallback, min, max),
    check: (value) => {
      if (!Number.isInteger(value) || value < min || value > max) {
        throw new ConfigError(`${name} must be an integer from ${min} to ${max}; got ${value}`);
      }
      return value;
    },
  };
}

/** A required text matching `pattern` (`what` says what it is in the error). */
export function textSetting(name: string, pattern: RegExp, what: string): Setting<string> {
  return {
    name,
    fromEnv: (env) => requiredEnv(env, name, pattern, what),
    check: (value) => requiredEnv({ [name]: value }, name, pattern, what),
  };
}

/** A setting parsed by `parse` (which throws ConfigError), required. */
export function parsedSetting<T>(name: string, parse: (raw: string) => T, what: string): Setting<T> {
  return {
    name,
    fromEnv: (env) => {
      const raw = env[name];
      if (raw === undefined || raw === '') throw new ConfigError(`${name} is not set (${what})`);
      return parse(raw);
    },
    check: (value) => parse(String(value)),
  };
}

/** The same setting, optional: unset (or empty) is undefined. */
export function optionalSetting<T>(setting: Setting<T>): Setting<T | undefined> {
  return {
    name: setting.name,
    fromEnv: (env) => (env[setting.name] ? setting.fromEnv(env) : undefined),
    check: (value) => (value === undefined ? undefined : setting.check(value)),
  };
}

type Settings = Readonly<Record<string, Setting<unknown>>>;
export type ValuesOf<S extends Settings> = {
  -readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};

/** @example readSettings(process.env, { dataBucket: DATA_BUCKET }) // { dataBucket: 'gen3d-data-bucket' } */
export function readSettings<S extends Settings>(env: Environment, settings: S): ValuesOf<S> {
  return Object.fromEntries(
    Object.entries(settings).map(([key, setting]) => [key, setting.fromEnv(env)]),
  ) as ValuesOf<S>;
}

/** Typed values checked by their settings' rules. @example checkSettings({ dataBucket: 'b' }, { dataBucket: DATA_BUCKET }) */
export function checkSettings<S extends Settings>(values: ValuesOf<S>, settings: S): ValuesOf<S> {
  return Object.fromEntries(
    Object.entries(settings).map(([key, setting]) => [key, setting.check(values[key as keyof S])]),
  ) as ValuesOf<S>;
}
