import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instructionsIn, instructionsOf } from './dockerfile-instructions';

// The SAM 3D image (Dockerfile.sam3d), read as data against the committed snapshot of what SAM 3D Objects'
// inference entry point imports at the pinned commit (sam3d/upstream-imports.json, made by sam3d/snapshot_imports.py).
const root = join(__dirname, '../../..');
const python = join(root, '.venv/bin/python');
const sam3dDir = join(__dirname, '../sam3d');
const dockerfile = readFileSync(join(__dirname, '../Dockerfile.sam3d'), 'utf8');
const gpuDockerfile = readFileSync(join(__dirname, '../Dockerfile'), 'utf8');

interface ModuleUse {
  at_import: boolean;
  imported_by: string[];
}
interface Snapshot {
  commit: string;
  entry: string;
  entry_module: string;
  public_names: string[];
  parameters: Record<string, string[]>;
  hydra_target_roots: string[];
  extras: Record<string, string[]>;
  modules: Record<string, ModuleUse>;
}
const snapshot = JSON.parse(readFileSync(join(sam3dDir, 'upstream-imports.json'), 'utf8')) as Snapshot;

const instructions = instructionsOf('Dockerfile.sam3d');
const indexOf = (pattern: RegExp) => instructions.findIndex((line) => pattern.test(line));

/** A requirement or distribution name as pip compares them (PEP 503). */
const normalise = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');

/**
 * The distributions a Dockerfile installs: the upstream extras its `pip install -e '.[extra]'` lines name (with the
 * package's own requirements) and the packages its other pip lines pin.
 */
function installedBy(text: string, upstream: Snapshot): Set<string> {
  const installed = new Set<string>();
  for (const line of instructionsIn(text).filter((l) => l.startsWith('RUN') && /pip install/.test(l))) {
    for (const [, extra] of line.matchAll(/-e '\.\[(\w+)\]'/g)) {
      for (const name of [...(upstream.extras[''] ?? []), ...(upstream.extras[extra as string] ?? [])]) {
        installed.add(name);
      }
    }
    for (const [, name] of line.matchAll(/\s([A-Za-z0-9][\w.-]*)==[\w.+-]+/g))
      installed.add(normalise(name as string));
  }
  return installed;
}

/**
 * Which distribution provides each module of the snapshot, and, when the image does not name it itself, the
 * requirement it comes with (read from the packages' metadata at these pins with `pip install --dry-run --no-deps
 * --report`, and from MoGe's pyproject.toml at the commit SAM 3D pins; plotly comes through open3d's dash).
 */
const PROVIDED_BY: Record<string, { dist: string; via?: string }> = {
  PIL: { dist: 'pillow', via: 'moge' },
  astor: { dist: 'astor' },
  cv2: { dist: 'opencv-python' },
  easydict: { dist: 'easydict' },
  flash_attn: { dist: 'flash-attn' },
  gradio: { dist: 'gradio', via: 'moge' },
  gsplat: { dist: 'gsplat' },
  hydra: { dist: 'hydra-core' },
  igraph: { dist: 'igraph' },
  imageio: { dist: 'imageio', via: 'scikit-image' },
  kaolin: { dist: 'kaolin' },
  lightning: { dist: 'lightning' },
  loguru: { dist: 'loguru' },
  matplotlib: { dist: 'matplotlib', via: 'moge' },
  moge: { dist: 'moge' },
  numpy: { dist: 'numpy', via: 'moge' },
  omegaconf: { dist: 'omegaconf', via: 'hydra-core' },
  open3d: { dist: 'open3d' },
  optree: { dist: 'optree' },
  plotly: { dist: 'plotly', via: 'open3d' },
  plyfile: { dist: 'plyfile', via: 'python-pycg' },
  pymeshfix: { dist: 'pymeshfix' },
  pytorch3d: { dist: 'pytorch3d' },
  pyvista: { dist: 'pyvista', via: 'pymeshfix' },
  safetensors: { dist: 'safetensors', via: 'timm' },
  scipy: { dist: 'scipy', via: 'moge' },
  seaborn: { dist: 'seaborn' },
  spconv: { dist: 'spconv-cu121' },
  timm: { dist: 'timm' },
  torch: { dist: 'torch', via: 'torchaudio' },
  torchvision: { dist: 'torchvision', via: 'moge' },
  tqdm: { dist: 'tqdm', via: 'lightning' },
  trimesh: { dist: 'trimesh', via: 'moge' },
  utils3d: { dist: 'utils3d', via: 'moge' },
  xatlas: { dist: 'xatlas' },
  xformers: { dist: 'xformers' },
};

