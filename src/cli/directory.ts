import { createReadStream, createWriteStream, existsSync, renameSync, rmSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { ConfigError, parseConfig } from '../config.js';
import { createContext } from '../services/context.js';
import { isDomainError, PreconditionFailedError } from '../domain/errors.js';
import type { CredentialKind, Tenant } from '../domain/types.js';
import { openConfiguredDatabase } from '../open-database.js';
import { flushAudit } from '../services/audit.js';
import { backupDirectory, restoreDirectory } from '../services/backup.js';
import {
  defaultGraceSeconds,
  issueToken,
  listTokens,
  revokeToken,
  type TokenInfo,
} from '../services/credentials.js';
import { createTenant, getTenantBySlug, listTenants, setScimEnabled } from '../services/tenants.js';

const usage = `directory — tenant administration for the directory service

Usage:
  directory tenant create <slug> [--name <name>]     create a tenant (customer organisation)
  directory tenant list                               list tenants
  directory token issue <slug> --kind scim|admin [--grace-seconds N] [--expires-in D] [--label L] [--quiet]
                                                      issue a token (printed once: --quiet prints only the token).
                                                      Rotates: the tenant's earlier tokens of that kind stop working
                                                      after N seconds (default 86400, one day; 0 at once). With
                                                      --expires-in (e.g. 3600, 90m, 12h, 30d) the new token itself
                                                      stops working after that long.
  directory token list <slug> [--kind scim|admin] [--all]
                                                      tokens of the tenant (metadata only); --all adds retired ones
  directory token revoke <slug> <token-id>            stop one token at once (ids from token list)
  directory scim enable|disable <slug>                switch SCIM user synchronisation on or off
  directory backup <file> [--force]                  every tenant's data, one document a line (Extended JSON;
                                                      - for stdout). --force overwrites an existing file
  directory restore <file> [--force]                 into an empty database (- for stdin); --force deletes
                                                      what the database holds first. Stop the service first

Options:
  --json      machine-readable output
  --help      this text

Uses the same database as the service: MONGODB_URI, or the embedded database in DATA_DIR (default ./.data),
shared with a service that is running on it.`;

interface Output {
  json: boolean;
}

function print(out: Output, value: unknown, text: string): void {
  console.log(out.json ? JSON.stringify(value, null, 2) : text);
}

function tokenView(c: TokenInfo) {
  return {
    id: c.id,
    kind: c.kind,
    label: c.label ?? null,
    createdAt: c.createdAt.toISOString(),
    expiresAt: c.expiresAt?.toISOString() ?? null,
    live: c.live,
  };
}

/** `3600`, `90s`, `30m`, `12h`, `30d` → seconds; undefined when it is none of these. */
function seconds(text: string): number | undefined {
  const m = /^(\d+)\s*([smhd]?)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2]!.toLowerCase()]!;
  return Number(m[1]) * unit;
}

