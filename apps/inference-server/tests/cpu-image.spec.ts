import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseExtractConfig } from '@gen3d/jobs';
import { parseSidecarConfig, workerSpecFor } from '@gen3d/sidecar';
import { instructionsOf } from './dockerfile-instructions';

// The slim CPU image of the `cpu` deployment profile (Dockerfile.cpu, decision 0030), read as data: what it installs,
// and whether the sidecar it starts finds the worker where the image puts it. No Docker engine here: the image itself
// is built on GitHub's runners (.github/workflows/images.yml).
const root = join(__dirname, '../../..');
const python = join(root, '.venv/bin/python');
const gpuDockerfile = readFileSync(join(__dirname, '../Dockerfile'), 'utf8');

const instructions = instructionsOf('Dockerfile.cpu');

/** The image's ENV, as the container's process sees it. */
function environmentOf(lines: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of lines.filter((l) => l.startsWith('ENV '))) {
    for (const [, name, value] of line.matchAll(/([A-Z0-9_]+)=(\S+)/g)) env[name as string] = value as string;
  }
  return env;
}
const imageEnv = environmentOf(instructions);

describe('the cpu image', () => {
  it('is Node’s Debian image with Debian’s Python: no CUDA base, no torch, no TorchServe, no Java', () => {
    const from = instructions.filter((line) => line.startsWith('FROM'));
    const gpuNode = /^FROM (node:\S+) AS node$/m.exec(gpuDockerfile)?.[1];
    expect(from).toEqual([`FROM ${gpuNode}`]);
    const run = instructions.filter((line) => line.startsWith('RUN')).join('\n');
    expect(run).not.toMatch(/torch|cuda|nvidia|onnxruntime-gpu|openjdk|requirements-torchserve/i);
    expect(run).toContain('pip install -r worker/requirements.txt');
    expect(run).toContain('pip install --no-deps ./worker');
  });

  it('starts the worker through the embedded host with the Python of the venv it makes', () => {
    const venv = /python3 -m venv (\S+)/.exec(instructions.join('\n'))?.[1];
    expect(venv).toBe('/opt/gen3d/venv');
    const config = parseSidecarConfig({ ...imageEnv, DATA_BUCKET: 'gen3d-data-bucket' });
    const spec = workerSpecFor(config);
    expect(spec.command).toBe(`${venv}/bin/python`);
    expect(spec.args.slice(0, 2)).toEqual(['-m', 'gen3d_worker.hosts.embedded']);
    expect(config).toMatchObject({ workerHost: 'embedded', port: 8080, bindHost: '0.0.0.0' });
    expect(imageEnv['GEN3D_BACKENDS']).toBe('inflate');
  });

  it('keeps the per-job timeout below the InvocationTimeoutSeconds extract sets', () => {
    const extract = parseExtractConfig({ SAGEMAKER_ENDPOINT_NAME: 'e', DATA_BUCKET: 'gen3d-data-bucket' });
    expect(Number(imageEnv['JOB_TIMEOUT_SECONDS'])).toBeGreaterThan(0);
    expect(Number(imageEnv['JOB_TIMEOUT_SECONDS'])).toBeLessThan(extract.invocationTimeoutSeconds);
  });

  it('sends the build only what it copies, each admitted by .dockerignore', () => {
    const admitted = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('!'))
      .map((line) => line.slice(1));
    expect(admitted).toContain('apps/inference-server/Dockerfile.cpu');
    const sources = instructions
      .filter((line) => line.startsWith('COPY'))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      const covers = (a: string) =>
        a === source || a === `${source}/**` || (a.endsWith('/**') && source.startsWith(a.slice(0, -2)));
      expect([source, admitted.some(covers)]).toEqual([source, true]);
    }
  });
});

/**
 * Runs a whole job with the repository's worker (every export format, a thumbnail, the learned segmenter when set-up
 * installed it) in a Python that can import only what the cpu image installs: the closure of worker/requirements.txt
 * (the requirements and what they require in turn, from the installed packages' metadata), the worker itself, and the
 * venv's own pip and setuptools. Any other distribution's modules fail to import, as they would in the image.
 */
function jobWithOnly(without: string[] = []): {
  ok: boolean;
  blocked: string[];
  learned: boolean;
  error: string;
} {
  const out = mkdtempSync(join(tmpdir(), 'gen3d-cpu-image-'));
  const program = `
import importlib.abc, importlib.metadata as md, json, os, re, sys
from packaging.requirements import Requirement
photo, out, card, requirements, without = sys.argv[1:6]
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
names = [Requirement(l.strip()).name for l in open(requirements) if l.strip() and not l.startswith(("#", "-"))]
allowed, todo = {"gen3d-worker", "pip", "setuptools"}, [norm(n) for n in names if norm(n) not in without.split(",")]
while todo:
    name = todo.pop()
    if name in allowed: continue
    allowed.add(name)
    for req in map(Requirement, md.requires(name) or []):
        if req.marker is None or req.marker.evaluate({"extra": ""}): todo.append(norm(req.name))
owners, blocked = md.packages_distributions(), set()
class NotInImage(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        dists = owners.get(name.split(".")[0])
        if dists and not any(norm(d) in allowed for d in dists):
            blocked.add(norm(dists[0]))
            raise ModuleNotFoundError(f"No module named {name!r} (not in the cpu image)", name=name)
sys.meta_path.insert(0, NotInImage())
learned = os.path.exists(card)
if learned:
    os.environ.update(GEN3D_SEGMENTER="learned", GEN3D_SEGMENTATION_MODEL=card)
try:
    from gen3d_worker import cli
    import gen3d_worker.hosts.embedded, onnxruntime
    code = cli.main([photo, os.path.join(out, "m.ply"), "--quality", "fast",
                     "--formats", "ply,glb,stl,3mf,obj", "--thumbnail", os.path.join(out, "t.png")])
    ok, error = code == 0, f"exit {code}"
except ImportError as e:
    ok, error = False, repr(e)
print(json.dumps({"ok": ok, "blocked": sorted(blocked), "learned": learned, "error": error}))
`;
  const stdout = execFileSync(
    python,
    [
      '-c',
      program,
      join(root, 'apps/inference-server/worker/bench/photos/smarties.png'),
      out,
      join(root, '.gen3d/models/isnet-medium/card.json'),
      join(root, 'apps/inference-server/worker/requirements.txt'),
      without.join(','),
    ],
    { encoding: 'utf8', env: { ...process.env, GEN3D_SEGMENTER: 'classic' } },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as ReturnType<typeof jobWithOnly>;
}

describe('what the cpu image installs is enough for a job', () => {
  it('runs a whole job with only worker/requirements.txt importable; torch stays out', () => {
    const job = jobWithOnly();
    expect(job).toMatchObject({ ok: true, error: 'exit 0' });
    // What the job would have liked but does without: optional imports only, never torch.
    expect(job.blocked).not.toContain('torch');
    if (!existsSync(join(root, '.gen3d/models/isnet-medium/card.json'))) expect(job.learned).toBe(false);
  });

  it('fails when a requirement is missing from the file', () => {
    const job = jobWithOnly(['onnxruntime']);
    expect(job.ok).toBe(false);
    expect(job.error).toMatch(/onnxruntime/);
  });
});
