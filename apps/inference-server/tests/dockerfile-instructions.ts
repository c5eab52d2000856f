import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A Dockerfile's instructions: comments left out and continuation lines joined (a comment line inside a continued RUN
 * does not end it, as Docker reads it).
 *
 * @example instructionsIn('FROM node\nRUN a \\\n  b').at(-1) // 'RUN a    b'
 */
export function instructionsIn(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/** The instructions of a Dockerfile of apps/inference-server, e.g. `instructionsOf('Dockerfile.cpu')`. */
export function instructionsOf(dockerfile: string): string[] {
  return instructionsIn(readFileSync(join(__dirname, '..', dockerfile), 'utf8'));
}