/** Modules the image leaves out on purpose: each imported only on demand, on a path the worker does not take. */
const NOT_INSTALLED: Record<string, string> = {
  diff_gaussian_rasterization: 'imported in a try; the Gaussian renderer falls back to gsplat',
  diffoctreerast: 'the radiance-field octree renderer, imported lazily; not in upstream requirements either',
  nvdiffrast: 'only when rendering_engine is nvdiffrast; notebook/inference.py sets pytorch3d',
  torchsparse: 'only when SPARSE_BACKEND=torchsparse; the default backend is spconv',
  vox2seq: "only for the 'serialized' sparse attention; not in upstream requirements either",
};

/** The snapshot's modules that the given Dockerfile would not install: the check the tests below make. */
function missingModules(text: string, upstream: Snapshot): string[] {
  const installed = installedBy(text, upstream);
  return Object.entries(upstream.modules)
    .filter(([name, use]) => {
      const provider = PROVIDED_BY[name];
      if (provider === undefined) return !(name in NOT_INSTALLED && !use.at_import);
      return !installed.has(provider.dist) && !(provider.via !== undefined && installed.has(provider.via));
    })
    .map(([name]) => name)
    .sort();
}

describe('the SAM 3D image installs what the upstream inference entry point imports', () => {
  it('provides every module of the snapshot, or leaves it out for a stated reason when it is imported on demand', () => {
    expect(missingModules(dockerfile, snapshot)).toEqual([]);
    for (const name of Object.keys(NOT_INSTALLED)) {
      expect([name, snapshot.modules[name]?.at_import]).toEqual([name, false]);
    }
  });

  it('fails when a package is missing: without the inference extra, kaolin, gsplat and seaborn are', () => {
    const withoutInference = dockerfile.replace(/pip install -e '\.\[inference\]'/, 'true');
    expect(missingModules(withoutInference, snapshot)).toEqual(['gsplat', 'kaolin', 'seaborn']);
    const withoutP3d = dockerfile.replace(/pip install -e '\.\[p3d\]'/, 'true');
    expect(missingModules(withoutP3d, snapshot)).toEqual(['flash_attn', 'pytorch3d']);
  });

  it('fails for a module the snapshot gains that no package provides', () => {
    const grown: Snapshot = {
      ...snapshot,
      modules: { ...snapshot.modules, nerfacc: { at_import: true, imported_by: ['sam3d_objects/x.py'] } },
    };
    expect(missingModules(dockerfile, grown)).toEqual(['nerfacc']);
  });

  it('names each via requirement among what the image installs', () => {
    const installed = installedBy(dockerfile, snapshot);
    const vias = Object.values(PROVIDED_BY).flatMap((p) => (p.via ? [p.via] : []));
    expect(vias.filter((via) => !installed.has(via))).toEqual([]);
  });
});

describe("the worker's sam3d adapter uses what the snapshot records", () => {
  const adapter = JSON.parse(
    execFileSync(
      python,
      [
        '-c',
        [
          'import ast, json, sys',
          'tree = ast.parse(open(sys.argv[1]).read())',
          'calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]',
          'imports = sorted({c.args[0].value for c in calls if ast.unparse(c.func) == "importlib.import_module"',
          '                  and c.args and isinstance(c.args[0], ast.Constant)})',
          'attributes = sorted({n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)',
          '                     and isinstance(n.value, ast.Name) and n.value.id == "module"})',
          'def keywords(name): return sorted({k.arg for c in calls if ast.unparse(c.func) == name for k in c.keywords})',
          'print(json.dumps({"imports": imports, "attributes": attributes,',
          '  "init": keywords("inference_class"), "call": keywords("self._inference")}))',
        ].join('\n'),
        join(root, 'apps/inference-server/worker/src/gen3d_worker/backends/sam3d.py'),
      ],
      { encoding: 'utf8' },
    ),
  ) as { imports: string[]; attributes: string[]; init: string[]; call: string[] };

  it("imports the entry module and torch, both in the snapshot at the image's commit", () => {
    expect(adapter.imports).toEqual(['inference', 'torch'].sort());
    expect(snapshot.entry_module).toBe('inference');
    expect(snapshot.entry).toBe('notebook/inference.py');
    expect(snapshot.modules['torch']?.at_import).toBe(true);
  });

  it('uses Inference with keywords its constructor and call accept', () => {
    expect(adapter.attributes).toEqual(['Inference']);
    expect(snapshot.public_names).toContain('Inference');
    expect(adapter.init.filter((k) => !snapshot.parameters['__init__']?.includes(k))).toEqual([]);
    expect(adapter.call.filter((k) => !snapshot.parameters['__call__']?.includes(k))).toEqual([]);
    expect(adapter.init).toEqual(['compile']);
    expect(adapter.call).toEqual(['seed']);
  });
});

