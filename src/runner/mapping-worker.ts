/** A mapping thread: compiles the pipeline once, then maps the persons it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { isTmtError } from '../errors.js';
import { createPseudonymizer } from '../logging/pseudonym.js';
import { hasErrors, loadPipeline } from '../pipeline/load-pipeline.js';
import type { SourceItem } from '../sources/types.js';
import type { WorkerInit } from './mapping-pool.js';
import { processPerson } from './process-person.js';

const init = workerData as WorkerInit;
const port = parentPort!;

const { pipeline, issues } = await loadPipeline(init.pipelineFile, { config: init.config, cwd: init.cwd, env: init.env });
if (!pipeline || hasErrors(issues)) {
  port.postMessage({ ready: false, message: issues.map((i) => i.code).join(', ') || 'no pipeline' });
} else {
  const pseudonymize = createPseudonymizer(init.pseudonymSecret);
  port.on('message', (m: { id: number; item: SourceItem }) => {
    processPerson(m.item, pipeline, { pseudonymize, assumeConsent: init.assumeConsent }).then(
      (processed) => port.postMessage({ id: m.id, ok: true, processed }),
      (e: unknown) => port.postMessage({ id: m.id, ok: false, code: isTmtError(e) ? e.code : 'INTERNAL', message: e instanceof Error ? e.name : 'error' }),
    );
  });
  port.postMessage({ ready: true });
}
