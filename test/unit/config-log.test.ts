import { Writable } from 'node:stream';
import { expect } from 'chai';
import { ConfigError, parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';

describe('configuration', () => {
  it('applies defaults', () => {
    const c = parseConfig({});
    expect(c).to.include({ PORT: 4000, HOST: '127.0.0.1', DATA_DIR: './.data', SCIM_MAX_PAGE_SIZE: 200 });
    expect(c.MONGODB_URI).to.equal(undefined);
  });

  it('names the variable that is wrong', () => {
    for (const [env, name] of [
      [{ PORT: 'eighty' }, 'PORT'],
      [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
      [{ EMBEDDED_POSTGRESQL_URL: 'mysql://db/x' }, 'EMBEDDED_POSTGRESQL_URL'],
      [{ DIRECTORY_BOOTSTRAP_TENANT: 'Bad Slug' }, 'DIRECTORY_BOOTSTRAP_TENANT'],
      [
        { DIRECTORY_BOOTSTRAP_TENANT: 'ok', DIRECTORY_BOOTSTRAP_SCIM_TOKEN: 'short' },
        'DIRECTORY_BOOTSTRAP_SCIM_TOKEN',
      ],
      [{ DIRECTORY_BOOTSTRAP_ADMIN_TOKEN: 'a-long-enough-admin-token' }, 'DIRECTORY_BOOTSTRAP_TENANT'],
      [{ NODE_ENV: 'production' }, 'SESSION_SECRET'],
    ] as const) {
      expect(() => parseConfig(env as NodeJS.ProcessEnv), name)
        .to.throw(ConfigError)
        .with.property('message')
        .that.contains(name);
    }
  });
});

describe('logger', () => {
  it('redacts authorization headers, cookies, tokens and secrets', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger('info', sink);
    log.info(
      {
        req: { headers: { authorization: 'Bearer s3cr3t-token', cookie: 'sid=abc123' } },
        body: { token: 'tok-123', clientSecret: 'cs-456' },
        token: 'top-level-789',
      },
      'hello',
    );
    const out = lines.join('');
    for (const secret of ['s3cr3t-token', 'abc123', 'tok-123', 'cs-456', 'top-level-789']) {
      expect(out).not.to.contain(secret);
    }
    expect(out).to.contain('[redacted]');
  });
});
