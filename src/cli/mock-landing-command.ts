import { resolve } from 'node:path';
import { loadConfig } from '../config/mayfly-config.js';
import { DEFAULT_LANDING_FROM, generateLanding } from '../ingest/landing-generator.js';
import { StageRegistry } from '../ingest/stage-registry.js';
import { LocalDirectoryStage } from '../ingest/local-directory-stage.js';
import { GLOBAL_OPTIONS_HELP, expectPositionals, parseCommandArgs, usageError } from './args.js';
import type { Command } from './command.js';
import { formatBytes, inElapsed, plural } from './output.js';
import { progressBar } from './progress.js';

const OPTIONS = {
  dir: { type: 'string' },
  stage: { type: 'string' },
  days: { type: 'string' },
  scale: { type: 'string' },
  seed: { type: 'string' },
  from: { type: 'string' },
  'only-from': { type: 'string' },
  'bad-rows': { type: 'string' },
} as const;

/** `mayfly mock landing`: the sample project's landing files for N days. */
export const mockLandingCommand: Command = {
  words: ['mock', 'landing'],
  options: OPTIONS,
  summary: "write N days of the sample project's landing files (customers, orders, payments)",
  help: `Usage: mayfly mock landing (--dir DIR | --stage NAME) --days N [--scale S] [--seed N] [--from DATE]

Writes the sample project's landing files, deterministic by seed:
  source_a/customers/YYYY-MM-DD.csv   new customers and changes to earlier ones
  source_a/orders/YYYY-MM-DD.csv      orders of customers that exist by then
  source_b/payments/YYYY-MM-DD.jsonl  payments of that day's orders
Day N's files are the same whatever range is generated, so files can land a
day at a time (--only-from); files already there with the same content are
left untouched. Each file is renamed into place once written.

Options:
  --dir DIR          the directory to write into
  --stage NAME       or the directory of a stage of mayfly.yaml (default: raw, when configured)
  --days N           how many days from --from (default 7)
  --scale S          1 = 20 customers, 100 orders, ~90 payments a day (default 1)
  --seed N           random seed (default 42)
  --from DATE        the first day of the data set (default ${DEFAULT_LANDING_FROM})
  --only-from DATE   write only the days from DATE on
  --bad-rows N       malformed rows per file, to try ON_ERROR (default 0)

${GLOBAL_OPTIONS_HELP}`,
  async run(args, { out }) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS);
    expectPositionals(positionals, []);
    const dir = values.dir !== undefined ? resolve(values.dir) : stageDir(values.stage, values.config);
    const bar = progressBar(out, 'writing landing files');
    const report = await generateLanding(
      {
        dir,
        days: whole(values.days ?? '7', '--days'),
        scale: Number(values.scale ?? '1'),
        seed: whole(values.seed ?? '42', '--seed'),
        from: values.from ?? DEFAULT_LANDING_FROM,
        badRows: whole(values['bad-rows'] ?? '0', '--bad-rows'),
        ...(values['only-from'] !== undefined ? { onlyFrom: values['only-from'] } : {}),
      },
      (done, total, path) => bar.update(done, total, path),
    ).finally(() => bar.finish());
    if (out.json) return out.printJson(report);
    const written = report.files.filter((f) => f.written).length;
    out.line(
      `wrote ${plural(written, 'file')} (${plural(report.files.length - written, 'file')} unchanged) into ${dir}: ${plural(report.rows, 'row')}, ${formatBytes(report.bytes)}${inElapsed(report.elapsedMs)}`,
    );
  },
};

/** The directory of a configured stage (`raw` by default). */
function stageDir(name: string | undefined, configPath: string | undefined): string {
  const config = loadConfig(configPath ? { configPath } : {});
  const stages = StageRegistry.fromConfig(config);
  if (name === undefined && !stages.list().some((s) => s.name === 'raw')) throw usageError('give --dir DIR, or --stage NAME of a stage in mayfly.yaml');
  const stage = stages.get(name ?? 'raw');
  if (!(stage instanceof LocalDirectoryStage)) throw usageError(`stage ${stage.name} is not a local directory; give --dir`);
  return stage.root;
}

function whole(text: string, option: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw usageError(`${option} takes a whole number, got ${JSON.stringify(text)}`);
  return n;
}
