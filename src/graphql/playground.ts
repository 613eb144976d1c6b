import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import { projectRoot } from '../paths.js';

/**
 * The browser playground: a self-hosted GraphiQL 5 built by scripts/build-playground.mjs from src/playground/ into
 * public/graphiql/build/. Page, script, styles, fonts and Monaco's workers all come from this origin, so it works
 * offline and under the app's CSP (script-src 'self', connect-src 'self'; no inline script).
 */
export const playgroundBuildDir = path.join(projectRoot, 'public/graphiql/build');

/** A browser asking for a page (GET with Accept preferring HTML), not a GraphQL GET request. */
export function wantsHtml(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (typeof req.query.query === 'string') return false;
  return req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export function playgroundPage(basePath: string): string {
  const base = escapeHtml(basePath);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Directory GraphQL playground</title>
<link rel="stylesheet" href="${base}/playground/playground.css">
<script type="module" src="${base}/playground/playground.js"></script>
</head>
<body>
<div id="playground" data-endpoint="${base}" data-assets="${base}/playground/">Loading the GraphQL playground…</div>
</body>
</html>
`;
}

const notBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Playground not built</title></head>
<body><p>The GraphQL playground has not been built. Run <code>node scripts/build-playground.mjs</code>.</p></body></html>
`;

export function playgroundRouter(): express.Router {
  const router = express.Router();
  router.use(
    '/playground',
    express.static(playgroundBuildDir, {
      index: false,
      fallthrough: false,
      dotfiles: 'ignore',
      // File names are stable across builds: revalidate (ETag) instead of caching blindly.
      cacheControl: true,
      maxAge: 0,
    }),
  );
  router.get('/', (req: Request, res: Response, next) => {
    if (!wantsHtml(req)) return next();
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Accept');
    if (!existsSync(path.join(playgroundBuildDir, 'playground.js'))) {
      res.status(503).type('html').send(notBuilt);
      return;
    }
    res.type('html').send(playgroundPage(req.baseUrl || '/graphql'));
  });
  return router;
}
