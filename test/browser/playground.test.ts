import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { projectRoot } from '../../src/paths.js';
import { setWorkspaceDefaultAccess } from '../../src/services/access-policies.js';
import { createGroup } from '../../src/services/groups.js';
import { createSsoConfiguration } from '../../src/services/sso.js';
import { createWorkspace, getWorkspace } from '../../src/services/workspaces.js';
import { ctxFor, guid, makeTenantWithTokens } from '../helpers/factories.js';
import { startServer, type TestServer, type Data } from '../graphql/helpers.js';

/**
 * The playground in a real browser: Debian's Chromium driven by playwright-core. An admin opens GET /graphql, enters
 * an admin token in the headers editor, opens the "Limit workspace to groups" example, fills in its variables, runs
 * it and sees the result. Every request must stay on the service's origin (anything else is aborted and fails the
 * test). The screenshot is saved to test-artifacts/playground.png.
 */
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const artifacts = path.join(projectRoot, 'test-artifacts');

describe('GraphQL playground in Chromium (offline, same origin)', function () {
  this.timeout(120_000);
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    execFileSync(process.execPath, [path.join(projectRoot, 'scripts/build-playground.mjs'), '--if-stale'], {
      stdio: 'inherit',
    });
    server = await startServer();
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('limits a workspace to a group through the playground, with no request leaving the origin', async () => {
    // A tenant whose admin wants the "Design studio" workspace limited to the Entra group "Designers".
    const t = await makeTenantWithTokens();
    const admin = ctxFor(t.tenant);
    const sso = await createSsoConfiguration(admin, {
      name: 'Contoso',
      kind: 'ENTRA_SINGLE_TENANT',
      entraTenantId: guid(),
    });
    await setWorkspaceDefaultAccess(admin, { ssoEnabled: true, ssoConfigurationId: sso.id });
    const workspace = await createWorkspace(admin, { name: 'Design studio' });
    const designersOid = guid();
    await createGroup(ctxFor(t.tenant, 'scim'), { displayName: 'Designers', externalId: designersOid });

    const origin = new URL(server.url).origin;
    const foreign: string[] = [];
    const problems: string[] = [];
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (new URL(url).origin === origin) return route.continue();
      foreign.push(url);
      return route.abort('blockedbyclient');
    });
    context.on('request', (req) => {
      const url = req.url();
      if (!/^(data|blob):/.test(url) && new URL(url).origin !== origin) foreign.push(url);
    });
    const page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
    const graphqlResponses: number[] = [];
    page.on('response', (res) => {
      if (res.url() === `${origin}/graphql` && res.request().method() === 'POST')
        graphqlResponses.push(res.status());
    });

    try {
      await drive();
    } catch (err) {
      // Leave evidence for CI: what the page looked like and what it complained about.
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: path.join(artifacts, 'playground-failure.png'), fullPage: true });
      throw new Error(
        `${(err as Error).message}\nproblems: ${JSON.stringify(problems)}\nforeign: ${JSON.stringify(foreign)}\n` +
          `response: ${await page.locator('.graphiql-response').textContent()}`,
      );
    }

    await context.close();
    expect(foreign, 'requests to other origins').to.deep.equal([]);
    expect(problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).to.deep.equal([]);
    expect(problems.filter((p) => p.startsWith('page error'))).to.deep.equal([]);

    async function drive() {
      await page.goto(`${server.url}/graphql`);
      await page.waitForSelector('.graphiql-container .graphiql-query-editor .monaco-editor', {
        timeout: 60_000,
      });

      // The admin token goes into the headers editor (open by default), before opening the example.
      const headersEditor = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden)').first();
      await headersEditor.click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Backspace');
      const schemaLoaded = page.waitForResponse(
        (res) =>
          res.url() === `${origin}/graphql` &&
          /IntrospectionQuery/.test(res.request().postData() ?? '') &&
          res.status() === 200,
      );
      await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${t.adminToken}` }));
      // With the token entered, the playground loads the schema (docs, completion).
      await schemaLoaded;

      // One click on the example opens it in a new tab (the headers come along).
      await page.getByRole('button', { name: /Limit workspace to groups/ }).click();
      await page.locator('.graphiql-query-editor', { hasText: 'LimitWorkspaceToGroups' }).waitFor();

      await page.getByRole('button', { name: 'Variables' }).click();
      const variablesEditor = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden)').first();
      await variablesEditor.click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Backspace');
      await page.keyboard.insertText(
        JSON.stringify({ id: workspace.id, input: { ssoEnabled: true, allowedGroupIds: [designersOid] } }),
      );

      const answered = page.waitForResponse(
        (res) =>
          res.url() === `${origin}/graphql` && /LimitWorkspaceToGroups/.test(res.request().postData() ?? ''),
      );
      await page.locator('.graphiql-execute-button').click();
      const body = (await (await answered).json()) as { data?: Data; errors?: unknown };
      expect(body.errors).to.equal(undefined);
      expect(body.data.setWorkspaceAccess.access).to.deep.equal({
        policy: 'WORKSPACE_OVERRIDE',
        rule: {
          ssoEnabled: true,
          allowedGroupIds: [designersOid],
          allowedGroups: [{ objectId: designersOid, group: { displayName: 'Designers' } }],
          warnings: [],
        },
      });

      // …and the admin sees it in the response pane (Monaco wraps lines: compare without whitespace).
      await page
        .locator('.graphiql-response', { hasText: 'WORKSPACE_OVERRIDE' })
        .waitFor({ timeout: 30_000 });
      const shown = ((await page.locator('.graphiql-response').textContent()) ?? '').replace(/\s+/g, '');
      expect(shown).to.contain('"name":"Designstudio"');
      expect(shown).to.contain('"displayName":"Designers"');
      expect(shown).to.contain(designersOid);
      expect(shown).not.to.contain('"errors"');

      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: path.join(artifacts, 'playground.png'), fullPage: true });

      // The change really happened, through the API.
      const saved = await getWorkspace(admin, workspace.id);
      expect(saved.accessOverride?.allowedGroupIds).to.deep.equal([designersOid]);
      expect(graphqlResponses).to.include(200);
    }
  });
});
