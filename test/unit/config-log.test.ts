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
      [{ MONGODB_URI: 'garbage' }, 'MONGODB_URI'],
      [{ MONGODB_URI: 'postgres://db/directory' }, 'MONGODB_URI'],
      [{ BODY_LIMIT: 'huge' }, 'BODY_LIMIT'],
      [{ BODY_LIMIT: '1 megabyte' }, 'BODY_LIMIT'],
      [{ HOST: 'not-a-host' }, 'HOST'],
      [{ HOST: '127.0.0.256' }, 'HOST'],
      [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN'],
      [{ SHUTDOWN_TIMEOUT_SECONDS: 'soon' }, 'SHUTDOWN_TIMEOUT_SECONDS'],
    ] as const) {
      expect(() => parseConfig(env as NodeJS.ProcessEnv), name)
        .to.throw(ConfigError)
        .with.property('message')
        .that.contains(name);
    }
  });

  it('requires SESSION_SECRET in production to serve, not to run the CLI or a build script', () => {
    expect(() => parseConfig({ NODE_ENV: 'production' }, { serve: true }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.contains('SESSION_SECRET');
    expect(parseConfig({ NODE_ENV: 'production' }).SESSION_SECRET).to.equal(undefined);
  });

  it('says what a valid value looks like', () => {
    const message = (env: NodeJS.ProcessEnv) => {
      try {
        parseConfig(env);
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    };
    expect(message({ MONGODB_URI: 'garbage' })).to.contain('mongodb://host:27017/directory');
    expect(message({ BODY_LIMIT: 'huge' })).to.contain('1mb');
    expect(message({ HOST: 'not-a-host' })).to.contain('0.0.0.0');
    expect(message({ PORT: 'eighty' })).to.contain('0 to 65535');
    // The value itself is never echoed: a connection string may carry a password.
    expect(message({ MONGODB_URI: 'mongo://admin:s3cret@db' })).not.to.contain('s3cret');
  });

  it('accepts the usual forms', () => {
    for (const uri of [
      'mongodb://127.0.0.1:27017/directory',
      'mongodb://user:p%40ss@db1:27017,db2:27017/directory?replicaSet=rs0',
      'mongodb+srv://cluster0.example.net/directory',
    ]) {
      expect(parseConfig({ MONGODB_URI: uri }).MONGODB_URI).to.equal(uri);
    }
    for (const size of ['1mb', '512kb', '1048576', '2.5MB', '100b']) {
      expect(parseConfig({ BODY_LIMIT: size }).BODY_LIMIT).to.equal(size);
    }
    for (const host of ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost']) {
      expect(parseConfig({ HOST: host }).HOST).to.equal(host);
    }
    expect(parseConfig({}).SHUTDOWN_TIMEOUT_SECONDS).to.equal(10);
    expect(parseConfig({}).METRICS_TOKEN).to.equal(undefined);
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