function tenantView(t: Tenant) {
  return {
    id: t.id,
    slug: t.slug,
    name: t.name,
    scimEnabled: t.scimEnabled,
    createdAt: t.createdAt.toISOString(),
  };
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      name: { type: 'string' },
      kind: { type: 'string' },
      'grace-seconds': { type: 'string' },
      force: { type: 'boolean', default: false },
      'expires-in': { type: 'string' },
      label: { type: 'string' },
      all: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
    },
  });
  const [area, action, slug, tokenId] = positionals;
  if (values.help || !area) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  const out: Output = { json: values.json };
  const known =
    (area === 'tenant' && (action === 'create' || action === 'list')) ||
    (area === 'token' && (action === 'issue' || action === 'list' || action === 'revoke')) ||
    (area === 'scim' && (action === 'enable' || action === 'disable'));
  if (area === 'backup' || area === 'restore') {
    if (!action || positionals.length > 2) {
      console.error(`usage: directory ${area} <file> [--force]\n\n${usage}`);
      return 2;
    }
    return backupOrRestore(area, action, values.force, values.json);
  }
  if (!known) {
    console.error(`unknown command: ${positionals.join(' ')}\n\n${usage}`);
    return 2;
  }
  if ((area !== 'tenant' || action !== 'list') && !slug) {
    console.error(`missing <slug>\n\n${usage}`);
    return 2;
  }
  if (area === 'token' && action === 'revoke' && !tokenId) {
    console.error(`missing <token-id>\n\n${usage}`);
    return 2;
  }
  let kind: CredentialKind | undefined;
  let grace: number | undefined;
  let expiresIn: number | undefined;
  if (area === 'token') {
    const required = action === 'issue';
    if ((required || values.kind !== undefined) && values.kind !== 'scim' && values.kind !== 'admin') {
      console.error('--kind must be scim or admin');
      return 2;
    }
    kind = values.kind as CredentialKind | undefined;
    if (values['grace-seconds'] !== undefined) {
      grace = Number(values['grace-seconds']);
      if (!/^\d+$/.test(values['grace-seconds'])) {
        console.error('--grace-seconds must be a whole number of seconds');
        return 2;
      }
    }
    if (values['expires-in'] !== undefined) {
      expiresIn = seconds(values['expires-in']);
      if (expiresIn === undefined) {
        console.error('--expires-in must be a duration: seconds, or a number with s, m, h or d (e.g. 30d)');
        return 2;
      }
    }
  }

  const config = parseConfig();
  const db = await openConfiguredDatabase(config, (m) => console.error(`[directory] ${m}`), {
    shareRunning: true,
  });
  try {
    if (area === 'tenant' && action === 'create') {
      const t = await createTenant({ slug: slug!, ...(values.name ? { name: values.name } : {}) }, 'cli');
      print(out, tenantView(t), `created tenant ${t.slug} (${t.id})`);
    } else if (area === 'tenant') {
      const tenants = await listTenants();
      print(
        out,
        tenants.map(tenantView),
        tenants.length === 0
          ? 'no tenants'
          : tenants
              .map((t) => `${t.slug}\t${t.name}\tscim ${t.scimEnabled ? 'on' : 'off'}\t${t.id}`)
              .join('\n'),
      );
    } else if (area === 'token') {
      const t = await getTenantBySlug(slug!);
      const ctx = createContext({
        tenantId: t.id,
        source: 'cli',
        actor: { type: 'system', id: 'cli', isAdmin: true },
      });
      if (action === 'issue') {
        const { token, credential } = await issueToken(ctx, kind!, {
          label: values.label ?? 'cli',
          ...(grace !== undefined ? { previousTokensGraceSeconds: grace } : {}),
          ...(expiresIn !== undefined ? { expiresInSeconds: expiresIn } : {}),
        });
        const effectiveGrace = grace ?? defaultGraceSeconds;
        const value = {
          tenant: t.slug,
          kind,
          token,
          credentialId: credential.id,
          expiresAt: credential.expiresAt?.toISOString() ?? null,
          previousTokensGraceSeconds: effectiveGrace,
        };
        if (values.quiet && !out.json) console.log(token);
        else {
          print(
            out,
            value,
            `${kind} token for ${t.slug} (shown once, store it now):\n${token}\n` +
              `id ${credential.id}${credential.expiresAt ? `, expires ${credential.expiresAt.toISOString()}` : ''}\n` +
              (effectiveGrace === 0
                ? `earlier ${kind} tokens stopped working`
                : `earlier ${kind} tokens stop working in ${effectiveGrace} s`),
          );
        }
      } else if (action === 'list') {
        const tokens = await listTokens(ctx, { kind, includeRetired: values.all });
        print(
          out,
          tokens.map(tokenView),
          tokens.length === 0
            ? 'no tokens'
            : tokens
                .map((c) =>
                  [
                    c.id,
                    c.kind,
                    c.label ?? '-',
                    `created ${c.createdAt.toISOString()}`,
                    c.live
                      ? c.expiresAt
                        ? `expires ${c.expiresAt.toISOString()}`
                        : 'no expiry'
                      : `retired ${c.expiresAt!.toISOString()}`,
                  ].join('\t'),
                )
                .join('\n'),
        );
      } else {
        const revoked = await revokeToken(ctx, tokenId!);
        print(out, tokenView(revoked), `revoked ${revoked.kind} token ${revoked.id} of ${t.slug}`);
      }
    } else {
      const t = await getTenantBySlug(slug!);
      const ctx = createContext({
        tenantId: t.id,
        source: 'cli',
        actor: { type: 'system', id: 'cli', isAdmin: true },
      });
      const updated = await setScimEnabled(ctx, action === 'enable');
      print(
        out,
        tenantView(updated),
        `SCIM user synchronisation for ${t.slug}: ${updated.scimEnabled ? 'on' : 'off'}`,
      );
    }
    await flushAudit();
    return 0;
  } finally {
    await db.close();
  }
}

/** `directory backup <file>` / `directory restore <file>`; `-` is stdout / stdin. */
async function backupOrRestore(
  command: 'backup' | 'restore',
  file: string,
  force: boolean,
  json: boolean,
): Promise<number> {
  if (command === 'backup' && file !== '-' && existsSync(file) && !force) {
    console.error(`error: ${file} exists (--force overwrites it)`);
    return 1;
  }
  if (command === 'restore' && file !== '-' && !existsSync(file)) {
    console.error(`error: ${file} not found`);
    return 1;
  }
  const config = parseConfig();
  const db = await openConfiguredDatabase(config, (m) => console.error(`[directory] ${m}`), {
    shareRunning: true,
  });
  try {
    let counts: Record<string, number>;
    if (command === 'backup') {
      // Written beside the target and renamed when complete: a failed backup never looks like a good one.
      const partial = `${file}.partial-${process.pid}`;
      const out: Writable = file === '-' ? process.stdout : createWriteStream(partial, { mode: 0o600 });
      try {
        counts = await backupDirectory(out);
        if (out !== process.stdout) {
          out.end();
          await finished(out);
          renameSync(partial, file);
        }
      } catch (err) {
        if (out !== process.stdout) rmSync(partial, { force: true });
        throw err;
      }
    } else {
      const input: Readable = file === '-' ? process.stdin : createReadStream(file);
      try {
        counts = await restoreDirectory(input, { replace: force });
      } catch (err) {
        if (err instanceof PreconditionFailedError) {
          console.error(`error: ${err.message} (--force)`);
          return 1;
        }
        throw err;
      }
    }
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const summary = `${command === 'backup' ? 'backed up' : 'restored'} ${total} documents: ${Object.entries(
      counts,
    )
      .map(([c, n]) => `${c} ${n}`)
      .join(', ')}`;
    // With `backup -`, stdout carries the backup itself: the summary goes to stderr.
    const say = command === 'backup' && file === '-' ? console.error : console.log;
    say(json ? JSON.stringify({ [command]: file, documents: counts }, null, 2) : summary);
    return 0;
  } finally {
    await db.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError || isDomainError(err)) console.error(`error: ${(err as Error).message}`);
    else console.error('error:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
