import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/paths.js';
import { playgroundBuildDir } from '../../src/graphql/playground.js';
import { startServer, type TestServer } from './helpers.js';

/** The playground over HTTP (the browser test in test/browser drives it in Chromium). */
describe('GraphQL playground (HTTP)', () => {
  let server: TestServer;
  before(async function () {
    this.timeout(120_000);
    execFileSync(process.execPath, [path.join(projectRoot, 'scripts/build-playground.mjs'), '--if-stale'], {
      stdio: 'inherit',
    });
    server = await startServer();
  });
  after(() => server.close());

  it('serves a same-origin page to browsers at GET /graphql, under a CSP without inline scripts', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).to.contain("script-src 'self'");
    expect(csp).to.contain("connect-src 'self'");
    expect(csp).not.to.match(/script-src[^;]*unsafe-inline/);
    const html = await res.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).to.have.length(1);
    expect(scripts[0]![1]).to.contain('src="/graphql/playground/playground.js"');
    expect(scripts[0]![2]!.trim()).to.equal('');
    expect(html).not.to.match(/https?:\/\//);
  });

  it('serves the bundle, styles and Monaco workers from the build, and nothing outside it', async () => {
    for (const file of [
      'playground.js',
      'playground.css',
      'editor.worker.js',
      'json.worker.js',
      'graphql.worker.js',
    ]) {
      expect(existsSync(path.join(playgroundBuildDir, file)), file).to.equal(true);
      const res = await fetch(`${server.url}/graphql/playground/${file}`);
      expect(res.status, file).to.equal(200);
      expect(res.headers.get('content-type'), file).to.match(
        file.endsWith('.css') ? /text\/css/ : /javascript/,
      );
      await res.arrayBuffer();
    }
    const escape = await fetch(`${server.url}/graphql/playground/..%2f..%2fpackage.json`);
    expect(escape.status).to.be.oneOf([403, 404]);
    const missing = await fetch(`${server.url}/graphql/playground/nope.js`);
    expect(missing.status).to.equal(404);
  });

  it('answers API clients, not the page, when they do not ask for HTML', async () => {
    const res = await fetch(`${server.url}/graphql`, { headers: { accept: 'application/json' } });
    expect(res.headers.get('content-type')).to.match(/json/);
    expect(res.status).to.be.oneOf([400, 401]);
  });
});
