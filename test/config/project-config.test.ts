import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadProjectConfig, DEFAULT_ENVIRONMENTS } from '../../src/config/project-config.js';
import { isTmtError } from '../../src/errors.js';
import { tempDir } from '../helpers.js';
import { writeFiles } from '../fixtures.js';

test('no config file at all: the defaults', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFiles(dir, { 'package.json': '{"name": "x"}' });
    const c = await loadProjectConfig({ cwd: dir });
    assert.deepEqual(Object.keys(c.environments).sort(), ['production', 'sandbox', 'test']);
    assert.equal(c.stateDir, join(dir, '.tmt-import'));
    assert.equal(c.logLevel, 'info');
    assert.equal(c.allowProduction, false);
    assert.equal(c.configFile, undefined);
  } finally {
    cleanup();
  }
});

test('a YAML config is found from a subfolder, merged over the defaults, paths relative to it', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFiles(dir, {
      'package.json': '{"name": "x"}',
      'tmt-import.config.yaml': 'stateDir: var/state\nlogLevel: debug\nenvironments:\n  test:\n    clientId: org-1\n  staging:\n    baseUrl: https://staging.example.org\n    tokenUrl: https://staging.example.org/token\n    authorizeUrl: https://staging.example.org/authorize\n    clientSecretEnv: STAGING_SECRET\n    subscriptionKeyEnv: STAGING_KEY\n',
      'pipelines/.keep': '',
    });
    const c = await loadProjectConfig({ cwd: join(dir, 'pipelines') });
    assert.equal(c.stateDir, join(dir, 'var/state'));
    assert.equal(c.logLevel, 'debug');
    assert.equal(c.environments.test?.clientId, 'org-1');
    assert.equal(c.environments.test?.baseUrl, DEFAULT_ENVIRONMENTS.test?.baseUrl);
    assert.equal(c.environments.staging?.subscriptionKeyEnv, 'STAGING_KEY');
    assert.equal(c.configFile, join(dir, 'tmt-import.config.yaml'));
  } finally {
    cleanup();
  }
});

test('a "tmt-import" key in package.json is a config', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFiles(dir, { 'package.json': JSON.stringify({ name: 'x', 'tmt-import': { allowProduction: true } }) });
    const c = await loadProjectConfig({ cwd: dir });
    assert.equal(c.allowProduction, true);
  } finally {
    cleanup();
  }
});

test('a config with a wrong shape or a secret written in place of a variable name is CONFIG_INVALID', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFiles(dir, { 'package.json': '{}', '.tmt-importrc.yaml': 'logLevel: loud\nenvironments:\n  test:\n    subscriptionKeyEnv: "abc-123 secret value"\nextra: 1\n' });
    await assert.rejects(loadProjectConfig({ cwd: dir }), (e) => {
      assert.ok(isTmtError(e));
      const codes = e.issues.map((i) => i.code);
      assert.ok(codes.every((c) => c === 'CONFIG_INVALID'));
      assert.equal(e.issues.length, 3);
      assert.ok(e.issues.every((i) => i.file?.endsWith('.tmt-importrc.yaml')));
      assert.ok(e.issues.some((i) => /unknown key "extra"/.test(i.message)));
      return true;
    });
  } finally {
    cleanup();
  }
});

test('a config that does not parse is CONFIG_UNREADABLE naming the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFiles(dir, { 'package.json': '{}', 'tmt-import.config.json': '{"logLevel": ' });
    await assert.rejects(loadProjectConfig({ cwd: dir }), (e) => isTmtError(e) && e.code === 'CONFIG_UNREADABLE' && (e.issues[0]?.file ?? '').endsWith('tmt-import.config.json'));
  } finally {
    cleanup();
  }
});