describe('Dockerfile.sam3d follows doc/setup.md at the pinned commit', () => {
  const arg = instructions.find((line) => line.startsWith('ARG SAM3D_COMMIT='));

  it('pins the commit the snapshot was read at, refuses anything but a full SHA, and adds that commit', () => {
    expect(arg).toBe(`ARG SAM3D_COMMIT=${snapshot.commit}`);
    expect(/ARG SAM3D_COMMIT=(\S+)/.exec(gpuDockerfile)?.[1]).toBe(snapshot.commit);
    const guard = indexOf(/^RUN echo "\$\{SAM3D_COMMIT\}" \| grep -Eqx '\[0-9a-f\]\{40\}'/);
    const add = indexOf(
      /^ADD https:\/\/github\.com\/facebookresearch\/sam-3d-objects\.git#\$\{SAM3D_COMMIT\} /,
    );
    expect(guard).toBeGreaterThan(0);
    expect(add).toBeGreaterThan(guard);
  });

  it('runs on CUDA 12.1 and builds the conda environment from environments/default.yml', () => {
    expect(instructions).toContain('FROM nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04 AS runtime');
    expect(
      indexOf(/^RUN micromamba create -y -n sam3d-objects -f environments\/default\.yml/),
    ).toBeGreaterThan(0);
    expect(dockerfile).toMatch(/^ENV CONDA_PREFIX=\/opt\/conda\/envs\/sam3d-objects/m);
    expect(dockerfile).toMatch(/^ENV PATH=\$\{CONDA_PREFIX\}\/bin:\$\{PATH\}/m);
  });

  it('installs .[dev], then .[p3d], then .[inference] with kaolin’s find-links, then patches hydra', () => {
    const extraIndex = indexOf(
      /^ENV PIP_EXTRA_INDEX_URL="https:\/\/pypi\.ngc\.nvidia\.com https:\/\/download\.pytorch\.org\/whl\/cu121"$/,
    );
    const dev = indexOf(/^RUN pip install -e '\.\[dev\]'$/);
    const p3d = indexOf(/^RUN pip install -e '\.\[p3d\]'$/);
    const inference = indexOf(
      /^RUN PIP_FIND_LINKS="https:\/\/nvidia-kaolin\.s3\.us-east-2\.amazonaws\.com\/torch-2\.5\.1_cu121\.html"\s+pip install -e '\.\[inference\]'$/,
    );
    const hydra = indexOf(/^RUN python patching\/hydra$/);
    expect([extraIndex, dev, p3d, inference, hydra].every((i) => i > 0)).toBe(true);
    expect([extraIndex, dev, p3d, inference, hydra]).toEqual(
      [extraIndex, dev, p3d, inference, hydra].sort((a, b) => a - b),
    );
  });

  it('installs TorchServe at the pins of requirements-torchserve.txt and the worker as the GPU image does', () => {
    const pins = readFileSync(join(root, 'apps/inference-server/worker/requirements-torchserve.txt'), 'utf8');
    for (const name of ['torchserve', 'torch-model-archiver']) {
      const pin = new RegExp(`^${name}==(\\S+)$`, 'm').exec(pins)?.[1];
      expect(dockerfile).toContain(` ${name}==${pin as string}`);
    }
    const shared = (text: string) =>
      instructionsIn(text).filter(
        (l) =>
          /^(COPY|ENTRYPOINT|CMD|EXPOSE)/.test(l) &&
          !l.includes('--from=') &&
          !l.includes('sam3d/') &&
          !l.includes('requirements'),
      );
    expect(shared(dockerfile)).toEqual(shared(gpuDockerfile));
    expect(instructions).toContain('RUN pip install --no-deps ./worker');
    const timeout = (text: string) => /JOB_TIMEOUT_SECONDS=(\d+)/.exec(text)?.[1];
    expect(timeout(dockerfile)).toBe(timeout(gpuDockerfile));
  });

  it('bakes in no weights: the model directory is where SageMaker copies the model bucket’s sam3d-model/', () => {
    const stack = readFileSync(join(root, 'apps/infra/src/stacks/inference-stack.ts'), 'utf8');
    const modelDir = /export const MODEL_DIR = '([^']+)'/.exec(stack)?.[1];
    expect(dockerfile).toContain(`GEN3D_SAM3D_MODEL_DIR=${modelDir as string} `);
    expect(dockerfile).toContain('GEN3D_BACKENDS=sam3d,inflate');
    expect(dockerfile).toContain('GEN3D_SAM3D_CODE_DIR=/opt/sam-3d-objects ');
    expect(instructions.join('\n')).not.toMatch(
      /hf download|huggingface-cli|checkpoints\/|\.safetensors|\.ckpt/,
    );
  });

  it('checks itself at build time against the snapshot at the commit it installed', () => {
    const check = indexOf(
      /^RUN python sam3d\/check_image\.py --snapshot sam3d\/upstream-imports\.json --commit "\$\{SAM3D_COMMIT\}"$/,
    );
    expect(check).toBeGreaterThan(indexOf(/^RUN pip install --no-deps \.\/worker$/));
    expect(check).toBeGreaterThan(indexOf(/^RUN python patching\/hydra$/));
  });

  it('sends the build only what it copies', () => {
    const admitted = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('!'))
      .map((line) => line.slice(1).trim());
    const sources = instructions
      .filter((line) => line.startsWith('COPY') && !line.includes('--from='))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    const covered = (source: string) =>
      admitted.some(
        (a) =>
          a === source || a === `${source}/**` || (a.endsWith('/**') && source.startsWith(a.slice(0, -2))),
      );
    expect(sources.filter((source) => !covered(source))).toEqual([]);
  });
});

