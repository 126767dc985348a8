/** Options and the --workers choice shared by preview and run. */
import type { CompiledPipeline } from '../pipeline/load-pipeline.js';
import { chooseWorkers, inlineMapper, workerMapper, type Mapper } from '../runner/mapping-pool.js';
import { openSource } from '../sources/open-source.js';
import { intOption, type CommandContext, type OptionDef } from './command.js';
import type { Session } from './setup.js';

/** Flags that preview and run read their persons with. */
export const INPUT_OPTIONS: Record<'input' | 'limit', OptionDef> = {
  input: { type: 'string', short: 'i', value: 'PATH', description: "Read persons from this path, folder or glob instead of the pipeline's source path." },
  limit: { type: 'string', short: 'n', value: 'N', description: 'Process at most N persons.' },
};

export const WORKERS_OPTION: OptionDef = {
  type: 'string',
  short: 'w',
  value: 'N',
  description: 'Mapping threads: 0 maps in the main thread; default: one per core (up to 4) when there are 500 persons or more.',
};

export async function mapperFor(ctx: CommandContext, session: Session, file: string, pipeline: CompiledPipeline, o: { assumeConsent?: boolean; input?: string } = {}): Promise<Mapper> {
  const requested = intOption(ctx.values, 'workers', 0);
  let estimate: number | undefined;
  if (requested === undefined) {
    estimate = await openSource(pipeline.spec.source, { baseDir: pipeline.dir, cwd: ctx.io.cwd, env: ctx.io.env, ...(o.input !== undefined ? { input: o.input } : {}) })
      .estimateTotal()
      .catch(() => undefined);
  }
  const workers = chooseWorkers(requested, estimate);
  if (workers === 0) return inlineMapper(pipeline, { pseudonymize: session.pseudonymize(), assumeConsent: o.assumeConsent ?? false });
  session.logger.debug({ step: 'map', workers }, 'mapping in worker threads');
  return workerMapper({ pipelineFile: file, cwd: ctx.io.cwd, config: session.config, env: ctx.io.env, pseudonymSecret: session.pseudonymSecret(), assumeConsent: o.assumeConsent ?? false }, workers);
}
