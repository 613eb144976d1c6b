import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { BSON, MongoClient } from 'mongodb';
import { cli, freshDatabaseUri } from '../helpers/service-process.js';

/**
 * `directory backup` / `directory restore` as an operator runs them (the CLI in its own process) between two
 * databases of their own: a round trip keeps every document of every collection with its types; restore refuses a
 * database that holds data unless --force.
 */
async function dump(uri: string): Promise<Record<string, string[]>> {
  const client = await MongoClient.connect(uri);
  try {
    const db = client.db();
    const out: Record<string, string[]> = {};
    for (const { name } of await db.listCollections().toArray()) {
      const docs = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
      if (docs.length) out[name] = docs.map((d) => BSON.EJSON.stringify(d, { relaxed: false }));
    }
    return out;
  } finally {
    await client.close();
  }
}

describe('directory backup / restore (CLI, separate processes)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'directory-backup-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips every collection into an empty database, and refuses a non-empty one unless --force', async () => {
    const source = freshDatabaseUri('backup_src');
    const target = freshDatabaseUri('backup_dst');
    const run = (uri: string, ...args: string[]) => {
      const res = cli(args, { MONGODB_URI: uri });
      expect(res.status, `${args.join(' ')}: ${res.stderr}`).to.equal(0);
      return res;
    };
    run(source, 'tenant', 'create', 'contoso', '--name', 'Contoso Ltd');
    run(source, 'tenant', 'create', 'fabrikam');
    run(source, 'token', 'issue', 'contoso', '--kind', 'scim');
    run(source, 'scim', 'disable', 'fabrikam');
    const before = await dump(source);
    expect(Object.keys(before)).to.include.members(['tenants', 'credentials', 'auditevents']);

    const file = path.join(dir, 'directory.backup.jsonl');
    const backup = run(source, 'backup', file, '--json');
    const summary = JSON.parse(backup.stdout) as { documents: Record<string, number> };
    expect(summary.documents.tenants).to.equal(2);
    expect(statSync(file).mode & 0o077, 'readable by its owner only').to.equal(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[0]!)).to.include({ format: 'entra-directory-backup', version: 1 });
    expect(lines).to.have.length(1 + Object.values(before).reduce((n, docs) => n + docs.length, 0));

    const again = cli(['backup', file], { MONGODB_URI: source });
    expect(again.status).to.equal(1);
    expect(again.stderr).to.contain('exists');

    run(target, 'restore', file);
    expect(await dump(target)).to.deep.equal(before);
    const list = run(target, 'tenant', 'list', '--json');
    expect(
      (JSON.parse(list.stdout) as { slug: string; scimEnabled: boolean }[]).map((t) => t.slug),
    ).to.deep.equal(['contoso', 'fabrikam']);

    // Not into a database that holds data …
    run(target, 'tenant', 'create', 'northwind');
    const refused = cli(['restore', file], { MONGODB_URI: target });
    expect(refused.status).to.equal(1);
    expect(refused.stderr).to.contain('not empty');
    expect(refused.stderr).to.contain('--force');
    expect((await dump(target)).tenants).to.have.length(3);
    // … unless forced: then it holds exactly the backup.
    run(target, 'restore', file, '--force');
    expect(await dump(target)).to.deep.equal(before);
  });

  it('refuses a file that is not a backup, and restores nothing from it', async () => {
    const target = freshDatabaseUri('backup_bad');
    const file = path.join(dir, 'not-a-backup.jsonl');
    writeFileSync(file, '{"hello":"world"}\n');
    const res = cli(['restore', file], { MONGODB_URI: target });
    expect(res.status).to.equal(1);
    expect(res.stderr).to.contain('not a backup of this service');
    expect(await dump(target)).to.deep.equal({});
  });
});