describe('the image check (sam3d/check_image.py)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sam3d-check-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (modules: Record<string, ModuleUse>, commit: string) => {
    const path = join(dir, `snapshot-${Object.keys(modules).length}.json`);
    writeFileSync(path, JSON.stringify({ ...snapshot, modules }));
    return spawnSync(python, [join(sam3dDir, 'check_image.py'), '--snapshot', path, '--commit', commit], {
      encoding: 'utf8',
    });
  };
  const numpy = { numpy: { at_import: true, imported_by: ['notebook/inference.py'] } };

  it('passes when every module imported at module level is found and the commits agree', () => {
    const result = run({ ...numpy, vox2seq: { at_import: false, imported_by: ['a.py'] } }, snapshot.commit);
    expect([result.status, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toContain('not checked: vox2seq');
  });

  it('fails on a module not installed, naming who imports it, and on another commit', () => {
    const missing = run(
      { ...numpy, kaolin: { at_import: true, imported_by: ['notebook/inference.py'] } },
      'f'.repeat(40),
    );
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("module 'kaolin' is not installed (imported by notebook/inference.py)");
    expect(missing.stderr).toContain(`the image installs ${'f'.repeat(40)}`);
    expect(missing.stderr).not.toContain("'numpy'");
  });
});

describe('the snapshot script (sam3d/snapshot_imports.py)', () => {
  it('follows the package from notebook/inference.py and tells module-level imports from on-demand ones', () => {
    const repo = mkdtempSync(join(tmpdir(), 'sam3d-upstream-'));
    try {
      const files: Record<string, string> = {
        'notebook/inference.py':
          'import os\nimport numpy as np\nfrom sam3d_objects.pipeline import run\n' +
          'WHITELIST_FILTERS = [lambda t: t in {"sam3d_objects", "torch"}]\n' +
          'class Inference:\n    def __init__(self, config_file, compile=False): pass\n' +
          '    def __call__(self, image, mask, seed=None): pass\n',
        'sam3d_objects/__init__.py': '',
        'sam3d_objects/pipeline/__init__.py': 'from .steps import run\n',
        'sam3d_objects/pipeline/steps.py':
          'import torch.nn as nn\ntry:\n    import fancy\nexcept ImportError:\n    fancy = None\n' +
          'def run():\n    import lazy\nif False:\n    import never\n',
        'sam3d_objects/unused.py': 'import unreachable\n',
        'requirements.txt': 'torch==2.5.1\nMoGe @ git+https://example.invalid/MoGe.git@abc\n',
        'requirements.dev.txt': 'pytest\n',
        'requirements.p3d.txt': 'flash_attn==2.8.3\n',
        'requirements.inference.txt': 'kaolin==0.17.0\n',
      };
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(join(repo, path, '..'), { recursive: true });
        writeFileSync(join(repo, path), text);
      }
      const git = (...args: string[]) =>
        execFileSync(
          'git',
          ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args],
          {
            encoding: 'utf8',
          },
        ).trim();
      git('init', '-q');
      git('add', '.');
      git('commit', '-q', '-m', 'upstream');
      const commit = git('rev-parse', 'HEAD');
      const out = execFileSync(
        python,
        [join(sam3dDir, 'snapshot_imports.py'), '--git-dir', join(repo, '.git'), '--commit', commit],
        { encoding: 'utf8' },
      );
      const made = JSON.parse(out) as Snapshot;
      expect(made.commit).toBe(commit);
      expect(
        Object.fromEntries(Object.entries(made.modules).map(([name, use]) => [name, use.at_import])),
      ).toEqual({ fancy: false, lazy: false, never: false, numpy: true, torch: true });
      expect(made.modules['torch']?.imported_by).toEqual(['sam3d_objects/pipeline/steps.py']);
      expect(made.parameters).toEqual({
        __init__: ['config_file', 'compile'],
        __call__: ['image', 'mask', 'seed'],
      });
      expect(made.hydra_target_roots).toEqual(['sam3d_objects', 'torch']);
      expect(made.extras).toEqual({
        '': ['moge', 'torch'],
        dev: ['pytest'],
        p3d: ['flash-attn'],
        inference: ['kaolin'],
      });
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
