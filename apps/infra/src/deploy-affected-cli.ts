import { spawnSync } from 'node:child_process';
import { deployPlan } from './deploy-order';
import { workspaceRoot } from './workspace';

/** What the command line asks for: every stack or the affected ones, deployed or only listed. */
export interface DeployRequest {
  readonly all: boolean;
  readonly dryRun: boolean;
  /** Passed to `nx show projects --affected` as given: `--base=`, `--head=`, `--files=`. */
  readonly affectedArgs: string[];
}

const AFFECTED_FLAGS = ['--base', '--head', '--files'];

export function parseDeployRequest(argv: readonly string[]): DeployRequest {
  const unknown = argv.filter(
    (a) => a !== '--all' && a !== '--dry-run' && !AFFECTED_FLAGS.some((flag) => a.startsWith(`${flag}=`)),
  );
  if (unknown.length > 0) {
    throw new Error(
      `deploy-affected: unknown argument ${unknown.join(' ')} (--all, --dry-run, --base=, --head=, --files=)`,
    );
  }
  return {
    all: argv.includes('--all'),
    dryRun: argv.includes('--dry-run'),
    affectedArgs: argv.filter((a) => AFFECTED_FLAGS.some((flag) => a.startsWith(`${flag}=`))),
  };
}

function nx(args: string[], capture: boolean) {
  return spawnSync('npx', ['nx', ...args], {
    cwd: workspaceRoot(),
    encoding: 'utf8',
    stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
  });
}

/** The projects with a deploy target that the change affects (Nx reads NX_BASE and NX_HEAD when no flag names them). */
function projectsToDeploy(request: DeployRequest): string[] {
  const args = ['show', 'projects', '--withTarget', 'deploy', '--json'];
  const shown = nx(request.all ? args : [...args, '--affected', ...request.affectedArgs], true);
  if (shown.status !== 0) throw new Error(`deploy-affected: nx show projects failed (exit ${shown.status})`);
  return JSON.parse(shown.stdout) as string[];
}

/**
 * `nx run infra:deploy-affected [-- --dry-run] [--all]`: deploys the stacks whose deploy projects the change affects,
 * one at a time in the first-deploy order (deploy-order.ts), and stops at the first that fails. CI runs it after
 * nrwl/nx-set-shas; locally, `--base=main` or `--files=a,b` say what changed.
 */
function main(): void {
  const request = parseDeployRequest(process.argv.slice(2));
  const plan = deployPlan(projectsToDeploy(request));
  console.log(
    plan.length === 0
      ? 'deploy-affected: no stack is affected'
      : `deploy-affected: ${plan.map((unit) => unit.stack).join(' → ')}`,
  );
  if (request.dryRun) return;
  for (const unit of plan) {
    const run = nx(['run', `${unit.project}:deploy`, '--outputStyle=static'], false);
    if (run.status !== 0) {
      console.error(`deploy-affected: ${unit.stack} failed; the stacks after it were not deployed`);
      process.exitCode = run.status ?? 1;
      return;
    }
  }
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  }
}
