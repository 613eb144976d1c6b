import { promises as dns } from 'node:dns';
import net from 'node:net';

/**
 * A quick check that something accepts TCP connections at a MongoDB connection string's hosts, before the driver
 * tries: the driver retries an unreachable server until its server-selection timeout (10 s here) and then reports
 * a topology dump. This answers in milliseconds for a refused port or an unknown host name, within `timeoutMs` for
 * a silent one, and says which host failed and how (never the credentials in the string).
 */
export interface HostCheck {
  ok: boolean;
  /** "host:port: what went wrong", for each host tried, when none answered. */
  failures: string[];
}

interface Host {
  host: string;
  port: number;
}

/** The hosts of a mongodb:// string, or the SRV name of a mongodb+srv:// one (RFC 3986 authority, user info dropped). */
export function hostsOf(uri: string): { srv: boolean; hosts: Host[] } {
  const m = /^mongodb(\+srv)?:\/\/([^/?#]*)/.exec(uri);
  if (!m) return { srv: false, hosts: [] };
  const srv = Boolean(m[1]);
  const authority = m[2]!;
  const list = authority.slice(authority.lastIndexOf('@') + 1);
  const hosts = list
    .split(',')
    .filter(Boolean)
    .map((h): Host => {
      const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(h);
      const [, name, port] = bracketed ?? /^([^:]*)(?::(\d+))?$/.exec(h) ?? [h, h, undefined];
      return { host: decodeURIComponent(name ?? h), port: port ? Number(port) : 27017 };
    });
  return { srv, hosts };
}

const reasons: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listens on that port)',
  ENOTFOUND: 'no such host name',
  EAI_AGAIN: 'the host name could not be resolved (DNS)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'no answer (a firewall?)',
};

function describe(err: unknown): string {
  const code = (err as { code?: string }).code ?? '';
  return reasons[code] ? `${reasons[code]}, ${code}` : String((err as Error).message ?? err);
}

function probe({ host, port }: Host, timeoutMs: number): Promise<string | undefined> {
  // A host ending in .sock is a Unix socket's path (as the driver reads it).
  const unix = host.endsWith('.sock');
  if (!unix && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    return Promise.resolve(`${port} is not a port`);
  }
  return new Promise((resolve) => {
    const socket = unix ? net.connect({ path: host }) : net.connect({ host, port });
    const done = (failure?: string) => {
      socket.destroy();
      resolve(failure);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs / 1000} s (a firewall?)`));
    socket.once('connect', () => done());
    socket.once('error', (err) => done(describe(err)));
  });
}

export async function checkMongoHosts(uri: string, timeoutMs = 3000): Promise<HostCheck> {
  const { srv, hosts } = hostsOf(uri);
  let targets = hosts;
  if (srv) {
    const name = hosts[0]?.host ?? '';
    try {
      const records = await dns.resolveSrv(`_mongodb._tcp.${name}`);
      targets = records.map((r) => ({ host: r.name, port: r.port }));
    } catch (err) {
      return { ok: false, failures: [`_mongodb._tcp.${name} (SRV record): ${describe(err)}`] };
    }
  }
  const failures = await Promise.all(targets.map((t) => probe(t, timeoutMs)));
  if (failures.some((f) => f === undefined)) return { ok: true, failures: [] };
  return {
    ok: false,
    failures: targets.map(
      (t, i) => `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}: ${failures[i]}`,
    ),
  };
}
