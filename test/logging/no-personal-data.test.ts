import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../cli-harness.js';
import { tempDir } from '../helpers.js';
import { simpleProject, writeFiles } from '../fixtures.js';

const DISTINCT = ['Zebulon Quaxworth', 'zebulon.quaxworth@example.net', '+358 40 765 4321', 'Xylophonic Widgets Ltd', 'Chief Quux Officer'];

test('logs and error output carry no personal data, at every log level, even for broken persons', async () => {
  const { dir, cleanup } = tempDir();
  try {
    simpleProject(dir, {
      'mapping.jsonata': `{
        "employments": [work.{ "employer": $l10n(name), "title": $l10n(position), "interval": $interval(startDate, endDate), "description": { "description": $l10n($string($number($$.basics.phone))) } }]
      }`,
    });
    writeFiles(dir, {
      'persons/4.json': {
        basics: { name: DISTINCT[0], email: DISTINCT[1], phone: DISTINCT[2] },
        work: [{ name: DISTINCT[3], position: DISTINCT[4], startDate: '2020-01' }],
        consent: { work: true },
      },
      'persons/5.json': `{"basics": {"email": "${DISTINCT[1]}", "name": "${DISTINCT[0]}"}, broken`,
    });
    for (const level of ['trace', 'debug', 'info']) {
      const r = await runCli(['preview', 'simple.pipeline.yaml', '--format', 'table', '--log-level', level], { cwd: dir });
      assert.notEqual(r.stderr.length, 0, 'logs were written');
      for (const s of DISTINCT) {
        assert.ok(!r.stderr.includes(s), `stderr at ${level} contains "${s}"`);
        assert.ok(!r.stdout.includes(s), `table output contains "${s}"`);
      }
      // The mapping failure is reported, without the value that broke it.
      assert.match(r.stdout, /MAPPING_RUNTIME/);
      assert.match(r.stdout, /SOURCE_JSON_INVALID/);
    }
  } finally {
    cleanup();
  }
});
