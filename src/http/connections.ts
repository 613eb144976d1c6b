import http from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../config.js';

/** The answers each server is working on (for `closeGracefully`). */
const answeringBy = new WeakMap<http.Server, Set<http.ServerResponse>>();

/**
 * The Node HTTP server with its connection limits (issue 12, item 6): idle connections are closed, so clients that
 * open sockets and send nothing cannot use up the process's file descriptors (520 idle sockets did, with 512).
 *
 * - `headersTimeout` / `requestTimeout`: a request's headers, and the whole request, must arrive in time (checked
 *   every second rather than Node's default 30 s);
 * - `keepAliveTimeout`: a keep-alive connection waits this long for its next request;
 * - idle timeout: a connection with no request in progress and no traffic for HTTP_IDLE_TIMEOUT_MS is closed —
 *   including one that never sent a byte, which Node alone keeps open for ever. A connection whose request is being
 *   answered is left alone however long the answer takes (requestTimeout bounds its receipt);
 * - once stopping (`closeGracefully`), every answer carries `Connection: close` and its connection is closed after it.
 */
export function createHttpServer(app: http.RequestListener, config: Config): http.Server {
  const server = http.createServer(
    {
      headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: Math.min(1000, config.HTTP_HEADERS_TIMEOUT_MS),
    },
    app,
  );
  const busy = new WeakMap<Socket, number>();
  const answering = new Set<http.ServerResponse>();
  answeringBy.set(server, answering);
  // Before the app's listener: an app that answers at once (e.g. /healthz) has sent its headers when later listeners
  // run, and setting `Connection: close` then throws — which crashed the process for a request whose head completed
  // while stopping (one pipelined behind a request in flight).
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    answering.add(res);
    // Stopping: this answer is the connection's last.
    if (!server.listening) res.setHeader('Connection', 'close');
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      busy.set(socket, Math.max(0, (busy.get(socket) ?? 1) - 1));
      answering.delete(res);
      // Stopping: the connection, idle now, is closed (close() closed only those idle at that moment; one kept
      // alive with steady requests would otherwise be served until the shutdown timeout).
      if (!server.listening) setImmediate(() => server.closeIdleConnections());
    };
    res.once('finish', finished);
    res.once('close', finished);
  });
  server.setTimeout(config.HTTP_IDLE_TIMEOUT_MS);
  // With a listener, Node leaves timed-out sockets to us (it would otherwise destroy busy ones too).
  server.on('timeout', (socket: Socket) => {
    if (!busy.get(socket)) socket.destroy();
  });
  return server;
}

/**
 * The graceful stop of a server made by `createHttpServer`: no new connections; idle connections close at once; a
 * request in progress may finish within `timeoutMs`, its answer says `Connection: close` (if not sent yet) and its
 * connection is closed after it; at the timeout the remaining connections are cut. `forced` tells whether they were.
 */
export function closeGracefully(server: http.Server, timeoutMs: number): Promise<{ forced: boolean }> {
  return new Promise((resolve) => {
    let forced = false;
    const timer = setTimeout(() => {
      forced = true;
      server.closeAllConnections();
    }, timeoutMs);
    server.close(() => {
      clearTimeout(timer);
      resolve({ forced });
    });
    for (const res of answeringBy.get(server) ?? [])
      if (!res.headersSent) res.setHeader('Connection', 'close');
    server.closeIdleConnections();
  });
}
